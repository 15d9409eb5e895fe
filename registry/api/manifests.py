"""A manifest and its labels on Quay's paths. Reads need read access; label changes need the
write role in a NORMAL repository (the services check and audit). A manifest deleted by digest
answers 404, and an unreadable repository 404 as a missing one does.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.request_context import request_actor, request_user
from quaysite.api_schema import ERROR_RESPONSES
from registry.api.serializers import (
    LabelCreatedOutput,
    LabelInput,
    LabelListOutput,
    LabelListQuery,
    LabelOutput,
    ManifestOutput,
)
from registry.models import Manifest
from registry.selectors.labels import label_get, label_list
from registry.selectors.manifests import manifest_get_served, manifest_summary
from registry.selectors.repositories import repository_get_readable
from registry.services.labels import label_add, label_delete


def _manifest(request: Request, repository: str, digest: str) -> Manifest:
    found = repository_get_readable(user=request_user(request), full_name=repository).repository
    return manifest_get_served(repository=found, digest=digest)


class ManifestView(APIView):
    required_scopes = ["repo:read"]
    # A public repository's manifests are readable without a login.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="getRepoManifest",
        description="The manifest's bytes and, for an image, its layers.",
        responses={200: ManifestOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, digest: str) -> Response:
        return Response(manifest_summary(manifest=_manifest(request, repository, digest)))


class ManifestLabelsView(APIView):
    required_scopes = {"GET": ["repo:read"], "POST": ["repo:write"]}

    def get_permissions(self) -> list:
        # Anonymous callers may read (a public one); writes need the default login.
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="listManifestLabels",
        description="The manifest's labels; filter keeps keys starting with the prefix.",
        parameters=[LabelListQuery],
        responses={200: LabelListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, digest: str) -> Response:
        manifest = _manifest(request, repository, digest)
        query = LabelListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        labels = label_list(manifest=manifest, prefix=query.validated_data.get("filter"))
        return Response({"labels": LabelOutput(labels, many=True).data})

    @extend_schema(
        operation_id="addManifestLabel",
        description="Add a label to the manifest (write role).",
        request=LabelInput,
        responses={201: LabelCreatedOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str, digest: str) -> Response:
        manifest = _manifest(request, repository, digest)
        data = LabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        label = label_add(actor=request_actor(request), manifest=manifest, **data.validated_data)
        location = f"/api/v1/repository/{repository}/manifest/{digest}/labels/{label.uuid}"
        return Response({"label": LabelOutput(label).data}, status=201, headers={"Location": location})


class ManifestLabelView(APIView):
    required_scopes = {"GET": ["repo:read"], "DELETE": ["repo:write"]}

    def get_permissions(self) -> list:
        # Anonymous callers may read (a public one); writes need the default login.
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="getManifestLabel",
        description="One label of the manifest, by its id.",
        responses={200: LabelOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str, digest: str, labelid: str) -> Response:
        manifest = _manifest(request, repository, digest)
        return Response(LabelOutput(label_get(manifest=manifest, label_id=labelid)).data)

    @extend_schema(
        operation_id="deleteManifestLabel",
        description="Delete a label added through the API (write role); labels from the image stay.",
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, repository: str, digest: str, labelid: str) -> Response:
        manifest = _manifest(request, repository, digest)
        label_delete(actor=request_actor(request), manifest=manifest, label_id=labelid)
        return Response(status=204)
