"""Tag history from the tag rows, and restoring a tag from it; read-only mode refuses changes."""

from __future__ import annotations

from orgs.models import AuditLog, Team
from registry.models import Tag
from registry.services.permissions import permission_set
from tests.web_fixtures import image_push


def _live_digest(repository, name: str) -> str:
    return Tag.objects.get(repository=repository, name=name, end__isnull=True).manifest.digest


def test_a_moved_tag_is_restored_from_its_history(alice_web, acme_app):
    first = image_push(acme_app, "v1", layer=b"first")
    image_push(acme_app, "v1", layer=b"second")
    page = alice_web.get("/repository/acme/app/-/history").content.decode()
    assert page.count('data-tag="v1"') == 2 and 'data-status="restorable"' in page
    response = alice_web.post(
        "/repository/acme/app/-/history/restore", {"name": "v1", "manifest_digest": first.digest}
    )
    assert response.status_code == 302
    assert _live_digest(acme_app, "v1") == first.digest
    assert AuditLog.objects.filter(kind="revert_tag", performer_name="alice").exists()
    assert "restored" in alice_web.get("/repository/acme/app/-/history").content.decode()


def test_a_reader_sees_the_history_without_restore_and_is_refused_it(bob_web, bob, acme_app):
    first = image_push(acme_app, "v1", layer=b"first")
    second = image_push(acme_app, "v1", layer=b"second")
    permission_set(repository=acme_app, user=bob, role="read")
    page = bob_web.get("/repository/acme/app/-/history").content.decode()
    assert 'data-status="restorable"' in page and "Restore v1" not in page
    response = bob_web.post(
        "/repository/acme/app/-/history/restore", {"name": "v1", "manifest_digest": first.digest}
    )
    assert response.status_code == 403
    assert _live_digest(acme_app, "v1") == second.digest


def test_read_only_mode_refuses_page_changes_but_shows_pages(alice_web, acme, settings):
    settings.REGISTRY_STATE = "readonly"
    page = alice_web.get("/organization/acme/teams/").content.decode()
    assert "read-only mode" in page
    response = alice_web.post("/organization/acme/teams/", {"name": "devs", "role": "member"})
    assert response.status_code == 503
    assert not Team.objects.filter(organization=acme, name="devs").exists()


def test_a_writer_sets_a_tag_expiration_and_deletes_a_tag_into_the_history(alice_web, acme_app):
    image_push(acme_app, "v1", layer=b"first")
    response = alice_web.post("/repository/acme/app/-/tags/v1/expiration", {"expires": "2999-01-02T03:04"})
    assert response.status_code == 302
    tag = Tag.objects.get(repository=acme_app, name="v1")
    assert tag.end is not None and (tag.end.year, tag.end.hour, tag.end.minute) == (2999, 3, 4)
    past = alice_web.post(
        "/repository/acme/app/-/tags/v1/expiration", {"expires": "2001-01-01T00:00"}, follow=True
    )
    assert "must be in the future" in past.content.decode()
    alice_web.post("/repository/acme/app/-/tags/v1/delete")
    assert 'data-tag="v1"' not in alice_web.get("/repository/acme/app/").content.decode()
    assert 'data-status="restorable"' in alice_web.get("/repository/acme/app/-/history").content.decode()


def test_a_reader_has_no_tag_actions_and_is_refused_them(bob_web, bob, acme_app):
    image_push(acme_app, "v1", layer=b"first")
    permission_set(repository=acme_app, user=bob, role="read")
    assert "Delete tag" not in bob_web.get("/repository/acme/app/").content.decode()
    assert bob_web.post("/repository/acme/app/-/tags/v1/delete").status_code == 403
    assert Tag.objects.get(repository=acme_app, name="v1").end is None
