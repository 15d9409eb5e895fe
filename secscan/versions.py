"""Version ordering per ecosystem, and OSV's affected ranges evaluated with it.

Each ecosystem orders versions its own way: dpkg's epochs and tildes (python-debian), apk's
suffixes like ``_rc1`` and ``-r2`` (``secscan.apk_version``: no library parses them all),
rpm's epoch:version-release (univers), PEP 440 for Python
(packaging) and SemVer 2 for npm (semver). A version no comparator can parse is never reported
affected by a range: a guess would be a false finding or a silent miss either way, and the
feature still shows in the report without vulnerabilities.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import semver
from debian.debian_support import Version as DebianVersion
from packaging.version import InvalidVersion as Pep440Invalid
from packaging.version import Version as Pep440Version
from univers.versions import InvalidVersion, RpmVersion

from secscan.apk_version import ApkVersion

# OSV ecosystem names (the part before ":") per version scheme.
DPKG_ECOSYSTEMS = frozenset({"Debian", "Ubuntu"})
APK_ECOSYSTEMS = frozenset({"Alpine", "Wolfi", "Chainguard"})
RPM_ECOSYSTEMS = frozenset({"Red Hat", "Rocky Linux", "AlmaLinux", "openSUSE", "SUSE", "Mageia", "openEuler"})


class VersionUnparsable(ValueError):
    pass


def _dpkg(value: str) -> Any:
    return DebianVersion(value)


def _apk(value: str) -> Any:
    return ApkVersion(value)


def _rpm(value: str) -> Any:
    return RpmVersion(value)


def _pep440(value: str) -> Any:
    return Pep440Version(value)


def _semver(value: str) -> Any:
    # OSV's SEMVER ranges sometimes write "1.5" for "1.5.0".
    return semver.Version.parse(value.removeprefix("v"), optional_minor_and_patch=True)


def version_scheme(ecosystem: str) -> str:
    """The version format a feature of this OSV ecosystem carries (Quay's VersionFormat)."""
    base = ecosystem.split(":", 1)[0]
    if base in DPKG_ECOSYSTEMS:
        return "dpkg"
    if base in APK_ECOSYSTEMS:
        return "apk"
    if base in RPM_ECOSYSTEMS:
        return "rpm"
    if base == "PyPI":
        return "pep440"
    if base == "npm":
        return "semver"
    return ""


PARSERS: dict[str, Callable[[str], Any]] = {
    "dpkg": _dpkg,
    "apk": _apk,
    "rpm": _rpm,
    "pep440": _pep440,
    "semver": _semver,
}


@functools.lru_cache(maxsize=65536)
def version_key(scheme: str, value: str) -> Any:
    """A comparable object for ``value`` in ``scheme``; raises VersionUnparsable."""
    parser = PARSERS.get(scheme)
    if parser is None:
        raise VersionUnparsable(f"no version ordering for scheme {scheme!r}")
    try:
        return parser(value)
    except (ValueError, TypeError, InvalidVersion, Pep440Invalid) as error:
        raise VersionUnparsable(f"{value!r} is not a {scheme} version: {error}") from None


def version_compare(scheme: str, left: str, right: str) -> int:
    a, b = version_key(scheme, left), version_key(scheme, right)
    return (a > b) - (a < b)


def _is_zero(value: str) -> bool:
    # OSV's "introduced": "0" means "from the first version", whatever the scheme's zero is.
    return value == "0"


def range_affects(scheme: str, events: list[dict], version: str) -> tuple[bool, str]:
    """(affected, fixed_by) of one OSV range for ``version``.

    Events are evaluated as OSV's specification says: sorted by version, walking up from the
    lowest; "introduced" opens an affected span, "fixed" closes it below the fixed version and
    "last_affected" closes it after that version. ``fixed_by`` is the fix that closes the span
    the version falls in ("" when there is none)."""
    points: list[tuple[Any, int, str, str]] = []
    for event in events:
        if not isinstance(event, dict) or len(event) != 1:
            continue
        ((kind, value),) = event.items()
        if kind not in ("introduced", "fixed", "last_affected") or not isinstance(value, str):
            continue
        if kind == "introduced" and _is_zero(value):
            points.append((None, 0, kind, value))
            continue
        try:
            points.append((version_key(scheme, value), 1, kind, value))
        except VersionUnparsable:
            continue
    own = version_key(scheme, version)
    lowest_first = sorted(points, key=functools.cmp_to_key(_point_order))
    affected = False
    index = 0
    while index < len(lowest_first):
        key, _, kind, _value = lowest_first[index]
        if key is not None and key > own:
            break
        index += 1
        if kind == "introduced":
            affected = True
        elif kind == "fixed":
            affected = False
        elif kind == "last_affected":
            affected = affected and key == own
            if key == own:
                # Affected up to and including this version, with no fix named.
                return affected, ""
    if not affected:
        return False, ""
    fixed = next((value for key, _, kind, value in lowest_first[index:] if kind == "fixed"), "")
    return True, fixed


def _point_order(left: tuple[Any, int, str, str], right: tuple[Any, int, str, str]) -> int:
    if left[0] is None or right[0] is None:
        return (left[0] is not None) - (right[0] is not None)
    return (left[0] > right[0]) - (left[0] < right[0])
