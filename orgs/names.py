"""Name rules for namespaces, shared by users and organizations (Quay's rules)."""

from __future__ import annotations

import re

NAMESPACE_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
NAMESPACE_MIN, NAMESPACE_MAX = 2, 255


class InvalidName(ValueError):
    pass


def namespace_name_validate(name: str) -> str:
    if not NAMESPACE_MIN <= len(name) <= NAMESPACE_MAX:
        raise InvalidName(f"{name!r}: a namespace name has {NAMESPACE_MIN} to {NAMESPACE_MAX} characters")
    if not NAMESPACE_RE.match(name):
        raise InvalidName(
            f"{name!r}: a namespace name is lowercase letters and digits, separated by single '.', '_' or '-'"
        )
    return name
