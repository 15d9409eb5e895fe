"""Repository names, tags and references, checked before they go near a query or a path."""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.digests import is_any_digest
from registry.errors import NameInvalid

COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
# Compared with fullmatch: `$` would let a trailing newline into a name or a tag.
REPOSITORY_RE = re.compile(rf"{COMPONENT}(?:/{COMPONENT})*")
TAG_RE = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
NAME_MAX = 255


@dataclass(frozen=True)
class RepositoryName:
    """A checked repository name: 'org/team/app' is namespace 'org', name 'team/app'."""

    namespace: str
    name: str

    @property
    def full(self) -> str:
        return f"{self.namespace}/{self.name}"


def repository_name_parse(full_name: str) -> RepositoryName:
    """'org/team/app' -> RepositoryName('org', 'team/app'); raises NameInvalid."""
    if len(full_name) > NAME_MAX or not REPOSITORY_RE.fullmatch(full_name):
        raise NameInvalid(detail={"name": full_name[:NAME_MAX]})
    namespace, sep, name = full_name.partition("/")
    if not sep:
        raise NameInvalid(
            detail={"name": full_name}, message="repository names need a namespace: namespace/name"
        )
    return RepositoryName(namespace=namespace, name=name)


def repository_name_split(full_name: str) -> tuple[str, str]:
    """'org/team/app' -> ('org', 'team/app'); raises NameInvalid."""
    parsed = repository_name_parse(full_name)
    return parsed.namespace, parsed.name


def is_tag(reference: str) -> bool:
    return TAG_RE.fullmatch(reference) is not None


def is_digest(reference: str) -> bool:
    return ":" in reference and is_any_digest(reference)
