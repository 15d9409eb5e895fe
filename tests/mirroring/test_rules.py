"""Tag rules: Quay's comma list of tag names and shell-style globs."""

from __future__ import annotations

import pytest

from mirroring.rules import tag_rules_parse
from orgs.errors import InvalidInput


def test_names_and_globs_select_matching_tags():
    rules = tag_rules_parse("latest, v1.*, release-[0-9]?")

    selected = [
        t for t in ("latest", "v1.2", "v2.0", "release-12", "release-x1", "latest2") if rules.matches(t)
    ]

    assert selected == ["latest", "v1.2", "release-12"]


def test_matching_is_case_sensitive():
    assert not tag_rules_parse("Latest").matches("latest")


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("", "the tag rules are empty"),
        (" , ", "the tag rules are empty"),
        ("v1,,v2", "holds an empty tag rule"),
        ("v1.[0-9", "'v1.[0-9' is not a tag name or glob"),
        ("v1]", "'v1]' is not a tag name or glob"),
        ("v[[1]]", "'v[[1]]' is not a tag name or glob"),
        ("v[]", "'v[]' is not a tag name or glob"),
        ("a/b", "'a/b' is not a tag name or glob"),
        ("x" * 129, "is not a tag name or glob"),
    ],
)
def test_bad_rules_are_refused_naming_the_entry(csv, message):
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        tag_rules_parse(csv)
