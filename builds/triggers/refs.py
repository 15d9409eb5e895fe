"""What a push builds, from the trigger's config: Quay's branchtag_regex filter and the tags it
pushes (tag_templates, default_tag_from_ref, latest_for_default_branch)."""

from __future__ import annotations

import re

from builds.triggers.errors import TriggerInvalid
from registry.names import TAG_RE

TEMPLATE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")
TEMPLATES_MAX = 16
REGEX_MAX = 256
# Quay's variable names, for the error naming what a template may use.
VARIABLES = (
    "commit",
    "commit_sha",
    "ref",
    "default_branch",
    "git_url",
    "parsed_ref.kind",
    "parsed_ref.name",
    "parsed_ref.branch",
    "parsed_ref.tag",
    "commit_info.short_sha",
    "commit_info.message",
    "commit_info.date",
    "commit_info.url",
    "commit_info.author.username",
    "commit_info.committer.username",
)


def ref_parse(ref: str) -> dict:
    """Quay's parsed_ref: {"kind": "branch" | "tag", "name", "branch" or "tag"}."""
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix):
            name = ref[len(prefix) :]
            return {"kind": kind, "name": name, kind: name}
    return {"kind": "", "name": ref}


def regex_check(regex: str) -> str:
    if len(regex) > REGEX_MAX:
        raise TriggerInvalid(f"branchtag_regex is longer than {REGEX_MAX} characters")
    try:
        re.compile(regex)
    except re.error as error:
        raise TriggerInvalid(f"branchtag_regex {regex!r} is not a regular expression: {error}") from None
    return regex


def ref_matches(regex: str, ref: str) -> bool:
    """Quay matches the regex against "heads/<branch>" or "tags/<tag>"; the whole of it here, so
    "heads/main" does not also build "heads/main-old"."""
    if not regex:
        return True
    return re.fullmatch(regex, ref.removeprefix("refs/")) is not None


def templates_check(templates: object) -> list[str]:
    if not isinstance(templates, list) or len(templates) > TEMPLATES_MAX:
        raise TriggerInvalid(f"tag_templates is a list of at most {TEMPLATES_MAX} strings")
    for template in templates:
        if not isinstance(template, str) or not template:
            raise TriggerInvalid("each tag template is a non-empty string")
        for name in TEMPLATE_RE.findall(template):
            if name not in VARIABLES:
                raise TriggerInvalid(
                    f"the tag template {template!r} uses ${{{name}}}: one of {', '.join(VARIABLES)}"
                )
    return list(templates)


def _variables(metadata: dict) -> dict[str, str]:
    info = metadata.get("commit_info") or {}
    parsed = ref_parse(metadata.get("ref", ""))
    commit = metadata.get("commit", "")
    values = {
        "commit": commit,
        "commit_sha": commit,
        "ref": metadata.get("ref", ""),
        "default_branch": metadata.get("default_branch", ""),
        "git_url": metadata.get("git_url", ""),
        "commit_info.short_sha": commit[:7],
        "commit_info.message": info.get("message", ""),
        "commit_info.date": info.get("date", ""),
        "commit_info.url": info.get("url", ""),
        "commit_info.author.username": (info.get("author") or {}).get("username", ""),
        "commit_info.committer.username": (info.get("committer") or {}).get("username", ""),
    }
    values.update({f"parsed_ref.{key}": value for key, value in parsed.items()})
    return {key: value if isinstance(value, str) else "" for key, value in values.items()}


def _as_tag(text: str) -> str:
    # A branch "feature/x" or a message makes no valid tag as is: Quay replaces what a tag
    # cannot hold and trims the rest to the 128 characters a tag may have.
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text).lstrip(".-")[:128]
    return cleaned if TAG_RE.fullmatch(cleaned) else ""


def tags_for_push(config: dict, metadata: dict) -> list[str]:
    """The tags a push builds: each template filled in (one naming an empty value, such as
    ${parsed_ref.tag} on a branch, is left out), the ref's name, "latest" on the default branch;
    the short commit id when all of that names nothing."""
    variables = _variables(metadata)
    tags: list[str] = []
    for template in config.get("tag_templates") or []:
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            value = variables.get(match.group(1), "")
            missing = missing or not value
            return value

        filled = TEMPLATE_RE.sub(fill, template)
        if not missing:
            tags.append(_as_tag(filled))
    parsed = ref_parse(metadata.get("ref", ""))
    if config.get("default_tag_from_ref", True):
        tags.append(_as_tag(parsed["name"]))
    default_branch = metadata.get("default_branch")
    if (
        config.get("latest_for_default_branch", True)
        and parsed.get("branch")
        and parsed["branch"] == default_branch
    ):
        tags.append("latest")
    tags = [tag for tag in dict.fromkeys(tags) if tag]
    return tags or [_as_tag(variables["commit_info.short_sha"]) or "latest"]
