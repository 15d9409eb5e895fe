"""Each service's push payload read into Quay's build trigger metadata: commit, ref,
default_branch, git_url and commit_info (url, message, date, author, committer)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from builds.triggers.errors import WebhookPayloadInvalid

SHA_RE = re.compile(r"[0-9a-f]{7,64}")
# A deleted branch's push names this as its new commit.
ZERO_SHA = "0" * 40


class PushSkipped(Exception):
    """A delivery that is no push to build (GitHub's ping, a branch deleted, another event)."""


@dataclass(frozen=True)
class PushEvent:
    commit: str
    ref: str
    default_branch: str
    git_url: str
    commit_info: dict

    def metadata(self) -> dict:
        """Quay's trigger_metadata of a build."""
        metadata = {
            "commit": self.commit,
            "ref": self.ref,
            "git_url": self.git_url,
            "commit_info": self.commit_info,
        }
        if self.default_branch:
            metadata["default_branch"] = self.default_branch
        return metadata


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _push(*, commit: object, ref: object, default_branch: object, git_url: object, info: dict) -> PushEvent:
    commit_text, ref_text = _text(commit), _text(ref)
    if not SHA_RE.fullmatch(commit_text):
        raise WebhookPayloadInvalid(f"the payload's commit {commit_text!r} is not a commit id")
    if not ref_text.startswith(("refs/heads/", "refs/tags/")):
        raise WebhookPayloadInvalid(f"the payload's ref {ref_text!r} is neither a branch nor a tag")
    cleaned = {key: value for key, value in info.items() if value not in (None, "", {})}
    return PushEvent(
        commit=commit_text,
        ref=ref_text,
        default_branch=_text(default_branch),
        git_url=_text(git_url),
        commit_info=cleaned,
    )


def _person(name: object, username: object = None, url: object = None, avatar: object = None) -> dict:
    person = {"username": _text(username) or _text(name), "url": _text(url), "avatar_url": _text(avatar)}
    return {key: value for key, value in person.items() if value}


def github_push(headers: Mapping[str, str], payload: dict) -> PushEvent:
    event = headers.get("X-GitHub-Event", "push")
    if event != "push":
        raise PushSkipped(f"GitHub's {event!r} event builds nothing")
    if payload.get("deleted") or payload.get("after") == ZERO_SHA:
        raise PushSkipped("the push deletes its ref")
    head = _object(payload.get("head_commit"))
    repository = _object(payload.get("repository"))
    author, committer = _object(head.get("author")), _object(head.get("committer"))
    return _push(
        commit=head.get("id") or payload.get("after"),
        ref=payload.get("ref"),
        default_branch=repository.get("default_branch") or repository.get("master_branch"),
        git_url=repository.get("ssh_url") or repository.get("clone_url"),
        info={
            "url": _text(head.get("url")),
            "message": _text(head.get("message")),
            "date": _text(head.get("timestamp")),
            "author": _person(author.get("name"), author.get("username")),
            "committer": _person(committer.get("name"), committer.get("username")),
        },
    )


def gitlab_push(headers: Mapping[str, str], payload: dict) -> PushEvent:
    kind = payload.get("object_kind")
    if kind not in ("push", "tag_push"):
        raise PushSkipped(f"GitLab's {kind!r} event builds nothing")
    commit = payload.get("checkout_sha") or payload.get("after")
    if not commit or commit == ZERO_SHA:
        raise PushSkipped("the push deletes its ref")
    project = _object(payload.get("project"))
    head = next(
        (_object(c) for c in payload.get("commits") or [] if _object(c).get("id") == commit),
        {},
    )
    author = _object(head.get("author"))
    return _push(
        commit=commit,
        ref=payload.get("ref"),
        default_branch=project.get("default_branch"),
        git_url=project.get("git_ssh_url") or _object(payload.get("repository")).get("git_ssh_url"),
        info={
            "url": _text(head.get("url")),
            "message": _text(head.get("message")),
            "date": _text(head.get("timestamp")),
            "author": _person(
                author.get("name"), payload.get("user_username"), None, payload.get("user_avatar")
            ),
        },
    )


def bitbucket_push(headers: Mapping[str, str], payload: dict) -> PushEvent:
    event = headers.get("X-Event-Key", "repo:push")
    if event != "repo:push":
        raise PushSkipped(f"Bitbucket's {event!r} event builds nothing")
    changes = _object(payload.get("push")).get("changes") or []
    # The last change with a new head: a push of several refs builds the last one, as Quay does.
    new = next((_object(_object(c).get("new")) for c in reversed(changes) if _object(c).get("new")), {})
    if not new:
        raise PushSkipped("the push deletes its ref")
    kind = "tags" if new.get("type") == "tag" else "heads"
    target = _object(new.get("target"))
    author = _object(target.get("author"))
    user = _object(author.get("user"))
    repository = _object(payload.get("repository"))
    full_name = _text(repository.get("full_name"))
    mainbranch = _object(repository.get("mainbranch")).get("name")
    return _push(
        commit=target.get("hash"),
        ref=f"refs/{kind}/{_text(new.get('name'))}",
        default_branch=mainbranch,
        git_url=f"git@bitbucket.org:{full_name}.git" if full_name else "",
        info={
            "url": _text(_object(_object(target.get("links")).get("html")).get("href")),
            "message": _text(target.get("message")),
            "date": _text(target.get("date")),
            "author": _person(
                user.get("display_name") or author.get("raw"),
                user.get("nickname") or user.get("username"),
                None,
                _object(_object(user.get("links")).get("avatar")).get("href"),
            ),
        },
    )


def custom_git_push(headers: Mapping[str, str], payload: dict) -> PushEvent:
    """Quay's custom-git payload: {"commit", "ref", "default_branch", "commit_info": {...}}."""
    info = _object(payload.get("commit_info"))
    return _push(
        commit=payload.get("commit"),
        ref=payload.get("ref"),
        default_branch=payload.get("default_branch"),
        git_url="",
        info={
            "url": _text(info.get("url")),
            "message": _text(info.get("message")),
            "date": _text(info.get("date")),
            "author": _object(info.get("author")),
            "committer": _object(info.get("committer")),
        },
    )


PARSERS = {
    "github": github_push,
    "gitlab": gitlab_push,
    "bitbucket": bitbucket_push,
    "custom-git": custom_git_push,
}


def push_parse(service: str, headers: Mapping[str, str], body: bytes) -> PushEvent:
    """Raises PushSkipped for a delivery to ignore, WebhookPayloadInvalid for one that is no
    push payload."""
    if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        # GitHub's other content type: the JSON in a form's payload field (signed as sent).
        body = parse_qs(body.decode("utf-8", "replace")).get("payload", [""])[0].encode()
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookPayloadInvalid("the webhook's body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookPayloadInvalid("the webhook's body is not a JSON object")
    if service == "github" and headers.get("X-GitHub-Event") == "ping":
        raise PushSkipped("GitHub's ping")
    return PARSERS[service](headers, payload)
