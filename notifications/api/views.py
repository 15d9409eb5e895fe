"""Repository and organization notifications on Quay's paths (its repositorynotification.py and
namespace notification endpoints): list, create, get, delete, reset the failure count (POST on a
notification) and queue a test. ``.../attempts`` is ours: the latest delivery attempts.
Thin over notifications.services."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.access import organization_namespace_for_admin, repository_for_admin
from notifications.api.serializers import (
    DeliveryAttemptListOutput,
    EmptyOutput,
    NotificationInput,
    NotificationListOutput,
    NotificationOutput,
)
from notifications.api.shapes import delivery_attempt_view, notification_view
from notifications.models import Notification
from notifications.selectors import (
    delivery_attempt_list,
    notification_get,
    notification_list_for_namespace,
    notification_list_for_repository,
)
from notifications.services import (
    NotificationInvalid,
    NotificationNotFound,
    notification_create,
    notification_delete,
    notification_reset,
    notification_test,
)
from orgs.request_context import request_actor
from quaysite.api_schema import ERROR_RESPONSES

# Quay's namespace notifications take only the quota events.
NAMESPACE_EVENTS = ("quota_warning", "quota_error")
ATTEMPTS_SHOWN = 20


def _listing(rows: Iterable[Notification]) -> Response:
    return Response({"notifications": [notification_view(row) for row in rows]})


def _attempts(notification: Notification) -> Response:
    attempts = delivery_attempt_list(notification=notification, limit=ATTEMPTS_SHOWN)
    return Response({"attempts": [delivery_attempt_view(attempt) for attempt in attempts]})


class _Target:
    """What a notification path names: where its notifications live, and how one is found.
    A missing one is a 404 to read and, as in Quay, a 400 to change."""

    def existing(self, request: Request, uuid: str, **path: str) -> Notification:
        """Raises NotificationNotFound (404)."""
        raise NotImplementedError

    def changeable(self, request: Request, uuid: str, **path: str) -> Notification:
        try:
            return self.existing(request, uuid, **path)
        except NotificationNotFound:
            raise NotificationInvalid(
                f"No notification found for: {'/'.join(path.values())}, {uuid}"
            ) from None


class _RepositoryTarget(_Target):
    required_scopes = ["repo:admin"]

    def existing(self, request: Request, uuid: str, **path: str) -> Notification:
        found = repository_for_admin(request, path["repository"])
        return notification_get(namespace=found.namespace, repository=found, uuid=uuid)


class _OrganizationTarget(_Target):
    required_scopes = ["org:admin"]

    def existing(self, request: Request, uuid: str, **path: str) -> Notification:
        namespace = organization_namespace_for_admin(request, path["orgname"])
        return notification_get(namespace=namespace, repository=None, uuid=uuid)


CREATE_DESCRIPTION = (
    "Create a notification: the event that fires it, the method that delivers it (webhook, email, "
    "slack, quay_notification) with its config, and the event's config."
)


class RepositoryNotificationListView(APIView):
    required_scopes = ["repo:admin"]

    @extend_schema(
        operation_id="listRepoNotifications",
        description="List the repository's notifications (repository admins).",
        responses={200: NotificationListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, repository: str) -> Response:
        found = repository_for_admin(request, repository)
        return _listing(notification_list_for_repository(repository=found))

    @extend_schema(
        operation_id="createRepoNotification",
        description=CREATE_DESCRIPTION + " Repository admins.",
        request=NotificationInput,
        responses={201: NotificationOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, repository: str) -> Response:
        found = repository_for_admin(request, repository)
        data = NotificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        notification = notification_create(
            actor=request_actor(request),
            namespace=found.namespace,
            repository=found,
            **data.service_arguments(),
        )
        return Response(notification_view(notification), status=201)


class OrganizationNotificationListView(APIView):
    required_scopes = ["org:admin"]

    @extend_schema(
        operation_id="listOrgNotifications",
        description="List the organization's own notifications, for quota events (organization admins).",
        responses={200: NotificationListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, orgname: str) -> Response:
        namespace = organization_namespace_for_admin(request, orgname)
        return _listing(notification_list_for_namespace(namespace=namespace))

    @extend_schema(
        operation_id="createOrgNotification",
        description=CREATE_DESCRIPTION + " The event is quota_warning or quota_error. Organization admins.",
        request=NotificationInput,
        responses={201: NotificationOutput, **ERROR_RESPONSES},
    )
    def post(self, request: Request, orgname: str) -> Response:
        namespace = organization_namespace_for_admin(request, orgname)
        data = NotificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        arguments = data.service_arguments()
        if arguments["event"] not in NAMESPACE_EVENTS:
            raise NotificationInvalid(
                f"Invalid event {arguments['event']!r}. Must be one of: {', '.join(sorted(NAMESPACE_EVENTS))}"
            )
        notification = notification_create(
            actor=request_actor(request), namespace=namespace, repository=None, **arguments
        )
        return Response(notification_view(notification), status=201)


class _NotificationView(_Target, APIView):
    def get(self, request: Request, uuid: str, **path: str) -> Response:
        return Response(notification_view(self.existing(request, uuid, **path)))

    def delete(self, request: Request, uuid: str, **path: str) -> Response:
        notification_delete(actor=request_actor(request), notification=self.changeable(request, uuid, **path))
        return Response(status=204)

    def post(self, request: Request, uuid: str, **path: str) -> Response:
        notification_reset(actor=request_actor(request), notification=self.changeable(request, uuid, **path))
        return Response(status=204)


class _NotificationTestView(_Target, APIView):
    def post(self, request: Request, uuid: str, **path: str) -> Response:
        notification_test(notification=self.changeable(request, uuid, **path))
        return Response({})


class _NotificationAttemptsView(_Target, APIView):
    def get(self, request: Request, uuid: str, **path: str) -> Response:
        return _attempts(self.existing(request, uuid, **path))


Operation = Callable[..., Response]


def _one_schema(
    noun: str, who: str, prefix: str, reset_id: str
) -> dict[str, Callable[[Operation], Operation]]:
    """The schema of a notification's own operations, for a repository's or an organization's."""
    return {
        "get": extend_schema(
            operation_id=f"get{prefix}Notification",
            description=f"Get one of the {noun}'s notifications ({who}).",
            responses={200: NotificationOutput, **ERROR_RESPONSES},
        ),
        "delete": extend_schema(
            operation_id=f"delete{prefix}Notification",
            description=f"Delete the notification ({who}).",
            responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
        ),
        "post": extend_schema(
            operation_id=reset_id,
            description=f"Reset the notification's failure count to 0 and enable it again ({who}).",
            request=None,
            responses={204: OpenApiResponse(description="Reset"), **ERROR_RESPONSES},
        ),
        "test": extend_schema(
            operation_id=f"test{prefix}Notification",
            description=f"Queue a delivery of the event's sample payload through the notification ({who}).",
            request=None,
            responses={200: EmptyOutput, **ERROR_RESPONSES},
        ),
        "attempts": extend_schema(
            operation_id=f"list{prefix}NotificationAttempts",
            description=(
                f"The notification's latest delivery attempts, newest first ({who}; ours, not Quay's)."
            ),
            responses={200: DeliveryAttemptListOutput, **ERROR_RESPONSES},
        ),
    }


def _documented(schema: Callable[[Operation], Operation], method: Operation) -> Operation:
    """``method`` under its own schema: a fresh function, since the schema is kept on the function
    and the repository's and the organization's views share the method."""

    def operation(self: APIView, request: Request, **path: str) -> Response:
        return method(self, request, **path)

    return schema(operation)


# Quay's nicknames, the repository's reset among them.
_REPO = _one_schema("repository", "repository admins", "Repo", "resetRepositoryNotificationFailures")
_ORG = _one_schema("organization", "organization admins", "Org", "resetOrgNotificationFailures")


class RepositoryNotificationView(_RepositoryTarget, _NotificationView):
    get = _documented(_REPO["get"], _NotificationView.get)
    delete = _documented(_REPO["delete"], _NotificationView.delete)
    post = _documented(_REPO["post"], _NotificationView.post)


class RepositoryNotificationTestView(_RepositoryTarget, _NotificationTestView):
    post = _documented(_REPO["test"], _NotificationTestView.post)


class RepositoryNotificationAttemptsView(_RepositoryTarget, _NotificationAttemptsView):
    get = _documented(_REPO["attempts"], _NotificationAttemptsView.get)


class OrganizationNotificationView(_OrganizationTarget, _NotificationView):
    get = _documented(_ORG["get"], _NotificationView.get)
    delete = _documented(_ORG["delete"], _NotificationView.delete)
    post = _documented(_ORG["post"], _NotificationView.post)


class OrganizationNotificationTestView(_OrganizationTarget, _NotificationTestView):
    post = _documented(_ORG["test"], _NotificationTestView.post)


class OrganizationNotificationAttemptsView(_OrganizationTarget, _NotificationAttemptsView):
    get = _documented(_ORG["attempts"], _NotificationAttemptsView.get)
