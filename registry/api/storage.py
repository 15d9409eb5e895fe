"""Superuser API for geo-replication: the replication backlog per location, and a namespace's
own storage location set (a tenant's bucket). Not in Quay; the paths follow its superuser API."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.errors import NotFound
from orgs.models import Namespace
from orgs.request_context import request_actor
from orgs.selectors.identity import namespace_find
from orgs.services.authorization import require_superuser
from quaysite.api_schema import ERROR_RESPONSES
from registry.selectors.placement import namespace_locations
from registry.selectors.replication import replication_backlog
from registry.services.placement import namespace_storage_clear, namespace_storage_set


class LocationBacklogOutput(serializers.Serializer):
    location = serializers.CharField()
    pending = serializers.IntegerField(help_text="Copies still to make to this location")
    failing = serializers.IntegerField(help_text="Of them, those whose last attempt failed")
    bytes = serializers.IntegerField(help_text="Bytes still to copy")
    oldest = serializers.DateTimeField(allow_null=True, help_text="When the oldest copy was queued")


class ReplicationOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    default_locations = serializers.ListField(child=serializers.CharField())
    locations = LocationBacklogOutput(many=True)


class ReplicationView(APIView):
    required_scopes = ["super:user"]

    @extend_schema(
        operation_id="getStorageReplicationBacklog",
        description="The replication backlog per configured storage location.",
        responses={200: ReplicationOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        require_superuser(actor=request_actor(request))
        output = {
            "enabled": settings.STORAGE_REPLICATION,
            "default_locations": settings.STORAGE_DEFAULT_LOCATIONS,
            "locations": replication_backlog(),
        }
        return Response(ReplicationOutput(output).data)


class NamespaceStorageInput(serializers.Serializer):
    locations = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Names from DISTRIBUTED_STORAGE_CONFIG"
    )

    def validate_locations(self, locations: list[str]) -> list[str]:
        unknown = [location for location in locations if location not in settings.STORAGE_CONFIG]
        if unknown:
            raise serializers.ValidationError(
                f"unknown storage location(s) {', '.join(unknown)}; "
                f"configured: {', '.join(settings.STORAGE_CONFIG)}"
            )
        return list(dict.fromkeys(locations))


class NamespaceStorageOutput(serializers.Serializer):
    namespace = serializers.CharField()
    locations = serializers.ListField(child=serializers.CharField())
    own = serializers.BooleanField(help_text="False: the namespace follows the registry's defaults")


def _namespace(name: str) -> Namespace:
    namespace = namespace_find(name=name)
    if namespace is None:
        raise NotFound(f"no namespace {name!r}")
    return namespace


def _output(namespace: Namespace) -> Response:
    own = namespace_locations(namespace_id=namespace.pk)
    default = settings.STORAGE_DEFAULT_LOCATIONS or settings.STORAGE_PREFERENCE[:1]
    output = {"namespace": namespace.name, "locations": own or default, "own": own is not None}
    return Response(NamespaceStorageOutput(output).data)


class NamespaceStorageView(APIView):
    required_scopes = ["super:user"]

    @extend_schema(
        operation_id="getNamespaceStorage",
        description="The storage locations the namespace's blobs are placed in.",
        responses={200: NamespaceStorageOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, namespace: str) -> Response:
        require_superuser(actor=request_actor(request))
        return _output(_namespace(namespace))

    @extend_schema(
        operation_id="setNamespaceStorage",
        description="Assigns the namespace its own location set; its blobs are copied there.",
        request=NamespaceStorageInput,
        responses={200: NamespaceStorageOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, namespace: str) -> Response:
        require_superuser(actor=request_actor(request))
        target = _namespace(namespace)
        data = NamespaceStorageInput(data=request.data)
        data.is_valid(raise_exception=True)
        namespace_storage_set(
            namespace=target, locations=data.validated_data["locations"], actor=request_actor(request)
        )
        return _output(target)

    @extend_schema(
        operation_id="clearNamespaceStorage",
        description="Returns the namespace to the registry's default locations.",
        responses={204: OpenApiResponse(description="Cleared"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, namespace: str) -> Response:
        require_superuser(actor=request_actor(request))
        namespace_storage_clear(namespace=_namespace(namespace), actor=request_actor(request))
        return Response(status=204)
