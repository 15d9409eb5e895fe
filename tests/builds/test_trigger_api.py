"""The trigger API on Quay's paths and the push webhook: create, activate (secret and deploy key
shown once, encrypted at rest), list, toggle, start, builds, delete; a webhook queues a build
only with the right signature, on an enabled trigger and a ref its filter lets through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from builds.models import BuildTrigger, RepositoryBuild
from registry.services.permissions import permission_set
from registry.services.repositories import repository_delete

pytestmark = pytest.mark.django_db
TRIGGERS = "/api/v1/repository/alice/app/trigger/"
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def local_sources(settings):
    settings.BUILD_ALLOW_LOCAL_SOURCES = True


def _activated(client, service: str = "github", **config: object) -> dict:
    created = client.post(TRIGGERS, {"service": service}, content_type="application/json")
    assert created.status_code == 201, created.content
    trigger = created.json()
    assert trigger["is_active"] is False
    body = {"config": {"build_source": "file:///srv/git/app.git", **config}}
    activated = client.post(f"{TRIGGERS}{trigger['id']}/activate", body, content_type="application/json")
    assert activated.status_code == 200, activated.content
    return activated.json()


def _push_body(ref: str = "refs/heads/main") -> bytes:
    return json.dumps(
        {
            "ref": ref,
            "after": SHA,
            "head_commit": {"id": SHA, "message": "m", "author": {"username": "al"}},
            "repository": {"default_branch": "main"},
        }
    ).encode()


def _deliver(client, trigger_id: str, body: bytes, secret: str | None, event: str = "push"):
    headers = {"HTTP_X_GITHUB_EVENT": event}
    if secret is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = (
            "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        )
    return client.post(
        f"/webhooks/push/trigger/{trigger_id}", body, content_type="application/json", **headers
    )


def test_activation_shows_the_secret_and_key_once_and_stores_them_encrypted(
    alice_client, repository, local_sources
):
    trigger = _activated(alice_client, "custom-git", branchtag_regex="heads/.*")
    assert len(trigger["secret"]) == 40 and trigger["public_key"].startswith("ssh-ed25519 ")
    assert trigger["config"]["credentials"] == [{"name": "SSH Public Key", "value": trigger["public_key"]}]
    assert f"$token:{trigger['secret']}@" in trigger["webhook_url"]
    assert trigger["webhook_url"].endswith(f"/webhooks/push/trigger/{trigger['id']}")
    row = BuildTrigger.objects.get(uuid=trigger["id"])
    assert trigger["secret"] not in row.secret_encrypted and "PRIVATE KEY" not in row.private_key_encrypted
    shown = alice_client.get(f"{TRIGGERS}{trigger['id']}").json()
    assert "secret" not in shown and "public_key" not in shown and "$token" not in shown["webhook_url"]
    assert shown["is_active"] is True and shown["config"]["branchtag_regex"] == "heads/.*"
    listed = alice_client.get(TRIGGERS).json()["triggers"]
    assert [entry["id"] for entry in listed] == [trigger["id"]]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"build_source": "not a url"}, "not a git URL"),
        ({"build_source": "https://example.com/a.git", "branchtag_regex": "("}, "not a regular expression"),
        ({"build_source": "https://example.com/a.git", "tag_templates": ["${nope}"]}, "nope"),
        ({"build_source": "https://example.com/a.git", "surprise": 1}, "unknown trigger config keys"),
        ({}, "build_source"),
    ],
)
def test_a_bad_config_is_a_400(alice_client, repository, config, message):
    trigger = alice_client.post(TRIGGERS, {"service": "gitlab"}, content_type="application/json").json()
    response = alice_client.post(
        f"{TRIGGERS}{trigger['id']}/activate", {"config": config}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]


def test_local_sources_need_the_setting(alice_client, repository):
    trigger = alice_client.post(TRIGGERS, {"service": "github"}, content_type="application/json").json()
    body = {"config": {"build_source": "file:///srv/app.git"}}
    response = alice_client.post(f"{TRIGGERS}{trigger['id']}/activate", body, content_type="application/json")
    assert response.status_code == 400 and "BUILD_ALLOW_LOCAL_SOURCES" in response.json()["detail"]


def test_only_admins_see_or_change_triggers(alice_client, bob_client, repository, alice, bob):
    assert bob_client.get(TRIGGERS).status_code == 404
    permission_set(repository=repository, user=bob, role="write", actor=alice)
    assert bob_client.get(TRIGGERS).status_code == 403
    assert (
        bob_client.post(TRIGGERS, {"service": "github"}, content_type="application/json").status_code == 403
    )


def test_a_signed_push_queues_a_build_with_its_tags_and_metadata(
    alice_client, client, repository, local_sources
):
    trigger = _activated(alice_client, tag_templates=["${commit_info.short_sha}"])
    response = _deliver(client, trigger["id"], _push_body(), trigger["secret"])
    assert response.status_code == 201, response.content
    build = RepositoryBuild.objects.get(uuid=response.json()["build"])
    assert build.source == {
        "kind": "git",
        "url": "file:///srv/git/app.git",
        "ref": "refs/heads/main",
        "commit": SHA,
    }
    assert build.tags == ["0123456", "main", "latest"]
    assert build.trigger_metadata["commit_info"]["author"] == {"username": "al"}
    assert build.performer is None
    assert build.trigger is not None and str(build.trigger.uuid) == trigger["id"]
    listed = alice_client.get(f"{TRIGGERS}{trigger['id']}/builds").json()["builds"]
    assert [entry["id"] for entry in listed] == [str(build.uuid)]
    assert listed[0]["trigger"]["id"] == trigger["id"] and listed[0]["trigger_metadata"]["commit"] == SHA


def test_a_bad_or_missing_signature_queues_nothing(alice_client, client, repository, local_sources):
    trigger = _activated(alice_client)
    bad = _deliver(client, trigger["id"], _push_body(), "not-the-secret")
    missing = _deliver(client, trigger["id"], _push_body(), None)
    assert (bad.status_code, missing.status_code) == (403, 403)
    assert "does not match" in bad.json()["detail"] and "no X-Hub-Signature-256" in missing.json()["detail"]
    assert not RepositoryBuild.objects.exists()


def test_a_filtered_ref_a_ping_and_a_disabled_trigger_build_nothing(
    alice_client, client, repository, local_sources
):
    trigger = _activated(alice_client, branchtag_regex="heads/main")
    skipped = _deliver(client, trigger["id"], _push_body("refs/heads/dev"), trigger["secret"])
    assert skipped.status_code == 200 and "does not match branchtag_regex" in skipped.json()["skipped"]
    ping = _deliver(client, trigger["id"], b'{"zen": "x"}', trigger["secret"], event="ping")
    assert ping.status_code == 200 and ping.json()["build"] is None
    toggled = alice_client.put(
        f"{TRIGGERS}{trigger['id']}",
        {"enabled": False, "disabled_reason": "paused"},
        content_type="application/json",
    )
    assert toggled.json()["enabled"] is False and toggled.json()["disabled_reason"] == "paused"
    disabled = _deliver(client, trigger["id"], _push_body(), trigger["secret"])
    assert disabled.status_code == 400 and "disabled: paused" in disabled.json()["detail"]
    start = alice_client.post(
        f"{TRIGGERS}{trigger['id']}/start", {"branch_name": "main"}, content_type="application/json"
    )
    assert start.status_code == 400
    assert not RepositoryBuild.objects.exists()


def test_manual_start_on_a_branch_a_tag_or_a_commit(alice_client, repository, local_sources):
    trigger = _activated(alice_client, latest_for_default_branch=False)
    url = f"{TRIGGERS}{trigger['id']}/start"
    branch = alice_client.post(url, {"branch_name": "dev"}, content_type="application/json")
    assert branch.status_code == 201, branch.content
    assert branch.json()["tags"] == ["dev"] and branch["Location"].endswith(
        f"/build/{branch.json()['id']}/status"
    )
    tag = alice_client.post(url, {"refs": {"kind": "tag", "name": "v1"}}, content_type="application/json")
    assert tag.json()["tags"] == ["v1"]
    commit = alice_client.post(url, {"commit_sha": SHA}, content_type="application/json")
    assert commit.status_code == 201 and commit.json()["tags"] == ["0123456"]
    sources = [build.source for build in RepositoryBuild.objects.order_by("pk")]
    assert [(s["ref"], s["commit"]) for s in sources] == [
        ("refs/heads/dev", ""),
        ("refs/tags/v1", ""),
        ("", SHA),
    ]
    for body in ({}, {"branch_name": "a", "commit_sha": SHA}, {"branch_name": "-x"}, {"commit_sha": "zz"}):
        assert alice_client.post(url, body, content_type="application/json").status_code == 400


def test_the_deploy_key_reaches_the_builder_only(alice_client, client, repository, local_sources):
    from builds.manager import build_job_make

    trigger = _activated(alice_client)
    build_id = _deliver(client, trigger["id"], _push_body(), trigger["secret"]).json()["build"]
    build = RepositoryBuild.objects.get(uuid=build_id)
    assert "private_key" not in build.source
    job = build_job_make(build=build)
    assert job.source["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")


def test_a_deleted_trigger_or_repository_is_refused_clearly(
    alice_client, client, repository, alice, local_sources
):
    trigger = _activated(alice_client)
    assert alice_client.delete(f"{TRIGGERS}{trigger['id']}").status_code == 204
    gone = _deliver(client, trigger["id"], _push_body(), trigger["secret"])
    assert gone.status_code == 404 and "deleted" in gone.json()["detail"]
    again = _activated(alice_client)
    repository_delete(repository=repository, actor=alice)
    gone = _deliver(client, again["id"], _push_body(), again["secret"])
    assert gone.status_code == 404 and "its repository was deleted" in gone.json()["detail"]
    assert _deliver(client, "not-a-uuid", b"{}", "x").status_code == 404


def test_gitlab_and_bitbucket_webhooks_on_quays_older_path(alice_client, client, repository, local_sources):
    gitlab = _activated(alice_client, "gitlab")
    body = json.dumps({"object_kind": "push", "ref": "refs/heads/main", "checkout_sha": SHA}).encode()
    url = f"/webhooks/push/repo/alice/app/trigger/{gitlab['id']}"
    wrong = client.post(url, body, content_type="application/json", HTTP_X_GITLAB_TOKEN="nope")
    assert wrong.status_code == 403
    right = client.post(url, body, content_type="application/json", HTTP_X_GITLAB_TOKEN=gitlab["secret"])
    assert right.status_code == 201, right.content
    bitbucket = _activated(alice_client, "bitbucket")
    body = json.dumps(
        {
            "push": {"changes": [{"new": {"type": "tag", "name": "v2", "target": {"hash": SHA}}}]},
            "repository": {},
        }
    ).encode()
    signature = "sha256=" + hmac.new(bitbucket["secret"].encode(), body, hashlib.sha256).hexdigest()
    delivered = client.post(
        f"/webhooks/push/trigger/{bitbucket['id']}",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=signature,
        HTTP_X_EVENT_KEY="repo:push",
    )
    assert delivered.status_code == 201, delivered.content
    assert RepositoryBuild.objects.get(uuid=delivered.json()["build"]).tags == ["v2"]


def test_custom_git_takes_quays_token_url_and_its_payload(alice_client, client, repository, local_sources):
    trigger = _activated(alice_client, "custom-git")
    body = json.dumps({"commit": SHA, "ref": "refs/tags/v3", "commit_info": {"message": "tagged"}}).encode()
    url = f"/webhooks/push/trigger/{trigger['id']}"

    def auth(password: str) -> str:
        return "Basic " + base64.b64encode(f"$token:{password}".encode()).decode()

    refused = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=auth("wrong"))
    assert refused.status_code == 403 and not RepositoryBuild.objects.exists()
    delivered = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=auth(trigger["secret"])
    )
    assert delivered.status_code == 201, delivered.content
    build = RepositoryBuild.objects.get()
    assert build.tags == ["v3"] and build.trigger_metadata["commit_info"] == {"message": "tagged"}
    assert client.get(url).status_code == 405


def test_an_inactive_trigger_takes_no_webhook(alice_client, client, repository):
    created = alice_client.post(TRIGGERS, {"service": "github"}, content_type="application/json").json()
    response = _deliver(client, created["id"], _push_body(), "")
    assert response.status_code == 403 and "activate it first" in response.json()["detail"]
