"""Tag history from the tag rows, and restoring a tag from it; read-only mode refuses changes."""

from __future__ import annotations

from orgs.models import AuditLog, Team
from orgs.services import permission_set
from registry.models import Tag
from tests.web.conftest import image_push


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
