"""What a policy is and what it deletes: Quay's two methods over a repository's live tags.

``number_of_tags`` keeps the newest ``value`` tags by push time (the start of their live row) and
prunes the rest; ``creation_date`` prunes tags pushed before now minus ``value`` (``2w``, ``30d``,
``12h``, ``45m``, ``10s``). A ``tag_pattern`` narrows a policy to the tags it matches (searched
anywhere in the name, as Quay's), or with ``tag_pattern_matches`` false to the tags it does not
match; the others are outside the policy and never counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from orgs.errors import InvalidInput
from quaysite.durations import duration_parse

NUMBER_OF_TAGS = "number_of_tags"
CREATION_DATE = "creation_date"
METHODS = (NUMBER_OF_TAGS, CREATION_DATE)
# Python's regular expressions run without a time limit: a short pattern bounds the harm one can do.
TAG_PATTERN_MAX_LENGTH = 256
NUMBER_OF_TAGS_MAX = 1_000_000


@dataclass(frozen=True)
class LiveTag:
    name: str
    pushed: datetime


@dataclass(frozen=True)
class Policy:
    uuid: str
    level: str  # "namespace" or "repository"
    method: str
    value: int | str
    tag_pattern: str | None
    tag_pattern_matches: bool

    def covers(self, name: str) -> bool:
        if self.tag_pattern is None:
            return True
        return bool(re.search(self.tag_pattern, name)) == self.tag_pattern_matches

    def doomed(self, tags: list[LiveTag], now: datetime) -> list[str]:
        """The names this policy prunes among ``tags``, given newest first."""
        covered = [tag for tag in tags if self.covers(tag.name)]
        if self.method == NUMBER_OF_TAGS:
            return [tag.name for tag in covered[int(self.value) :]]
        cutoff = now - _duration(str(self.value))
        return [tag.name for tag in covered if tag.pushed < cutoff]

    def audit_metadata(self) -> dict:
        return {
            "policy_uuid": self.uuid,
            "policy_level": self.level,
            "method": self.method,
            "value": self.value,
            "tag_pattern": self.tag_pattern,
            "tag_pattern_matches": self.tag_pattern_matches,
        }


def _duration(text: str) -> timedelta:
    duration = duration_parse(text)
    if duration is None:
        raise InvalidInput(f"{text!r} is not a duration")
    return duration


def policy_from_row(*, uuid: str, level: str, config: dict) -> Policy:
    return Policy(
        uuid=uuid,
        level=level,
        method=config["method"],
        value=config["value"],
        tag_pattern=config.get("tag_pattern"),
        tag_pattern_matches=config.get("tag_pattern_matches", True),
    )


def policy_view(*, uuid: str, config: dict) -> dict:
    """Quay's JSON for a policy."""
    return {
        "uuid": uuid,
        "method": config["method"],
        "value": config["value"],
        "tagPattern": config.get("tag_pattern"),
        "tagPatternMatches": config.get("tag_pattern_matches", True),
    }


def _value_check(method: str, value: object) -> int | str:
    if method == NUMBER_OF_TAGS:
        # bool is an int to Python, not to a client.
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= NUMBER_OF_TAGS_MAX:
            raise InvalidInput(
                f"Invalid value given for method type {NUMBER_OF_TAGS}: {value!r}; "
                f"expected a whole number of tags to keep, 1 to {NUMBER_OF_TAGS_MAX}"
            )
        return value
    if not isinstance(value, str) or duration_parse(value) is None:
        raise InvalidInput(
            f"Invalid value given for method type {CREATION_DATE}: {str(value)[:100]!r}; "
            "expected a duration: a number and one of s, m, h, d, w (10s, 45m, 12h, 30d, 2w)"
        )
    return value.strip()


def _pattern_check(pattern: object) -> str | None:
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise InvalidInput("tagPattern must be a string (a regular expression)")
    pattern = pattern.strip()
    if not pattern:
        return None
    if len(pattern) > TAG_PATTERN_MAX_LENGTH:
        raise InvalidInput(f"tagPattern is longer than {TAG_PATTERN_MAX_LENGTH} characters")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InvalidInput(f"tagPattern {pattern[:100]!r} is not a valid regular expression: {exc}") from None
    return pattern


def policy_config_clean(
    *, method: object, value: object, tag_pattern: object = None, tag_pattern_matches: object = True
) -> dict:
    """The JSON a policy row keeps, or InvalidInput saying what is allowed."""
    if method is None or value is None:
        raise InvalidInput("Missing the following parameters: method, value")
    if method not in METHODS:
        raise InvalidInput(f"Invalid method provided: {str(method)[:100]!r}; allowed: {', '.join(METHODS)}")
    if not isinstance(tag_pattern_matches, bool):
        raise InvalidInput("tagPatternMatches must be true or false")
    return {
        "method": method,
        "value": _value_check(str(method), value),
        "tag_pattern": _pattern_check(tag_pattern),
        "tag_pattern_matches": tag_pattern_matches,
    }
