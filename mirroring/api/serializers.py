"""Quay's JSON for a repository's mirror configuration (its endpoints/api/mirror.py), plus our
``platforms`` and ``rollback`` and the last sync's report; no logic."""

from __future__ import annotations

from rest_framework import serializers

# Quay's date format for sync_start_date, in and out.
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RULE_KIND = "tag_glob_csv"


class ProxyField(serializers.Serializer):
    http_proxy = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    https_proxy = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    no_proxy = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class ExternalRegistryConfig(serializers.Serializer):
    verify_tls = serializers.BooleanField(required=False)
    unsigned_images = serializers.BooleanField(required=False)
    proxy = ProxyField(required=False)


class RootRule(serializers.Serializer):
    rule_kind = serializers.ChoiceField(choices=[RULE_KIND])
    rule_value = serializers.ListField(child=serializers.CharField(allow_blank=True), allow_empty=True)


class MirrorInput(serializers.Serializer):
    """POST needs external_reference, sync_interval, sync_start_date, root_rule and
    robot_username; PUT changes only what it names."""

    is_enabled = serializers.BooleanField(required=False)
    external_reference = serializers.CharField(required=False, allow_blank=True)
    external_registry_username = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    external_registry_password = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, write_only=True, help_text="Write-only."
    )
    external_registry_config = ExternalRegistryConfig(required=False)
    sync_interval = serializers.IntegerField(required=False, help_text="Seconds between syncs (> 0).")
    sync_start_date = serializers.DateTimeField(required=False, input_formats=[DATE_FORMAT])
    robot_username = serializers.CharField(required=False)
    root_rule = RootRule(required=False)
    platforms = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Ours: platforms to copy; empty: all."
    )
    rollback = serializers.BooleanField(
        required=False, help_text="Ours: true restores the last good tag set when a sync fails."
    )

    def service_arguments(self) -> dict:
        """The services' names for what was given."""
        data = dict(self.validated_data)
        arguments: dict = {}
        renamed = {"external_registry_username": "username", "external_registry_password": "password"}
        for name, value in data.items():
            if name == "external_registry_config":
                arguments.update({key: value[key] for key in value if key != "proxy"})
                if "proxy" in value:
                    arguments["proxy"] = dict(value["proxy"])
            elif name == "root_rule":
                arguments["tag_globs"] = list(value["rule_value"])
            else:
                arguments[renamed.get(name, name)] = value
        return arguments


class RulesInput(RootRule):
    pass


class MirrorOutput(serializers.Serializer):
    is_enabled = serializers.BooleanField()
    mirror_type = serializers.CharField()
    external_reference = serializers.CharField()
    external_registry_username = serializers.CharField(allow_null=True)
    external_registry_config = serializers.JSONField()
    sync_interval = serializers.IntegerField()
    sync_start_date = serializers.CharField()
    sync_expiration_date = serializers.CharField(allow_null=True)
    sync_retries_remaining = serializers.IntegerField()
    sync_status = serializers.ChoiceField(
        choices=["NEVER_RUN", "SYNC_NOW", "SYNCING", "SYNC_SUCCESS", "SYNC_FAILED", "SYNC_CANCEL"]
    )
    root_rule = RootRule()
    robot_username = serializers.CharField(allow_null=True)
    platforms = serializers.ListField(child=serializers.CharField())
    rollback = serializers.BooleanField()
    last_sync = serializers.JSONField(
        help_text="Ours: started, finished, tags, bytes, errors of the last sync."
    )
