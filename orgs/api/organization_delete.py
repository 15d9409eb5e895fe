"""DELETE /api/v1/organization/{orgname}, Quay's: on the organization view's path, in its own file."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from orgs.api import views
from orgs.selectors import organization_get
from orgs.services.organization_delete import organization_delete
from quaysite.api_schema import ERROR_RESPONSES
from quaysite.oauth import scopes_required

HTTP_METHODS = ("GET", "PUT", "POST", "PATCH")


class OrganizationView(views.OrganizationView):
    """The organization view, plus DELETE; every other method keeps the scopes it declares."""

    required_scopes = {
        **{method: scopes_required(views.OrganizationView, method) for method in HTTP_METHODS},
        "DELETE": ["org:admin"],
    }

    def get_permissions(self) -> list:
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        operation_id="deleteAdminedOrganization",
        description=(
            "Delete the organization (administrators only): its name is free at once, its "
            "repositories' data is reclaimed by garbage collection."
        ),
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    )
    def delete(self, request: Request, orgname: str) -> Response:
        organization_delete(actor=request.user, organization=organization_get(name=orgname))
        return Response(status=204)
