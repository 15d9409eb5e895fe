"""Severities in Quay's names, from what OSV records carry."""

from __future__ import annotations

# Quay's priorities, most severe first (notifications' "level" uses the same names).
SEVERITIES = ("Critical", "High", "Medium", "Low", "Negligible", "Unknown")

NAMES = {
    "critical": "Critical",
    "high": "High",
    "important": "High",
    "moderate": "Medium",
    "medium": "Medium",
    "low": "Low",
    "negligible": "Negligible",
    "unimportant": "Negligible",
    "not yet assigned": "Unknown",
    "unknown": "Unknown",
}


def severity_normalize(value: object) -> str:
    """ "HIGH", "Moderate", "unimportant", a CVSS base score ... -> Quay's name ("" if none)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_score(float(value))
    if not isinstance(value, str):
        return ""
    if value.strip().lower() in NAMES:
        return NAMES[value.strip().lower()]
    try:
        return _from_score(float(value))
    except ValueError:
        return ""


def _from_score(score: float) -> str:
    # CVSS v3's qualitative ratings.
    if score >= 9.0:
        return "Critical"
    if score >= 7.0:
        return "High"
    if score >= 4.0:
        return "Medium"
    if score > 0.0:
        return "Low"
    return "Negligible"


def severity_rank(name: str) -> int:
    """0 for Critical ... 5 for Unknown (and anything not a severity)."""
    return SEVERITIES.index(name) if name in SEVERITIES else len(SEVERITIES) - 1


def severity_at_least(found: str, minimum: str) -> bool:
    return severity_rank(found) <= severity_rank(minimum)


def record_severity(record: dict) -> str:
    """The record's own severity: database_specific's, else a numeric CVSS score, else Unknown."""
    database = record.get("database_specific")
    if isinstance(database, dict):
        named = severity_normalize(database.get("severity"))
        if named:
            return named
    for entry in record.get("severity") or []:
        if isinstance(entry, dict):
            named = severity_normalize(entry.get("score"))
            if named:
                return named
    return "Unknown"
