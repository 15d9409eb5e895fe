"""The caller's in-app notifications on Quay's /api/v1/user/notifications: a page of their own,
newest first, with ``additional`` while more follow; PUT ``dismissed`` marks one read."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from django.test import Client

from notifications.models import UserNotification
from tests.api_fixtures import bearer, token_for
from tests.notifications.rows import note_make

pytestmark = pytest.mark.django_db

BASE = "/api/v1/user/notifications"


def test_the_listing_shows_the_callers_notifications_in_quays_shape(alice_client, alice, bob):
    note = note_make(alice, "quota_warning", organization="acme", message="80% of the quota")
    note_make(bob)
    assert alice_client.get(BASE).json() == {
        "notifications": [
            {
                "id": str(note.uuid),
                "organization": "acme",
                "kind": "quota_warning",
                "created": formatdate(note.created.timestamp()),
                "metadata": {"organization": "acme", "message": "80% of the quota"},
                "dismissed": False,
            }
        ],
        "additional": False,
    }


def test_pages_go_newest_first_and_say_when_more_follow(alice_client, alice):
    notes = [note_make(alice, message=str(index)) for index in range(3)]
    first = alice_client.get(BASE, {"limit": 2}).json()
    assert [row["id"] for row in first["notifications"]] == [str(notes[2].uuid), str(notes[1].uuid)]
    assert first["additional"] is True
    second = alice_client.get(BASE, {"limit": 2, "page": 1}).json()
    assert ([row["id"] for row in second["notifications"]], second["additional"]) == (
        [str(notes[0].uuid)],
        False,
    )


def test_put_dismissed_marks_read_and_back(alice_client, alice):
    note = note_make(alice)
    response = alice_client.put(f"{BASE}/{note.uuid}", {"dismissed": True}, content_type="application/json")
    assert (response.status_code, response.json()["dismissed"]) == (200, True)
    note.refresh_from_db()
    assert note.read is True
    alice_client.put(f"{BASE}/{note.uuid}", {"dismissed": False}, content_type="application/json")
    note.refresh_from_db()
    assert note.read is False


def test_someone_elses_notification_is_a_404_and_stays_unread(bob_client, alice):
    note = note_make(alice)
    assert bob_client.get(f"{BASE}/{note.uuid}").status_code == 404
    response = bob_client.put(f"{BASE}/{note.uuid}", {"dismissed": True}, content_type="application/json")
    assert response.status_code == 404
    assert bob_client.get(f"{BASE}/not-a-uuid").status_code == 404
    note.refresh_from_db()
    assert note.read is False


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": "many"}, {"limit": 101}, {"page": -1}, {"page": 10**12}]
)
def test_a_bad_page_is_a_400(alice_client, alice, query):
    assert alice_client.get(BASE, query).status_code == 400


def test_a_bad_dismissed_is_a_400_and_changes_nothing(alice_client, alice):
    note = note_make(alice)
    response = alice_client.put(
        f"{BASE}/{note.uuid}", {"dismissed": "maybe"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error_message"].startswith("dismissed:")
    assert UserNotification.objects.get().read is False


def test_nobody_signed_in_gets_401(client, alice):
    note = note_make(alice)
    assert client.get(BASE).status_code == 401
    assert (
        client.put(f"{BASE}/{note.uuid}", {"dismissed": True}, content_type="application/json").status_code
        == 401
    )


def test_a_bearer_token_needs_user_admin(application, alice):
    note = note_make(alice)
    client = Client()
    assert client.get(BASE, **bearer(token_for(application, alice, "user:read"))).status_code == 403
    listed = client.get(BASE, **bearer(token_for(application, alice, "user:admin"))).json()
    assert [row["id"] for row in listed["notifications"]] == [str(note.uuid)]
