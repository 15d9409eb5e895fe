"""The catalog: repository names the caller may see, sorted, paged."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, Value
from django.db.models.functions import Concat

from orgs.models import Team
from registry.models import Repository


def catalog_list(*, user_id: int | None, last: str | None, limit: int | None) -> list[str]:
    visible = Q(is_public=True) if (user_id or settings.FEATURE_ANONYMOUS_ACCESS) else Q(pk__in=[])
    if user_id:
        admin_namespaces = Team.objects.filter(members__id=user_id, role=Team.Role.ADMIN).values(
            "organization__namespace_id"
        )
        visible |= Q(namespace__user__id=user_id) | Q(namespace_id__in=admin_namespaces)
    names = (
        Repository.objects.filter(visible)
        .annotate(full_name=Concat("namespace__name", Value("/"), "name"))
        .order_by("full_name")
        .values_list("full_name", flat=True)
    )
    if last:
        names = names.filter(full_name__gt=last)
    if limit is not None:
        names = names[:limit]
    return list(names)
