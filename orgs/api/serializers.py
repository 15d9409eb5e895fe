"""Quay's JSON shapes for the current user and organizations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import serializers

from orgs.api.fields import AvatarOutput
from orgs.avatars import team_avatar
from orgs.models import Team

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from orgs.selectors.identity import TeamCounts


class UserOrganizationOutput(serializers.Serializer):
    name = serializers.CharField()
    is_org_admin = serializers.BooleanField()
    can_create_repo = serializers.BooleanField()
    public = serializers.BooleanField()
    preferred_namespace = serializers.BooleanField()
    avatar = AvatarOutput()


class UserOutput(serializers.Serializer):
    anonymous = serializers.BooleanField()
    username = serializers.CharField()
    email = serializers.CharField()
    verified = serializers.BooleanField()
    is_me = serializers.BooleanField()
    can_create_repo = serializers.BooleanField()
    super_user = serializers.BooleanField()
    organizations = UserOrganizationOutput(many=True)
    tag_expiration_s = serializers.IntegerField(help_text="How long ended tags stay restorable")
    avatar = AvatarOutput()
    logins = serializers.ListField(
        child=serializers.DictField(), help_text="Linked external logins: none, this registry has its own"
    )
    invoice_email = serializers.BooleanField(help_text="Always false: this registry sends no invoices")
    invoice_email_address = serializers.CharField(allow_null=True)


class UserUpdateInput(serializers.Serializer):
    email = serializers.EmailField(required=False)
    password = serializers.CharField(required=False, write_only=True)
    tag_expiration_s = serializers.IntegerField(
        required=False, min_value=0, help_text="Seconds; one of TAG_EXPIRATION_OPTIONS"
    )


class PublicUserOutput(serializers.Serializer):
    username = serializers.CharField()
    is_robot = serializers.BooleanField()
    avatar = AvatarOutput()


class OrganizationUpdateInput(serializers.Serializer):
    email = serializers.EmailField(required=False)
    tag_expiration_s = serializers.IntegerField(
        required=False, min_value=0, help_text="Seconds; one of TAG_EXPIRATION_OPTIONS"
    )


class OrganizationCreateInput(serializers.Serializer):
    name = serializers.CharField(help_text="Organization username")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    recaptcha_response = serializers.CharField(
        required=False, help_text="Accepted for Quay compatibility; this registry asks no captcha"
    )


class TeamOutput(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    role = serializers.CharField()
    can_view = serializers.BooleanField()
    repo_count = serializers.IntegerField()
    member_count = serializers.IntegerField()
    is_synced = serializers.BooleanField()
    avatar = AvatarOutput()


def team_view(team: WithAnnotations[Team, TeamCounts], *, can_view: bool) -> dict:
    """Quay's team object, from a team of team_list_with_counts()."""
    return {
        "name": team.name,
        "description": team.description,
        "role": team.role,
        "can_view": can_view,
        "repo_count": team.repo_count,
        "member_count": team.member_count,
        "is_synced": False,
        "avatar": team_avatar(team.name),
    }


class OrganizationOutput(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(help_text="Empty unless the caller administers the organization")
    is_admin = serializers.BooleanField()
    is_member = serializers.BooleanField()
    teams = serializers.DictField(child=TeamOutput(), required=False, help_text="Members only")
    ordered_teams = serializers.ListField(child=serializers.CharField(), required=False)
    tag_expiration_s = serializers.IntegerField(required=False, help_text="Administrators only")
    invoice_email = serializers.BooleanField(required=False, help_text="Administrators only; always false")
    # Administrators only: not allow_null, which would put a null before strangers.
    invoice_email_address = serializers.CharField(required=False)
    avatar = AvatarOutput()
