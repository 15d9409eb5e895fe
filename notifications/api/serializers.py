"""Quay's JSON for notifications: the create request's camelCase eventConfig, the views' snake_case
fields, and the in-app notifications' shape. No logic: the services check each method's config."""

from __future__ import annotations

from rest_framework import serializers

from notifications.models import Event, Method
from orgs.api.fields import QuayDateField


class NotificationInput(serializers.Serializer):
    event = serializers.CharField(help_text="The event that fires it: " + ", ".join(Event.values))
    method = serializers.CharField(help_text="How it is delivered: " + ", ".join(Method.values))
    config = serializers.DictField(help_text='The method\'s settings, such as {"url": ...} or {"email": ...}')
    eventConfig = serializers.DictField(help_text="The event's settings, such as a minimum severity")
    title = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=255)

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {
            "event": data["event"],
            "method": data["method"],
            "config": data["config"],
            "event_config": data["eventConfig"],
            "title": data.get("title") or "",
        }


class NotificationOutput(serializers.Serializer):
    uuid = serializers.CharField()
    title = serializers.CharField()
    event = serializers.CharField()
    method = serializers.CharField()
    config = serializers.DictField()
    event_config = serializers.DictField()
    number_of_failures = serializers.IntegerField()
    enabled = serializers.BooleanField(help_text="Ours: false once the failure limit is reached, until reset")


class NotificationListOutput(serializers.Serializer):
    notifications = NotificationOutput(many=True)


class DeliveryAttemptOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    ok = serializers.BooleanField()
    status_code = serializers.IntegerField(
        allow_null=True, help_text="The target's HTTP status, if it answered"
    )
    error = serializers.CharField(help_text="Why the attempt failed; empty when it succeeded")
    elapsed_ms = serializers.IntegerField()


class DeliveryAttemptListOutput(serializers.Serializer):
    attempts = DeliveryAttemptOutput(many=True)


class UserNotificationOutput(serializers.Serializer):
    id = serializers.CharField(help_text="The notification's uuid")
    organization = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    created = QuayDateField()
    metadata = serializers.DictField()
    dismissed = serializers.BooleanField()


class UserNotificationListOutput(serializers.Serializer):
    notifications = UserNotificationOutput(many=True)
    additional = serializers.BooleanField(help_text="More notifications follow on the next page")


class UserNotificationListQuery(serializers.Serializer):
    # Bounded: the offset goes into SQL, where a huge one is a database error, not a 400.
    page = serializers.IntegerField(default=0, min_value=0, max_value=10_000, help_text="Offset page number")
    limit = serializers.IntegerField(
        default=5, min_value=1, max_value=100, help_text="Notifications per page"
    )


class UserNotificationUpdate(serializers.Serializer):
    dismissed = serializers.BooleanField(default=False, help_text="Whether the user has read (dismissed) it")


class EmptyOutput(serializers.Serializer):
    pass
