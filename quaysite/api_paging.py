"""Quay's list paging: a response carries an opaque ``next_page`` token while more rows follow.

The token is signed, so a client can only hand back one the server issued.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core import signing
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

SALT = "quaysite.api.page"


def page_token_make(offset: int) -> str:
    return signing.dumps({"offset": offset}, salt=SALT)


def page_token_read(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = signing.loads(token, salt=SALT)["offset"]
    except (signing.BadSignature, KeyError, TypeError):
        raise ValidationError({"next_page": "invalid page token"}) from None
    if not isinstance(offset, int) or offset < 0:
        raise ValidationError({"next_page": "invalid page token"})
    return offset


_Row = TypeVar("_Row")


def page_slice(
    queryset: QuerySet[Any, _Row], *, token: str | None, size: int
) -> tuple[list[_Row], str | None]:
    """One page of ``queryset`` and the token of the next (None on the last page)."""
    offset = page_token_read(token)
    # One row beyond the page says whether another page follows.
    rows = list(queryset[offset : offset + size + 1])
    next_token = page_token_make(offset + size) if len(rows) > size else None
    return rows[:size], next_token
