import uuid

from django.conf import settings
from django.db import models


class Event(models.TextChoices):
    """Quay's event names."""

    REPO_PUSH = "repo_push", "Push to Repository"
    REPO_MIRROR_SYNC_STARTED = "repo_mirror_sync_started", "Repository mirror started"
    REPO_MIRROR_SYNC_SUCCESS = "repo_mirror_sync_success", "Repository mirror successful"
    REPO_MIRROR_SYNC_FAILED = "repo_mirror_sync_failed", "Repository mirror unsuccessful"
    BUILD_QUEUED = "build_queued", "Dockerfile Build Queued"
    BUILD_START = "build_start", "Dockerfile Build Started"
    BUILD_SUCCESS = "build_success", "Dockerfile Build Successfully Completed"
    BUILD_FAILURE = "build_failure", "Dockerfile Build Failed"
    BUILD_CANCELLED = "build_cancelled", "Dockerfile Build Cancelled"
    VULNERABILITY_FOUND = "vulnerability_found", "Package Vulnerability Found"
    REPO_IMAGE_EXPIRY = "repo_image_expiry", "Image expiry trigger"
    QUOTA_WARNING = "quota_warning", "Quota Warning"
    QUOTA_ERROR = "quota_error", "Quota Error"


class Method(models.TextChoices):
    WEBHOOK = "webhook", "Webhook POST"
    EMAIL = "email", "E-mail"
    SLACK = "slack", "Slack"
    QUAY_NOTIFICATION = "quay_notification", "Quay Notification"


class Notification(models.Model):
    """Who hears of an event and how (Quay's ``RepositoryNotification``). ``repository`` None:
    a namespace notification, which hears the namespace's events (quota's) and those of every
    repository in it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    namespace = models.ForeignKey("orgs.Namespace", on_delete=models.CASCADE, related_name="notifications")
    repository = models.ForeignKey(
        "registry.Repository", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=32, choices=Event.choices)
    method = models.CharField(max_length=32, choices=Method.choices)
    title = models.CharField(max_length=255, blank=True)
    # The method's settings: url, email, template, secret ...
    config = models.JSONField(default=dict, blank=True)
    # The event's filters: a vulnerability's minimum level, days before an expiry ...
    event_config = models.JSONField(default=dict, blank=True)
    # Deliveries that ran out of attempts in a row; NOTIFICATION_FAILURE_LIMIT of them disable it.
    number_of_failures = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["repository", "event"], name="notification_repository_event"),
            models.Index(fields=["namespace", "event"], name="notification_namespace_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event} by {self.method} ({self.uuid})"


class Delivery(models.Model):
    """One event to send through one notification: the outbox row, written in the event's
    transaction and worked off by the delivery job until delivered or out of attempts."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32, choices=Event.choices)
    payload = models.JSONField(default=dict)
    # Sent with every attempt, so a receiver can drop a retry of what it already accepted.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Set while pending, None once settled: the due query reads a small partial index.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_due",
            ),
            models.Index(fields=["notification", "created"], name="delivery_notification_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.status} ({self.idempotency_key})"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery, kept so a notification's owner sees why it fails."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["delivery", "at"], name="delivery_attempt_at")]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} at {self.at}"


class UserNotification(models.Model):
    """An in-app notification (Quay's ``Notification``): the web UI's bell counts the unread."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_notifications"
    )
    # The event's name (repo_push, quota_warning ...), as Quay's notification kinds.
    kind = models.CharField(max_length=64)
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    read = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["user", "read", "created"], name="user_notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class ImageExpiryNotified(models.Model):
    """A tag's expiration that a ``repo_image_expiry`` notification already told of, so the
    periodic job tells each once. Keyed by the expiration too: a new one for the same tag row
    is a new event. The tag is kept by id, not by foreign key, so the registry's tag deletes
    (GC's batches) neither cascade here nor wait on this table; rows whose expiration passed
    mean nothing any more and are dropped by the job."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="expiries_notified")
    tag_id = models.BigIntegerField()
    expires = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "tag_id", "expires"], name="image_expiry_notified_once"
            )
        ]
        indexes = [models.Index(fields=["expires"], name="image_expiry_notified_expires")]

    def __str__(self) -> str:
        return f"tag {self.tag_id} until {self.expires} by {self.notification_id}"
