"""The Mirroring panel on a repository's settings page: an admin sets up a mirror (the repository
goes into MIRROR state), sees its status and errors, never sees the password, and presses
sync-now and cancel."""

from __future__ import annotations

import pytest

from mirroring.models import RepositoryMirror
from registry.models import Repository
from registry.services.permissions import permission_set
from tests.api_fixtures import repository_make
from tests.mirroring.mirrors import mirror_make

pytestmark = pytest.mark.django_db
SETTINGS = "/repository/acme/app/-/settings"
Status = RepositoryMirror.SyncStatus


def _form(**changes: str) -> dict:
    return {
        "external_reference": "upstream.example.com/library/app",
        "tag_rules": "latest, v1.*",
        "robot_username": "acme+mirror",
        "sync_interval": "600",
        "sync_start_date": "2026-01-02T03:04",
        "username": "puller",
        "password": "s3cret-upstream",
        "verify_tls": "on",
        "platforms": "linux/amd64, linux/arm64",
        **changes,
    }


def test_an_admin_sets_up_a_mirror_from_the_panel(alice_web, acme, mirror_robot):
    repository = repository_make(acme, "app")
    page = alice_web.get(SETTINGS).content.decode()
    assert 'id="mirroring"' in page and "Mirror this repository" in page
    assert alice_web.post(SETTINGS + "/mirror", _form()).status_code == 302
    mirror = RepositoryMirror.objects.get()
    assert (mirror.tag_glob_csv, mirror.platforms) == ("latest,v1.*", ["linux/amd64", "linux/arm64"])
    assert mirror.credentials() == ("puller", "s3cret-upstream")
    assert Repository.objects.get(pk=repository.pk).state == Repository.State.MIRROR
    page = alice_web.get(SETTINGS).content.decode()
    assert "NEVER_RUN" in page and 'id="mirror-password-stored"' in page
    assert "s3cret-upstream" not in page


def test_saving_with_an_empty_password_keeps_the_stored_one(alice_web, acme, alice, mirror_robot):
    mirror_make(acme, alice, "app", robot=mirror_robot, username="puller", password="kept")
    alice_web.post(SETTINGS + "/mirror", _form(password="", sync_interval="60"))
    mirror = RepositoryMirror.objects.get()
    assert mirror.sync_interval == 60 and mirror.credentials() == ("puller", "kept")


def test_a_bad_glob_is_refused_with_the_reason(alice_web, acme, mirror_robot):
    repository_make(acme, "app")
    response = alice_web.post(SETTINGS + "/mirror", _form(tag_rules="[oops"), follow=True)
    assert (
        "Mirror not saved" in response.content.decode()
        and "not a tag name or glob" in response.content.decode()
    )
    assert not RepositoryMirror.objects.exists()


def test_the_status_shows_the_last_failure_and_per_tag_errors(alice_web, acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    RepositoryMirror.objects.filter(pk=mirror.pk).update(
        sync_status=Status.SYNC_FAILED, failed_reason="1 of 2 tags failed", errors={"v1.2": "digest mismatch"}
    )
    page = alice_web.get(SETTINGS).content.decode()
    assert "SYNC_FAILED" in page and "1 of 2 tags failed" in page
    assert "<td><code>v1.2</code></td><td>digest mismatch</td>" in page


def test_the_buttons_request_a_sync_and_cancel_it(alice_web, acme, alice, mirror_robot):
    mirror_make(acme, alice, "app", robot=mirror_robot)
    assert alice_web.post(SETTINGS + "/mirror/sync-now").status_code == 302
    assert RepositoryMirror.objects.get().sync_status == Status.SYNC_NOW
    alice_web.post(SETTINGS + "/mirror/sync-cancel")
    assert RepositoryMirror.objects.get().sync_status == Status.SYNC_CANCEL
    response = alice_web.post(SETTINGS + "/mirror/sync-cancel", follow=True)
    assert "Nothing cancelled: the mirror is not syncing" in response.content.decode()


def test_a_writer_cannot_post_to_the_panel(bob_web, bob, acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    permission_set(repository=mirror.repository, role="write", user=bob)
    assert bob_web.post(SETTINGS + "/mirror/sync-now").status_code == 403
    assert RepositoryMirror.objects.get().sync_status == Status.NEVER_RUN
