"""The header's bell counts the signed-in person's unread in-app notifications and leads to
their notifications page, where each is marked read."""

from __future__ import annotations

import pytest

from notifications.models import UserNotification
from notifications.web.views import header_bell
from tests.notifications.rows import note_make

pytestmark = pytest.mark.django_db


def test_the_bell_shows_the_unread_count_on_every_page(alice_web, alice, bob):
    note_make(alice)
    note_make(alice)
    UserNotification.objects.filter(pk=note_make(alice).pk).update(read=True)
    note_make(bob)
    page = alice_web.get("/repositories/").content.decode()
    assert 'id="notification-bell" href="/notifications/"' in page
    assert 'id="notification-count">2<' in page


def test_no_count_without_unread_and_no_bell_signed_out(alice_web, alice, client):
    UserNotification.objects.filter(pk=note_make(alice).pk).update(read=True)
    assert 'id="notification-count"' not in alice_web.get("/repositories/").content.decode()
    assert 'id="notification-bell"' not in client.get("/repositories/").content.decode()


def test_the_page_lists_the_persons_notifications_and_marks_one_read(alice_web, alice, bob):
    note = note_make(alice, "quota_warning", namespace="acme", message="80% of the quota")
    note_make(alice, "repo_push", repository="acme/app", updated_tags=["v1", "latest"])
    note_make(bob, message="for bob")
    page = alice_web.get("/notifications/").content.decode()
    assert "Quota Warning" in page
    assert "Quota warning for namespace acme · 80% of the quota" in page
    assert "Repository acme/app updated · tags v1, latest" in page
    assert "for bob" not in page
    response = alice_web.post(f"/notifications/{note.uuid}/read")
    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    note.refresh_from_db()
    assert note.read is True
    assert 'id="notification-count">1<' in alice_web.get("/notifications/").content.decode()


def test_someone_elses_notification_cannot_be_marked(bob_web, alice):
    note = note_make(alice)
    assert bob_web.post(f"/notifications/{note.uuid}/read").status_code == 404
    assert bob_web.post("/notifications/not-a-uuid/read").status_code == 404
    note.refresh_from_db()
    assert note.read is False


def test_the_page_needs_a_sign_in(client):
    assert client.get("/notifications/").status_code == 302


def test_the_bell_costs_one_query(alice, django_assert_num_queries, rf):
    note_make(alice)
    request = rf.get("/repositories/")
    request.user = alice
    with django_assert_num_queries(1):
        assert 'id="notification-count">1<' in header_bell(request)
