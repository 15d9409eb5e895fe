"""A policy's configuration is checked before it is kept, with a message that says what is allowed;
what each method prunes among a repository's live tags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.errors import InvalidInput
from pruning.policies import LiveTag, policy_config_clean, policy_from_row


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"method": "keep_some", "value": 3}, "allowed: number_of_tags, creation_date"),
        ({"method": "number_of_tags", "value": 0}, "whole number of tags"),
        ({"method": "number_of_tags", "value": -2}, "whole number of tags"),
        ({"method": "number_of_tags", "value": "3"}, "whole number of tags"),
        ({"method": "number_of_tags", "value": True}, "whole number of tags"),
        ({"method": "creation_date", "value": "2 weeks"}, "10s, 45m, 12h, 30d, 2w"),
        ({"method": "creation_date", "value": 14}, "10s, 45m, 12h, 30d, 2w"),
        ({"method": "creation_date", "value": "2y"}, "10s, 45m, 12h, 30d, 2w"),
        ({"method": "number_of_tags", "value": 3, "tag_pattern": "v(1"}, "not a valid regular expression"),
        ({"method": "number_of_tags", "value": 3, "tag_pattern": "a" * 257}, "longer than 256"),
        ({"method": "number_of_tags", "value": 3, "tag_pattern": 5}, "must be a string"),
        ({"method": "number_of_tags", "value": 3, "tag_pattern_matches": "yes"}, "true or false"),
    ],
)
def test_a_bad_configuration_is_refused_saying_what_is_allowed(config, message):
    with pytest.raises(InvalidInput, match=message):
        policy_config_clean(**config)


@pytest.mark.parametrize("value", ["10s", "45m", "12h", "30d", "2w"])
def test_every_duration_unit_is_taken(value):
    assert policy_config_clean(method="creation_date", value=value)["value"] == value


def test_a_blank_pattern_is_no_pattern():
    cleaned = policy_config_clean(method="number_of_tags", value=2, tag_pattern="  ")
    assert cleaned == {
        "method": "number_of_tags",
        "value": 2,
        "tag_pattern": None,
        "tag_pattern_matches": True,
    }


NOW = timezone.now()


def _tags(*names_and_minutes_ago: tuple[str, int]) -> list[LiveTag]:
    return [LiveTag(name, NOW - timedelta(minutes=minutes)) for name, minutes in names_and_minutes_ago]


def _policy(**config):
    return policy_from_row(uuid="u", level="namespace", config=policy_config_clean(**config))


TAGS = _tags(("v3", 1), ("dev-2", 2), ("v2", 3), ("dev-1", 4), ("v1", 5))


def test_number_of_tags_keeps_the_newest():
    assert _policy(method="number_of_tags", value=2).doomed(TAGS, NOW) == ["v2", "dev-1", "v1"]


def test_number_of_tags_with_a_pattern_counts_only_the_matching_tags():
    policy = _policy(method="number_of_tags", value=1, tag_pattern="^dev-")
    assert policy.doomed(TAGS, NOW) == ["dev-1"]


def test_number_of_tags_with_a_pattern_not_to_match_counts_the_others():
    policy = _policy(method="number_of_tags", value=1, tag_pattern="^dev-", tag_pattern_matches=False)
    assert policy.doomed(TAGS, NOW) == ["v2", "v1"]


def test_creation_date_prunes_what_was_pushed_before_the_cutoff():
    policy = _policy(method="creation_date", value="150s")
    assert policy.doomed(TAGS, NOW) == ["v2", "dev-1", "v1"]


def test_creation_date_with_a_pattern_prunes_only_old_matching_tags():
    policy = _policy(method="creation_date", value="150s", tag_pattern="^v")
    assert policy.doomed(TAGS, NOW) == ["v2", "v1"]
