"""Installed packages matched against the imported OSV data, into Quay's ``Features``.

A distribution's advisories name its source packages in ecosystems like ``Debian:12`` or
``Alpine:v3.19``; which of those apply follows from the image's os-release. Language packages
(PyPI, npm) match in their ecosystem wherever they are installed. One query fetches every
candidate advisory of an image; versions are then compared in the ecosystem's own order.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from secscan.indexer.packages import pep503_name
from secscan.indexer.stack import Installed
from secscan.models import AffectedPackage
from secscan.severity import severity_rank
from secscan.versions import VersionUnparsable, range_affects, version_scheme

DISTRIBUTIONS = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "wolfi": "Wolfi",
    "rhel": "Red Hat",
    "rocky": "Rocky Linux",
    "almalinux": "AlmaLinux",
    "opensuse-leap": "openSUSE",
    "sles": "SUSE",
}
KIND_DEFAULT_BASE = {"dpkg": "Debian", "apk": "Alpine", "rpm": "Red Hat"}
LANGUAGE_BASES = {"python": "PyPI", "npm": "npm"}
OSV_LINK = "https://osv.dev/vulnerability/"


def _releases(base: str, version_id: str) -> tuple[str, ...]:
    if not version_id:
        return ()
    parts = version_id.split(".")
    if base == "Alpine" and len(parts) >= 2:
        return (f"v{parts[0]}.{parts[1]}",)
    if base == "Ubuntu":
        return (version_id, f"{version_id}:LTS", f"Pro:{version_id}:LTS")
    if base in ("Debian", "Wolfi"):
        return (parts[0],)
    return (parts[0], version_id)


def package_ecosystem(package: Installed, distribution: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    """(OSV ecosystem base, the release suffixes that apply) of an installed package."""
    if package.kind in LANGUAGE_BASES:
        return LANGUAGE_BASES[package.kind], ()
    base = DISTRIBUTIONS.get(distribution.get("ID", ""), "")
    if not base or version_scheme(base) != package.kind:
        # A database of another distribution's format than os-release names (or none): only
        # the format's own advisories that name no release can apply.
        return KIND_DEFAULT_BASE.get(package.kind, ""), ()
    return base, _releases(base, distribution.get("VERSION_ID", ""))


def _match_name(package: Installed, base: str) -> str:
    return pep503_name(package.name) if base == "PyPI" else package.source


def _release_applies(ecosystem: str, base: str, releases: tuple[str, ...]) -> bool:
    suffix = ecosystem[len(base) + 1 :]
    return suffix == "" or any(suffix == release or suffix.startswith(release + ":") for release in releases)


def affected_fix(row: AffectedPackage, scheme: str, version: str) -> tuple[bool, str]:
    """(affected, fixed_by) of ``version`` under one advisory's package entry."""
    if version in row.versions:
        fixed = ""
        for entry in row.ranges:
            _, fixed = _range_check(entry, scheme, version)
            if fixed:
                break
        return True, fixed
    for entry in row.ranges:
        affected, fixed = _range_check(entry, scheme, version)
        if affected:
            return True, fixed
    return False, ""


def _range_check(entry: dict, scheme: str, version: str) -> tuple[bool, str]:
    kind = entry.get("type")
    if kind not in ("ECOSYSTEM", "SEMVER") or not isinstance(entry.get("events"), list):
        return False, ""
    try:
        return range_affects("semver" if kind == "SEMVER" else scheme, entry["events"], version)
    except VersionUnparsable:
        return False, ""


def _vulnerability(row: AffectedPackage, fixed: str) -> dict:
    advisory = row.advisory
    aliases = [alias for alias in advisory.record.get("aliases") or [] if isinstance(alias, str)]
    return {
        "Severity": row.severity or advisory.severity,
        "NamespaceName": row.ecosystem,
        "Link": advisory.link or OSV_LINK + advisory.osv_id,
        "FixedBy": fixed,
        "Description": advisory.summary,
        "Name": advisory.osv_id,
        "Metadata": {"UpdatedBy": "osv", "Aliases": aliases},
    }


def features_match(packages: list[Installed], distribution: dict[str, str]) -> list[dict]:
    """Quay's Features for ``packages``, each with the vulnerabilities affecting its version."""
    keyed = [(package, *package_ecosystem(package, distribution)) for package in packages]
    wanted: dict[str, set[str]] = defaultdict(set)
    for package, base, _ in keyed:
        if base:
            wanted[base].add(_match_name(package, base))
    candidates: dict[tuple[str, str], list[AffectedPackage]] = defaultdict(list)
    if wanted:
        scope = Q()
        for base, names in wanted.items():
            scope |= Q(ecosystem_base=base, name__in=sorted(names))
        for row in AffectedPackage.objects.filter(scope).select_related("advisory").order_by("pk"):
            candidates[(row.ecosystem_base, row.name)].append(row)
    features: list[dict] = []
    for package, base, releases in keyed:
        scheme = version_scheme(base) if package.kind not in LANGUAGE_BASES else _language_scheme(package)
        found: dict[str, dict] = {}
        for row in candidates.get((base, _match_name(package, base)), []):
            if row.advisory.osv_id in found or not _release_applies(row.ecosystem, base, releases):
                continue
            try:
                affected, fixed = affected_fix(row, scheme, package.version)
            except VersionUnparsable:
                continue
            if affected:
                found[row.advisory.osv_id] = _vulnerability(row, fixed)
        ecosystem = base + (f":{releases[0]}" if releases else "")
        features.append(
            {
                "Name": package.name,
                "VersionFormat": scheme,
                "NamespaceName": ecosystem,
                "AddedBy": package.added_by,
                "Version": package.version,
                "Vulnerabilities": sorted(
                    found.values(), key=lambda vuln: (severity_rank(vuln["Severity"]), vuln["Name"])
                ),
            }
        )
    return sorted(features, key=lambda feature: (feature["Name"], feature["Version"]))


def _language_scheme(package: Installed) -> str:
    return "pep440" if package.kind == "python" else "semver"
