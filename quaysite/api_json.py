"""The API's JSON request parser: DRF's, with a bound on how deeply a body may nest.

Python's JSON decoder recurses once per level, so a body of a hundred thousand opening brackets
exhausts the interpreter's stack (RecursionError, a 500) as soon as a view reads request.data,
and a body just under that limit can still exhaust it later, in validation or when stored.
No Quay body nests more than a few levels; anything deeper than MAX_DEPTH is refused as a 400.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels"


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether ``data`` nests more than ``limit`` levels of lists and objects, walked without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending += [(child, depth + 1) for child in children]
    return False


class DepthBoundJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth_exceeds(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
