"""Quota enforcement on the push path: a push over a namespace's Reject threshold is refused with
the registry's ``DENIED``, one over a Warning threshold proceeds and is recorded.

The manifest commit is where usage grows (see ``quota.accounting``), so that is where the limit
holds: this hook runs after the accounting hook, which has moved the namespace's total under the
namespace size row lock. The lock is held to the commit, so concurrent pushes into one namespace
check one after another, each against the total the previous ones left, and never end above
the limit together. A refusal rolls the whole commit back: nothing is counted, nothing stays.

Upload starts and mounts add nothing counted yet; they are refused early, from the stored total
without a lock, only once a namespace is already at its limit (a manifest adds its own bytes,
so nothing fits any more), to spare the client sending layers that the commit would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from quota.hooks import quota_event_hooks_run
from quota.models import NamespaceSize, QuotaEvent
from quota.policy import QuotaPolicy, QuotaRule, namespace_quota_policy
from registry import hooks
from registry.errors import Denied
from registry.models import ManifestBlob, Repository


@dataclass(frozen=True)
class QuotaBreach:
    namespace_id: int
    repository_id: int
    usage_bytes: int
    limit_bytes: int
    threshold_percent: int


class QuotaRejected(Denied):
    """``DENIED`` (403) with a message naming the quota and its numbers, which podman prints."""

    def __init__(self, breach: QuotaBreach, message: str) -> None:
        super().__init__(
            detail={
                "usage_bytes": breach.usage_bytes,
                "limit_bytes": breach.limit_bytes,
                "threshold_percent": breach.threshold_percent,
            },
            message=message,
        )
        self.breach = breach


def size_text(size: int) -> str:
    """12.3 MiB; bytes below 1 KiB."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def _namespace_usage(namespace_id: int) -> int:
    row = NamespaceSize.objects.filter(namespace_id=namespace_id)
    return row.values_list("total_bytes", flat=True).first() or 0


def _rejected(
    policy: QuotaPolicy, rule: QuotaRule, *, usage: int, repository_id: int, what: str
) -> QuotaRejected:
    quota = "registry default quota" if policy.system_default else "quota"
    message = (
        f"Quota exceeded for namespace {policy.namespace_name}: {what.format(size_text(usage))}"
        f" of the {size_text(policy.limit_bytes)} {quota} (Reject at {rule.threshold_percent}%)"
    )
    breach = QuotaBreach(
        policy.namespace_id, repository_id, usage, policy.limit_bytes, rule.threshold_percent
    )
    return QuotaRejected(breach, message)


def _adds_to_namespace(event: hooks.UploadStart) -> int:
    """What a mount would add once a manifest references it: nothing when a manifest of the
    namespace already holds the blob (it counts once), else its size."""
    if event.size is None or event.blob_id is None:
        return event.size or 0
    counted = ManifestBlob.objects.filter(
        blob_id=event.blob_id, manifest__repository__namespace_id=event.repository.namespace_id
    )
    return 0 if counted.exists() else event.size


def quota_check_upload(event: hooks.UploadStart) -> None:
    """Refuses a blob's entry into a namespace already at (or, with a mount, brought to) a Reject
    threshold."""
    policy = namespace_quota_policy(event.repository.namespace_id)
    rule = policy.reject_rule() if policy is not None else None
    if policy is None or rule is None:
        return
    usage = _namespace_usage(policy.namespace_id) + _adds_to_namespace(event)
    if usage >= policy.threshold_bytes(rule):
        what = "{} already stored" if event.size is None else "mounting would use {}"
        raise _rejected(policy, rule, usage=usage, repository_id=event.repository.pk, what=what)


def quota_check_manifest_commit(event: hooks.ManifestCommit) -> None:
    """Refuses a commit that took the namespace over a Reject threshold; records one that took it
    over a Warning threshold. A manifest the repository already held added nothing."""
    if not event.created:
        return
    policy = namespace_quota_policy(event.repository.namespace_id)
    if policy is None:
        return
    # The accounting hook ran first: this transaction holds the row lock and the new total.
    usage = _namespace_usage(policy.namespace_id)
    rule = policy.reject_rule()
    if rule is not None and usage > policy.threshold_bytes(rule):
        raise _rejected(
            policy, rule, usage=usage, repository_id=event.repository.pk, what="pushing would use {}"
        )
    warning = policy.warning_passed(usage)
    if warning is not None:
        # Same transaction as the push: the event exists exactly when the push does.
        warned = QuotaEvent.objects.create(
            namespace_id=policy.namespace_id,
            repository_id=event.repository.pk,
            kind=QuotaEvent.Kind.WARNING,
            usage_bytes=usage,
            limit_bytes=policy.limit_bytes,
            threshold_percent=warning.threshold_percent,
        )
        quota_event_hooks_run(warned)


def quota_error_record(event: hooks.PushDenied) -> None:
    """Records a quota refusal. It cannot be written by the refusing hook: that runs inside the
    push's transaction, whose rollback would take the row along (on_commit never fires on a
    rollback either, and a second connection could not see a repository the push created). So
    the core reports the refusal once its transaction has rolled back, and this writes then."""
    if not isinstance(event.error, QuotaRejected):
        return
    breach = event.error.breach
    # A repository the refused push created is gone with its rollback.
    kept = Repository.objects.filter(pk=breach.repository_id).exists()
    # One transaction: the event row and what its hooks write for it commit together.
    with transaction.atomic():
        refused = QuotaEvent.objects.create(
            namespace_id=breach.namespace_id,
            repository_id=breach.repository_id if kept else None,
            kind=QuotaEvent.Kind.ERROR,
            usage_bytes=breach.usage_bytes,
            limit_bytes=breach.limit_bytes,
            threshold_percent=breach.threshold_percent,
        )
        quota_event_hooks_run(refused)


def enforcement_hooks_register() -> None:
    """After the accounting hooks, so the manifest commit check reads the moved total.
    Idempotent: ready() may run more than once in a process. The hooks read
    FEATURE_QUOTA_MANAGEMENT on each call, so turning it off disables them at once."""
    if quota_check_upload not in hooks.before_upload:
        hooks.before_upload.append(quota_check_upload)
    if quota_check_manifest_commit not in hooks.before_manifest_commit:
        hooks.before_manifest_commit.append(quota_check_manifest_commit)
    if quota_error_record not in hooks.after_push_denied:
        hooks.after_push_denied.append(quota_error_record)
