"""The namespace row users and organizations share, so a name is taken once, and its time machine
window (Quay's tag expiration)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from orgs.audit import audit_log_write
from orgs.errors import InvalidInput, NamespaceTaken
from orgs.models import Namespace, User
from orgs.names import namespace_name_validate
from orgs.services.authorization import require_namespace_admin
from quaysite.durations import duration_parse


def namespace_create(*, name: str, kind: str) -> Namespace:
    namespace_name_validate(name)
    try:
        with transaction.atomic():
            return Namespace.objects.create(name=name, kind=kind)
    except IntegrityError:
        raise NamespaceTaken(f"the name {name!r} is already taken by a user or organization") from None


def default_window() -> timedelta:
    return duration_parse(settings.DEFAULT_TAG_EXPIRATION) or timedelta(weeks=2)


def time_machine_window(namespace: Namespace) -> timedelta:
    """How long ended tag rows of this namespace stay restorable, and their manifests and blobs
    safe from garbage collection."""
    if namespace.time_machine_seconds is None:
        return default_window()
    return timedelta(seconds=namespace.time_machine_seconds)


def tag_expiration_options() -> list[int]:
    """TAG_EXPIRATION_OPTIONS in seconds: the only time machine windows a namespace may choose."""
    durations = [duration_parse(option) for option in settings.TAG_EXPIRATION_OPTIONS]
    # Start-up refused any option that is no duration (quaysite.config).
    return [int(duration.total_seconds()) for duration in durations if duration is not None]


@transaction.atomic
def namespace_set_tag_expiration(
    *, namespace: Namespace, seconds: int, actor: User | None = None
) -> Namespace:
    """Quay's tag_expiration_s: how long ended tags stay restorable in the namespace (admins only)."""
    require_namespace_admin(actor=actor, namespace=namespace)
    allowed = tag_expiration_options()
    if seconds not in allowed:
        raise InvalidInput(
            f"tag_expiration_s {seconds} is not one of the allowed options {', '.join(map(str, allowed))}"
        )
    previous = namespace.time_machine_seconds
    namespace.time_machine_seconds = seconds
    namespace.save(update_fields=["time_machine_seconds"])
    is_organization = namespace.kind == Namespace.Kind.ORGANIZATION
    audit_log_write(
        kind="org_change_tag_expiration" if is_organization else "user_change_tag_expiration",
        performer=actor,
        namespace=namespace,
        metadata={"namespace": namespace.name, "tag_expiration": seconds, "previous": previous},
    )
    return namespace
