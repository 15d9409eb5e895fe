"""Which limits a namespace's pushes are held to: its own quota and limit rules, else the registry's
default (``DEFAULT_SYSTEM_REJECT_QUOTA_BYTES``, a Reject at 100%), as in Quay. A quota of the
namespace's own wins even without a Reject rule: then it warns or only reports, and the default
does not apply."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from orgs.models import Namespace
from quota.models import QuotaLimit


@dataclass(frozen=True)
class QuotaRule:
    kind: str
    threshold_percent: int


@dataclass(frozen=True)
class QuotaPolicy:
    namespace_id: int
    namespace_name: str
    limit_bytes: int
    rules: tuple[QuotaRule, ...]
    # No quota of the namespace's own: the registry's default applies.
    system_default: bool

    def threshold_bytes(self, rule: QuotaRule) -> int:
        return self.limit_bytes * rule.threshold_percent // 100

    def reject_rule(self) -> QuotaRule | None:
        """The lowest Reject rule: passing any Reject threshold passes this one."""
        rejects = [rule for rule in self.rules if rule.kind == QuotaLimit.Kind.REJECT]
        return min(rejects, key=lambda rule: rule.threshold_percent, default=None)

    def warning_passed(self, usage_bytes: int) -> QuotaRule | None:
        """The highest Warning rule the usage is over, if any."""
        over = [
            rule
            for rule in self.rules
            if rule.kind == QuotaLimit.Kind.WARNING and usage_bytes > self.threshold_bytes(rule)
        ]
        return max(over, key=lambda rule: rule.threshold_percent, default=None)


def namespace_quota_policy(namespace_id: int) -> QuotaPolicy | None:
    """None when quota management is off, or the namespace has no quota and the registry no
    default. One query: the namespace, its quota and its rules joined."""
    if not settings.FEATURE_QUOTA_MANAGEMENT:
        return None
    rows = list(
        Namespace.objects.filter(pk=namespace_id).values_list(
            "name", "quota__limit_bytes", "quota__limits__kind", "quota__limits__threshold_percent"
        )
    )
    if not rows:
        return None
    name, limit_bytes = rows[0][0], rows[0][1]
    if limit_bytes is not None:
        rules = tuple(QuotaRule(kind, percent) for _, _, kind, percent in rows if kind is not None)
        return QuotaPolicy(namespace_id, name, limit_bytes, rules, system_default=False)
    default_bytes = settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES
    if default_bytes <= 0:
        return None
    rules = (QuotaRule(QuotaLimit.Kind.REJECT, 100),)
    return QuotaPolicy(namespace_id, name, default_bytes, rules, system_default=True)
