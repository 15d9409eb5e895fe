"""The triggers' pure parts: each service's signature check, its push payload read into Quay's
metadata, the ref filter, tag templates and the deploy key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
from urllib.parse import urlencode

import pytest

from builds.triggers import refs
from builds.triggers.errors import TriggerInvalid, WebhookPayloadInvalid, WebhookUnauthorized
from builds.triggers.keys import deploy_key_generate
from builds.triggers.payloads import PushSkipped, push_parse
from builds.triggers.signatures import webhook_verify

SECRET = "S3CRET"
BODY = b'{"ref": "refs/heads/main"}'
SHA = "0123456789abcdef0123456789abcdef01234567"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("service", "headers"),
    [
        ("github", {"X-Hub-Signature-256": _sign(BODY)}),
        ("gitlab", {"X-Gitlab-Token": SECRET}),
        ("bitbucket", {"X-Hub-Signature": _sign(BODY)}),
        ("bitbucket", {"Authorization": _basic("$token", SECRET)}),
        ("custom-git", {"Authorization": _basic("$token", SECRET)}),
        ("custom-git", {"X-Hub-Signature-256": _sign(BODY)}),
    ],
)
def test_each_service_accepts_its_own_proof(service, headers):
    webhook_verify(service, headers, secret=SECRET, body=BODY)


@pytest.mark.parametrize(
    ("service", "headers", "message"),
    [
        ("github", {}, "no X-Hub-Signature-256"),
        ("github", {"X-Hub-Signature-256": _sign(BODY, "other")}, "does not match"),
        ("github", {"X-Hub-Signature-256": _sign(BODY + b" ")}, "does not match"),
        ("github", {"X-Hub-Signature-256": "sha1=abc"}, "sha256="),
        ("gitlab", {}, "no X-Gitlab-Token"),
        ("gitlab", {"X-Gitlab-Token": "nope"}, "not the trigger's secret"),
        ("bitbucket", {}, "no X-Hub-Signature"),
        ("bitbucket", {"X-Hub-Signature": _sign(BODY, "x")}, "does not match"),
        ("custom-git", {}, "basic auth"),
        ("custom-git", {"Authorization": _basic("$token", "wrong")}, "not the trigger's"),
        ("custom-git", {"Authorization": _basic("alice", SECRET)}, "not the trigger's"),
    ],
)
def test_a_missing_or_wrong_proof_is_refused(service, headers, message):
    with pytest.raises(WebhookUnauthorized, match=message):
        webhook_verify(service, headers, secret=SECRET, body=BODY)


def test_a_trigger_without_secret_accepts_nothing():
    with pytest.raises(WebhookUnauthorized, match="activate it first"):
        webhook_verify("gitlab", {"X-Gitlab-Token": ""}, secret="", body=BODY)


def _body(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def test_github_push_reads_into_quays_metadata():
    payload = {
        "ref": "refs/heads/main",
        "after": SHA,
        "head_commit": {
            "id": SHA,
            "message": "Fix it",
            "timestamp": "2026-12-03T10:00:00Z",
            "url": "https://github.com/o/r/commit/" + SHA,
            "author": {"name": "Alice", "username": "alice"},
            "committer": {"name": "Bob"},
        },
        "repository": {"default_branch": "main", "ssh_url": "git@github.com:o/r.git"},
    }
    push = push_parse("github", {"X-GitHub-Event": "push"}, _body(payload))
    assert push.metadata() == {
        "commit": SHA,
        "ref": "refs/heads/main",
        "default_branch": "main",
        "git_url": "git@github.com:o/r.git",
        "commit_info": {
            "url": "https://github.com/o/r/commit/" + SHA,
            "message": "Fix it",
            "date": "2026-12-03T10:00:00Z",
            "author": {"username": "alice"},
            "committer": {"username": "Bob"},
        },
    }


def test_gitlab_tag_push_and_bitbucket_push():
    gitlab = {
        "object_kind": "tag_push",
        "ref": "refs/tags/v1.0",
        "checkout_sha": SHA,
        "project": {"default_branch": "main", "git_ssh_url": "git@gitlab.com:o/r.git"},
        "commits": [{"id": SHA, "message": "Release", "author": {"name": "Al"}}],
        "user_username": "al",
    }
    push = push_parse("gitlab", {}, _body(gitlab))
    assert (push.ref, push.commit, push.commit_info["message"]) == ("refs/tags/v1.0", SHA, "Release")
    assert push.commit_info["author"] == {"username": "al"}
    bitbucket = {
        "push": {
            "changes": [{"new": {"type": "branch", "name": "dev", "target": {"hash": SHA, "message": "m"}}}]
        },
        "repository": {"full_name": "o/r", "mainbranch": {"name": "main"}},
    }
    push = push_parse("bitbucket", {"X-Event-Key": "repo:push"}, _body(bitbucket))
    assert (push.ref, push.commit, push.git_url, push.default_branch) == (
        "refs/heads/dev",
        SHA,
        "git@bitbucket.org:o/r.git",
        "main",
    )


def test_pings_deletions_and_other_events_build_nothing():
    with pytest.raises(PushSkipped, match="ping"):
        push_parse("github", {"X-GitHub-Event": "ping"}, b"{}")
    with pytest.raises(PushSkipped, match="deletes"):
        push_parse("github", {}, _body({"ref": "refs/heads/x", "deleted": True, "after": "0" * 40}))
    with pytest.raises(PushSkipped, match="merge_request"):
        push_parse("gitlab", {}, _body({"object_kind": "merge_request"}))
    with pytest.raises(PushSkipped, match="deletes"):
        push_parse("bitbucket", {}, _body({"push": {"changes": [{"new": None}]}}))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "JSON object"),
        (_body({"commit": "xyz", "ref": "refs/heads/main"}), "not a commit id"),
        (_body({"commit": SHA, "ref": "main"}), "neither a branch nor a tag"),
    ],
)
def test_a_body_that_is_no_push_payload_is_refused(body, message):
    with pytest.raises(WebhookPayloadInvalid, match=message):
        push_parse("custom-git", {}, body)


def test_the_ref_filter_matches_the_whole_heads_or_tags_name():
    assert refs.ref_matches("", "refs/heads/anything")
    assert refs.ref_matches("heads/main", "refs/heads/main")
    assert not refs.ref_matches("heads/main", "refs/heads/main-old")
    assert refs.ref_matches(r"tags/v\d+.*", "refs/tags/v2.1")
    assert not refs.ref_matches(r"tags/v\d+.*", "refs/heads/v2")
    with pytest.raises(TriggerInvalid, match="not a regular expression"):
        refs.regex_check("heads/(")


def _metadata(ref: str) -> dict:
    return {
        "commit": SHA,
        "ref": ref,
        "default_branch": "main",
        "commit_info": {"author": {"username": "al"}},
    }


def test_tag_templates_as_quay():
    config = {
        "tag_templates": [
            "${commit_sha}",
            "build-${commit_info.short_sha}",
            "${parsed_ref.tag}",
            "${parsed_ref.branch}-x",
        ],
        "default_tag_from_ref": True,
        "latest_for_default_branch": True,
    }
    assert refs.tags_for_push(config, _metadata("refs/heads/main")) == [
        SHA,
        "build-0123456",
        "main-x",
        "main",
        "latest",
    ]
    assert refs.tags_for_push(config, _metadata("refs/tags/v1.0")) == [SHA, "build-0123456", "v1.0"]
    # A branch name that is no tag name is made one; nothing configured falls back to the short id.
    assert refs.tags_for_push({}, _metadata("refs/heads/feature/x")) == ["feature_x"]
    quiet = {"default_tag_from_ref": False, "latest_for_default_branch": False}
    assert refs.tags_for_push(quiet, _metadata("refs/heads/main")) == ["0123456"]


def test_a_template_naming_an_unknown_variable_is_refused():
    with pytest.raises(TriggerInvalid, match=r"\$\{commit_info.nope\}"):
        refs.templates_check(["${commit_info.nope}"])
    with pytest.raises(TriggerInvalid, match="list"):
        refs.templates_check("${commit}")


def test_the_deploy_key_is_an_openssh_key_pair(tmp_path):
    private, public = deploy_key_generate("quay-trigger-x")
    assert private.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert public.startswith("ssh-ed25519 ") and public.endswith(" quay-trigger-x")
    key_file = tmp_path / "key"
    key_file.write_text(private)
    key_file.chmod(0o600)
    derived = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(key_file)], capture_output=True, text=True, check=True
    )
    assert derived.stdout.split()[:2] == public.split()[:2]


def test_githubs_form_encoded_delivery_is_read_too():
    payload = {"ref": "refs/heads/main", "after": SHA, "repository": {"default_branch": "main"}}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-GitHub-Event": "push"}
    assert push_parse("github", headers, body).commit == SHA
