"""Serializer fields for Quay's wire formats."""

from __future__ import annotations

from datetime import datetime
from email.utils import formatdate
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def quay_date(moment: datetime) -> str:
    """Quay's dates: RFC 2822 in UTC ("Tue, 01 Jul 2025 10:00:00 -0000")."""
    return formatdate(moment.timestamp())


@extend_schema_field(OpenApiTypes.STR)
class QuayDateField(serializers.Field):
    """A date rendered as Quay renders it, null when absent; output only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: datetime) -> str:
        return quay_date(value)


class AvatarOutput(serializers.Serializer):
    """Quay's avatar object, as orgs.avatars computes it."""

    name = serializers.CharField()
    hash = serializers.CharField(help_text="MD5 of the lower-cased name")
    color = serializers.CharField(help_text="Background colour, #rrggbb")
    kind = serializers.CharField(help_text="user, robot, org or team")
