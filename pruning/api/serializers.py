"""Quay's JSON for auto-prune policies: camelCase tag pattern fields, no logic."""

from __future__ import annotations

from rest_framework import serializers


class PolicyInput(serializers.Serializer):
    # Any JSON: pruning.policies checks the types and says what is allowed.
    method = serializers.JSONField(required=False, help_text="number_of_tags or creation_date")
    value = serializers.JSONField(
        required=False, help_text="number_of_tags: tags to keep (10); creation_date: a duration (7d, 2w, 12h)"
    )
    tagPattern = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="A regular expression: the policy covers only tags it matches",
    )
    tagPatternMatches = serializers.JSONField(
        required=False,
        help_text="false: the policy covers the tags the pattern does not match (default true)",
    )

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {
            "method": data.get("method"),
            "value": data.get("value"),
            "tag_pattern": data.get("tagPattern"),
            "tag_pattern_matches": data.get("tagPatternMatches", True),
        }


class PolicyOutput(serializers.Serializer):
    uuid = serializers.CharField()
    method = serializers.CharField()
    value = serializers.JSONField()
    tagPattern = serializers.CharField(allow_null=True)
    tagPatternMatches = serializers.BooleanField()


class PrunableTagOutput(serializers.Serializer):
    repository = serializers.CharField()
    tag = serializers.CharField()
    policy = serializers.CharField(help_text="The uuid of the first policy that prunes the tag")


class PolicyListOutput(serializers.Serializer):
    policies = PolicyOutput(many=True)
    prunable = PrunableTagOutput(
        many=True, required=False, help_text="With dry_run=true: the tags the policies would prune now"
    )


class PolicyUuidOutput(serializers.Serializer):
    uuid = serializers.CharField()


class DryRunQuery(serializers.Serializer):
    dry_run = serializers.BooleanField(
        default=False,
        help_text=(
            "Also list what the namespace's policies (for a repository: its own and its namespace's) "
            "would prune now; nothing is deleted"
        ),
    )
