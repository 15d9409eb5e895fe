"""Who reaches the quota API, as Quay: the feature switch, and the namespace a path names."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from orgs.models import Namespace, User
from orgs.selectors.identity import is_superuser, namespace_find, namespace_role


class QuotaFeatureOn(BasePermission):
    """With FEATURE_QUOTA_MANAGEMENT off Quay registers none of these routes: they answer as
    any path the API does not have. Listed after IsAuthenticated, so anonymous callers still
    get the 401 every protected endpoint gives."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not settings.FEATURE_QUOTA_MANAGEMENT:
            raise NotFound(f"no API resource at {request.path}")
        return True


class IsSuperuser(BasePermission):
    message = "superusers only"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_superuser(request.user)


def superuser_required(user: User) -> None:
    """Quay leaves every quota write to superusers (its org-admin exception is gone)."""
    if not is_superuser(user):
        raise PermissionDenied("only superusers change quotas")


def organization_namespace_for_reader(*, user: User, name: str) -> Namespace:
    """The organization's namespace for its members and superusers; anyone else is refused
    before the name is looked up, as Quay."""
    found = namespace_find(name=name)
    organization = found if found is not None and found.kind == Namespace.Kind.ORGANIZATION else None
    member = organization is not None and namespace_role(user=user, namespace=organization) is not None
    if not member and not is_superuser(user):
        raise PermissionDenied(f"only members of {name!r} read its quota")
    if organization is None:
        raise NotFound(f"no organization named {name!r}")
    return organization


def organization_namespace_for_writer(*, user: User, name: str) -> Namespace:
    superuser_required(user)
    return organization_namespace_for_reader(user=user, name=name)


def own_namespace(user: User) -> Namespace:
    if user.namespace is None:
        raise NotFound("this account has no namespace of its own")
    return user.namespace


def namespace_by_name(name: str) -> Namespace:
    """A user's or an organization's namespace, as Quay's superuser paths take either."""
    namespace = namespace_find(name=name)
    if namespace is None:
        raise NotFound(f"no user or organization named {name!r}")
    return namespace
