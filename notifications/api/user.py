"""The caller's in-app notifications on Quay's paths (its endpoints/api/user.py): a page of them,
newest first, and one to read or dismiss (``dismissed`` is our ``read``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.serializers import (
    UserNotificationListOutput,
    UserNotificationListQuery,
    UserNotificationOutput,
    UserNotificationUpdate,
)
from notifications.api.shapes import user_notification_view
from notifications.selectors import user_notification_get, user_notification_list
from notifications.services import user_notification_mark_read
from orgs.request_context import request_actor
from quaysite.api_schema import ERROR_RESPONSES


class UserNotificationListView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="listUserNotifications",
        description="A page of your in-app notifications, newest first; additional says more follow.",
        parameters=[UserNotificationListQuery],
        responses={200: UserNotificationListOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = UserNotificationListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        page, limit = query.validated_data["page"], query.validated_data["limit"]
        # One row beyond the page says whether another follows.
        rows = list(
            user_notification_list(user=request_actor(request), limit=(page + 1) * limit + 1)[page * limit :]
        )
        return Response(
            UserNotificationListOutput(
                {
                    "notifications": [user_notification_view(row) for row in rows[:limit]],
                    "additional": len(rows) > limit,
                }
            ).data
        )


class UserNotificationView(APIView):
    required_scopes = ["user:admin"]

    @extend_schema(
        operation_id="getUserNotification",
        description="One of your in-app notifications.",
        responses={200: UserNotificationOutput, **ERROR_RESPONSES},
    )
    def get(self, request: Request, uuid: str) -> Response:
        note = user_notification_get(user=request_actor(request), uuid=uuid)
        return Response(UserNotificationOutput(user_notification_view(note)).data)

    @extend_schema(
        operation_id="updateUserNotification",
        description="Mark the notification read (dismissed true) or unread again (dismissed false).",
        request=UserNotificationUpdate,
        responses={200: UserNotificationOutput, **ERROR_RESPONSES},
    )
    def put(self, request: Request, uuid: str) -> Response:
        actor = request_actor(request)
        note = user_notification_get(user=actor, uuid=uuid)
        data = UserNotificationUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        user_notification_mark_read(user=actor, uuids=[str(note.uuid)], read=data.validated_data["dismissed"])
        note = user_notification_get(user=actor, uuid=uuid)
        return Response(UserNotificationOutput(user_notification_view(note)).data)
