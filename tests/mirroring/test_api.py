"""The mirror API on Quay's paths and JSON: repository admins create, read and change the
configuration (others get 403, or 404 for a repository they cannot read); the password is never
returned; bad input gets Quay's 400 with a reason; sync-now and sync-cancel answer 204, or 404
when the state does not allow them; the repository is in MIRROR state, and a hand push is refused
while the robot's is allowed."""

from __future__ import annotations

import pytest

from mirroring.models import RepositoryMirror
from mirroring.worker import mirror_claim
from orgs.models import AuditLog
from orgs.services import robot_create
from registry.models import Repository
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make
from tests.conftest import Registry

pytestmark = pytest.mark.django_db
MIRROR = "/api/v1/repository/acme/app/mirror"
Status = RepositoryMirror.SyncStatus


def _config(**changes: object) -> dict:
    return {
        "external_reference": "upstream.example.com:5000/library/app",
        "external_registry_username": "puller",
        "external_registry_password": "s3cret-upstream",
        "external_registry_config": {"verify_tls": False, "proxy": {"https_proxy": "http://proxy:3128"}},
        "sync_interval": 3600,
        "sync_start_date": "2026-01-02T03:04:05Z",
        "robot_username": "acme+mirror",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]},
        "platforms": ["linux/amd64"],
        "rollback": True,
        **changes,
    }


def _send(client, method: str, url: str, body: dict | None = None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


@pytest.fixture
def app(acme):
    return repository_make(acme, "app")


def test_a_mirror_round_trips_in_quays_json_without_the_password(alice_client, app, mirror_robot):
    assert _send(alice_client, "post", MIRROR, _config()).status_code == 201
    response = alice_client.get(MIRROR)
    assert response.status_code == 200
    body = response.json()
    assert "s3cret-upstream" not in response.content.decode()
    assert "external_registry_password" not in body
    assert body["last_sync"]["started"] is None
    del body["last_sync"]
    assert body == {
        "is_enabled": True,
        "mirror_type": "PULL",
        "external_reference": "upstream.example.com:5000/library/app",
        "external_registry_username": "puller",
        "external_registry_config": {
            "verify_tls": False,
            "unsigned_images": False,
            "proxy": {"http_proxy": None, "https_proxy": "http://proxy:3128", "no_proxy": None},
        },
        "sync_interval": 3600,
        "sync_start_date": "2026-01-02T03:04:05Z",
        "sync_expiration_date": "2026-01-02T03:04:05Z",
        "sync_retries_remaining": 0,
        "sync_status": "NEVER_RUN",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]},
        "robot_username": "acme+mirror",
        "platforms": ["linux/amd64"],
        "rollback": True,
    }
    assert Repository.objects.get(pk=app.pk).state == Repository.State.MIRROR
    assert RepositoryMirror.objects.get().credentials() == ("puller", "s3cret-upstream")


def test_a_put_changes_only_what_it_names(alice_client, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    changed = _send(alice_client, "put", MIRROR, {"sync_interval": 60, "is_enabled": False})
    assert changed.status_code == 201
    body = alice_client.get(MIRROR).json()
    assert (body["sync_interval"], body["is_enabled"], body["external_registry_username"]) == (
        60,
        False,
        "puller",
    )
    assert RepositoryMirror.objects.get().credentials() == ("puller", "s3cret-upstream")
    assert AuditLog.objects.filter(kind="repo_mirror_config_changed", metadata__changed="is_enabled").exists()


def test_the_rules_path_replaces_the_tag_rule(alice_client, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    rule = {"rule_kind": "tag_glob_csv", "rule_value": ["release-*"]}
    assert _send(alice_client, "put", MIRROR + "/rules", rule).status_code == 201
    assert alice_client.get(MIRROR).json()["root_rule"] == rule


@pytest.mark.parametrize(
    "body, detail",
    [
        (_config(external_reference="not a reference"), "not a repository location"),
        (_config(external_reference=""), "Empty string is an invalid repository location."),
        (_config(root_rule={"rule_kind": "tag_glob_csv", "rule_value": ["[oops"]}), "not a tag name or glob"),
        (_config(root_rule={"rule_kind": "regex", "rule_value": ["x"]}), "rule_kind"),
        (_config(sync_interval=0), "sync_interval"),
        (_config(sync_start_date="tomorrow"), "sync_start_date"),
        (_config(robot_username="other+bot"), "not a robot of the namespace acme"),
        (_config(robot_username="acme+nobody"), "no robot acme+nobody"),
    ],
)
def test_bad_input_gets_quays_400_with_a_reason(alice_client, app, mirror_robot, body, detail):
    response = _send(alice_client, "post", MIRROR, body)
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_request" and detail in response.json()["detail"]
    assert not RepositoryMirror.objects.exists()


def test_a_password_without_a_username_is_refused_on_put(alice_client, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    response = _send(alice_client, "put", MIRROR, {"external_registry_password": "new"})
    assert response.status_code == 400
    assert response.json()["detail"] == "Unable to set a new password without also specifying a username."


def test_a_second_post_is_a_409(alice_client, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    assert _send(alice_client, "post", MIRROR, _config()).status_code == 409


def test_no_configuration_is_a_404(alice_client, app):
    assert alice_client.get(MIRROR).status_code == 404
    assert _send(alice_client, "post", MIRROR + "/sync-now").status_code == 404


def test_a_writer_gets_403_and_a_stranger_404(alice_client, bob_client, bob, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    assert bob_client.get(MIRROR).status_code == 404
    permission_set(repository=app, role="write", user=bob)
    assert bob_client.get(MIRROR).status_code == 403
    assert _send(bob_client, "put", MIRROR, {"sync_interval": 5}).status_code == 403
    assert _send(bob_client, "post", MIRROR + "/sync-now").status_code == 403


def test_sync_now_then_cancel_answer_204_and_move_the_status(alice_client, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    assert _send(alice_client, "post", MIRROR + "/sync-cancel").status_code == 404
    assert _send(alice_client, "post", MIRROR + "/sync-now").status_code == 204
    assert alice_client.get(MIRROR).json()["sync_status"] == "SYNC_NOW"
    assert _send(alice_client, "post", MIRROR + "/sync-cancel").status_code == 204
    assert alice_client.get(MIRROR).json()["sync_status"] == "SYNC_CANCEL"


def test_sync_now_while_syncing_is_a_404(alice_client, app, mirror_robot):
    _send(alice_client, "post", MIRROR, _config())
    assert mirror_claim() is not None
    assert _send(alice_client, "post", MIRROR + "/sync-now").status_code == 404
    assert alice_client.get(MIRROR).json()["sync_expiration_date"] is None


def test_the_paths_are_in_the_discovery_document(alice_client):
    paths = alice_client.get("/api/v1/discovery").json()["paths"]
    for suffix in ("", "/rules", "/sync-now", "/sync-cancel"):
        assert any(path.endswith("/mirror" + suffix) for path in paths), suffix


def test_in_mirror_state_a_hand_push_is_refused_and_the_robots_allowed(
    client, alice_client, alice, acme, app
):
    pusher, token = robot_create(namespace=acme.namespace, short_name="pusher", actor=alice)
    assert Registry(client, "alice").granted("repository:acme/app:pull,push") == ["pull", "push"]
    _send(alice_client, "post", MIRROR, _config(robot_username="acme+pusher"))
    assert Registry(client, "alice").granted("repository:acme/app:pull,push") == ["pull"]
    assert Registry(client, "acme+pusher", token).granted("repository:acme/app:pull,push") == ["pull", "push"]
    upload = Registry(client, "alice").call(
        "POST", "/v2/acme/app/blobs/uploads/", scope="repository:acme/app:push"
    )
    print("UPLOAD", upload.status_code, upload.content)
