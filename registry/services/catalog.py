"""The catalog: repository names the caller may see, sorted, paged."""

from __future__ import annotations

from django.db.models import Value
from django.db.models.functions import Concat

from orgs.models import User
from registry.repository_roles import repositories_visible_to


def catalog_list(*, user_id: int | None, last: str | None, limit: int | None) -> list[str]:
    # Read afresh: a user disabled since the token was issued sees what anonymous sees.
    user = User.objects.filter(pk=user_id).first() if user_id else None
    names = (
        repositories_visible_to(user=user)
        .annotate(full_name=Concat("namespace__name", Value("/"), "name"))
        .order_by("full_name")
        .values_list("full_name", flat=True)
    )
    if last:
        names = names.filter(full_name__gt=last)
    if limit is not None:
        names = names[:limit]
    return list(names)
