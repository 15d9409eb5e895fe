"""Version ordering per ecosystem, and OSV ranges evaluated in it: just below a fix is
affected, the fix itself and above are not."""

from __future__ import annotations

import pytest

from secscan.versions import VersionUnparsable, range_affects, version_compare, version_scheme

FIX_AT_2 = [{"introduced": "0"}, {"fixed": "2"}]


@pytest.mark.parametrize(
    ("scheme", "lower", "higher"),
    [
        ("dpkg", "1.0~rc1", "1.0"),
        ("dpkg", "3.0.11-1~deb12u1", "3.0.11-1~deb12u2"),
        ("dpkg", "9.9", "1:0.1"),
        ("dpkg", "1.2-1", "1.2-1+b1"),
        ("apk", "1.36.1-r15", "1.36.1-r16"),
        ("apk", "8.5.0_rc1-r0", "8.5.0-r0"),
        ("apk", "1.2.4_git20230717-r4", "1.2.5-r0"),
        ("apk", "1.9-r0", "1.10-r0"),
        ("apk", "1.2.4-r9", "1.2.4_git20230717-r0"),
        ("apk", "1.2.4_git20230717-r4", "1.2.4_p1-r0"),
        ("apk", "1.0", "1.0a"),
        ("rpm", "3.0.7-24.el9", "3.0.7-25.el9"),
        ("rpm", "5.1.8-6.el9", "5.1.8-6.el9_1"),
        ("rpm", "9.0-1", "1:1.0-1"),
        ("rpm", "1.0~rc1-1", "1.0-1"),
        ("pep440", "2.0.0rc1", "2.0.0"),
        ("pep440", "1.0.post1", "1.1.dev0"),
        ("pep440", "1.9", "1.10"),
        ("semver", "1.0.0-rc.1", "1.0.0"),
        ("semver", "1.0.0-alpha.2", "1.0.0-alpha.10"),
        ("semver", "4.17.20", "4.17.21"),
    ],
)
def test_each_ecosystem_orders_versions_its_own_way(scheme, lower, higher):
    assert version_compare(scheme, lower, higher) == -1
    assert version_compare(scheme, higher, lower) == 1


def test_ecosystems_name_their_scheme():
    assert [
        version_scheme(e) for e in ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19", "Rocky Linux:9")
    ] == [
        "dpkg",
        "dpkg",
        "apk",
        "rpm",
    ]
    assert (version_scheme("PyPI"), version_scheme("npm"), version_scheme("Go")) == ("pep440", "semver", "")


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.9", (True, "2")), ("2", (False, "")), ("2.0.1", (False, ""))],
)
def test_a_range_affects_below_its_fix_only(version, expected):
    assert range_affects("pep440", FIX_AT_2, version) == expected


def test_a_range_with_two_spans_names_the_fix_of_the_span_a_version_is_in():
    events = [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.3"}]
    assert range_affects("semver", events, "0.9.0") == (False, "")
    assert range_affects("semver", events, "1.4.9") == (True, "1.5")
    assert range_affects("semver", events, "1.7.0") == (False, "")
    assert range_affects("semver", events, "2.2.0") == (True, "2.3")
    assert range_affects("semver", events, "2.3.0") == (False, "")


def test_last_affected_includes_that_version_and_not_the_next():
    events = [{"introduced": "0"}, {"last_affected": "1:1.2-3"}]
    assert range_affects("dpkg", events, "1:1.2-3") == (True, "")
    assert range_affects("dpkg", events, "1:1.2-3+b1") == (False, "")


def test_events_listed_out_of_order_are_sorted_first():
    assert range_affects("apk", [{"fixed": "1.36.1-r16"}, {"introduced": "0"}], "1.36.1-r15") == (
        True,
        "1.36.1-r16",
    )


def test_an_unparsable_installed_version_is_refused_not_guessed():
    with pytest.raises(VersionUnparsable):
        range_affects("pep440", FIX_AT_2, "not a version!")
