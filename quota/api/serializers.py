"""Quay's JSON for quotas, limit rules, quota reports and the registry's size; no logic."""

from __future__ import annotations

from rest_framework import serializers

LIMIT_TEXT_HELP = 'Human readable, instead of limit_bytes: "10 GiB", "500 MB" (in 1000s), "42"'


class QuotaCreateInput(serializers.Serializer):
    # Any JSON value: quota.services says why a value that is no positive byte count is refused.
    limit_bytes = serializers.JSONField(help_text="Number of bytes the namespace is allowed")


class QuotaUpdateInput(serializers.Serializer):
    limit_bytes = serializers.JSONField(required=False, help_text="Number of bytes the namespace is allowed")


class SuperuserQuotaCreateInput(serializers.Serializer):
    """Quay's superuser paths take either field."""

    limit_bytes = serializers.JSONField(required=False, help_text="Number of bytes the namespace is allowed")
    limit = serializers.JSONField(
        required=False, help_text='Human readable: "10 GiB", "500 MB" (1000s), "42"'
    )

    def validate(self, attrs: dict) -> dict:
        if "limit_bytes" not in attrs and "limit" not in attrs:
            raise serializers.ValidationError({"limit_bytes": "This field (or limit) is required."})
        return attrs


class SuperuserQuotaUpdateInput(serializers.Serializer):
    limit_bytes = serializers.JSONField(required=False, help_text="Number of bytes the namespace is allowed")
    limit = serializers.JSONField(
        required=False, help_text='Human readable: "10 GiB", "500 MB" (1000s), "42"'
    )


class QuotaLimitCreateInput(serializers.Serializer):
    type = serializers.JSONField(help_text='Type of quota limit: "Warning" or "Reject"')
    threshold_percent = serializers.JSONField(help_text="Quota threshold, in percent of quota (1-100)")


class QuotaLimitUpdateInput(serializers.Serializer):
    type = serializers.JSONField(required=False, help_text='Type of quota limit: "Warning" or "Reject"')
    threshold_percent = serializers.JSONField(required=False, help_text="Quota threshold, in percent (1-100)")


class QuotaLimitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField(source="kind", help_text='"Warning" or "Reject"')
    limit_percent = serializers.IntegerField(source="threshold_percent")


class QuotaOutput(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null for the registry's default quota")
    limit_bytes = serializers.IntegerField()
    default_config = serializers.BooleanField(
        help_text="This is DEFAULT_SYSTEM_REJECT_QUOTA_BYTES, not a quota of the namespace's own"
    )
    limits = QuotaLimitOutput(many=True)
    default_config_exists = serializers.BooleanField(help_text="DEFAULT_SYSTEM_REJECT_QUOTA_BYTES is set")


class RegistrySizeOutput(serializers.Serializer):
    size_bytes = serializers.IntegerField(help_text="Every stored blob once plus every manifest, now")
    last_ran = serializers.IntegerField(
        allow_null=True, help_text="When the last recomputation finished, in milliseconds since the epoch"
    )
    queued = serializers.BooleanField()
    running = serializers.BooleanField()
