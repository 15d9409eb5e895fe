"""Which upstream tags a mirror copies: Quay's ``root_rule``, a comma list of tag names and
shell-style globs (``latest, v1.*, release-[0-9]*``)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from orgs.errors import InvalidInput

# A tag's characters plus the glob's own: * ? [ ] and ! for a negated class.
RULE_RE = re.compile(r"[A-Za-z0-9_.*?\[\]!-]{1,128}")
RULES_MAX = 100


@dataclass(frozen=True)
class TagRules:
    patterns: tuple[str, ...]

    def matches(self, tag: str) -> bool:
        return any(fnmatch.fnmatchcase(tag, pattern) for pattern in self.patterns)


def _brackets_balanced(pattern: str) -> bool:
    """Every ``[`` closes, no class is empty or nested, and no ``]`` stands alone (no tag holds
    one, so such a rule could never match)."""
    if "[]" in pattern or "[!]" in pattern:
        return False
    open_class = False
    for char in pattern:
        if char == "[":
            if open_class:
                return False
            open_class = True
        elif char == "]":
            if not open_class:
                return False
            open_class = False
    return not open_class


def tag_rules_parse(csv: str) -> TagRules:
    """Raises InvalidInput naming the first bad entry, or for an empty list."""
    entries = [entry.strip() for entry in (csv or "").split(",")]
    if not any(entries):
        raise InvalidInput("the tag rules are empty: give tag names or globs, separated by commas")
    if len(entries) > RULES_MAX:
        raise InvalidInput(f"at most {RULES_MAX} tag rules")
    for entry in entries:
        if not entry:
            raise InvalidInput(f"{csv[:200]!r} holds an empty tag rule")
        if RULE_RE.fullmatch(entry) is None or not _brackets_balanced(entry):
            raise InvalidInput(f"{entry[:200]!r} is not a tag name or glob")
    return TagRules(tuple(entries))
