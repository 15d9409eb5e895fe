"""The ``n``/``last`` paging of the tag list and the catalog, with its ``Link`` header."""

from __future__ import annotations

import re

from django.http import HttpRequest

from registry.errors import PaginationInvalid
from registry.v2.http import NUMBER_DIGITS_MAX

LIST_MAX = 1000


def page_size(request: HttpRequest) -> int | None:
    raw = request.GET.get("n")
    if raw is None or raw == "":
        return None
    if re.fullmatch(r"[0-9]+", raw) is None:
        raise PaginationInvalid(detail={"n": raw[:20]})
    # Any longer number is above the cap anyway; int() would refuse thousands of digits.
    return LIST_MAX if len(raw) > NUMBER_DIGITS_MAX else min(int(raw), LIST_MAX)


def next_link(path: str, names: list[str], limit: int | None) -> str | None:
    if limit and len(names) == limit:
        return f'<{path}?n={limit}&last={names[-1]}>; rel="next"'
    return None
