"""Checks of a mirror configuration's values, each raising MirrorInvalid with a readable reason."""

from __future__ import annotations

import re

from mirroring.errors import MirrorInvalid
from mirroring.rules import tag_rules_parse
from orgs.errors import InvalidInput

# host[:port]/path: the host is a DNS name or address, the path the OCI repository-name grammar.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
EXTERNAL_REFERENCE = re.compile(rf"{_HOST}/{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
REFERENCE_MAX = 1024
_PLATFORM = re.compile(r"[a-z0-9_.-]+/[a-z0-9_.-]+(?:/[a-z0-9_.-]+)?")
PROXY_KEYS = frozenset({"http_proxy", "https_proxy", "no_proxy"})


def external_reference_clean(value: str) -> str:
    if not value:
        raise MirrorInvalid("Empty string is an invalid repository location.")
    if len(value) > REFERENCE_MAX or not EXTERNAL_REFERENCE.fullmatch(value):
        raise MirrorInvalid(
            f"{value!r} is not a repository location: expected registry.example.com[:port]/namespace/name, "
            "without a tag or digest"
        )
    return value


def tag_globs_clean(globs: list[str]) -> str:
    """The rule's patterns as the stored comma list, checked by the sync's own parser."""
    if not isinstance(globs, list) or not all(isinstance(glob, str) for glob in globs):
        raise MirrorInvalid("root_rule.rule_value must be a list of tags and globs")
    csv = ",".join(glob.strip() for glob in globs)
    try:
        tag_rules_parse(csv)
    except InvalidInput as exc:
        raise MirrorInvalid(str(exc)) from None
    return csv


def sync_interval_clean(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MirrorInvalid("sync_interval must be a positive number of seconds")
    return value


def platforms_clean(platforms: list[str]) -> list[str]:
    for platform in platforms:
        if not isinstance(platform, str) or not _PLATFORM.fullmatch(platform):
            raise MirrorInvalid(f"{platform!r} is not a platform: expected os/architecture[/variant]")
    return list(dict.fromkeys(platforms))


def proxy_clean(proxy: dict) -> dict:
    unknown = set(proxy) - PROXY_KEYS
    if unknown:
        raise MirrorInvalid(f"unknown proxy keys: {', '.join(sorted(unknown))}")
    for key, value in proxy.items():
        if value is not None and not isinstance(value, str):
            raise MirrorInvalid(f"proxy {key} must be a string or null")
    return dict(proxy)
