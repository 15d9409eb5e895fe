"""Registry logins with every kind of credential, and what the token records of it."""

from __future__ import annotations

import base64
import json
import threading

import pytest

from orgs.models import Namespace, User
from orgs.services import app_token_create, app_token_revoke, robot_create, robot_delete
from tests.conftest import basic_auth

pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str):
    return client.get(
        "/v2/auth", {"service": "testserver"}, HTTP_AUTHORIZATION=basic_auth(username, password)
    )


def _context(response) -> dict:
    payload = response.json()["token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["context"]


def test_password_login_is_recorded_as_password(client, alice):
    response = _login(client, "alice", "correct horse battery")
    assert response.status_code == 200
    assert _context(response)["credential"] == "password"


def test_app_token_logs_in_until_revoked(client, alice):
    token_row, token = app_token_create(user=alice, title="laptop")
    response = _login(client, "alice", token)
    assert response.status_code == 200
    context = _context(response)
    assert (context["user_id"], context["credential"]) == (alice.pk, f"app_token:{token_row.code}")
    app_token_revoke(token=token_row)
    assert _login(client, "alice", token).status_code == 401


def test_app_token_of_another_user_is_refused(client, alice, bob):
    _, token = app_token_create(user=alice, title="laptop")
    assert _login(client, "bob", token).status_code == 401


def test_robot_logs_in_with_its_token_until_deleted(client, acme):
    robot, token = robot_create(namespace=Namespace.objects.get(name="acme"), short_name="deployer")
    response = _login(client, "acme+deployer", token)
    assert response.status_code == 200
    assert _context(response)["credential"] == "robot"
    robot_delete(robot=robot)
    assert _login(client, "acme+deployer", token).status_code == 401


def test_robot_cannot_log_in_with_a_guess(client, acme):
    robot_create(namespace=Namespace.objects.get(name="acme"), short_name="deployer")
    assert _login(client, "acme+deployer", "not-the-token").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_logins_of_one_account_check_the_password_once(monkeypatch):
    from django.db import connections

    import orgs.authentication
    from orgs.services import user_create

    user_create(username="carol", password="correct horse battery")
    logins = 5
    calls = []
    overlapped = []
    real_authenticate = orgs.authentication.authenticate
    real_remembered_user = orgs.authentication._remembered_user
    # The first login misses the memory twice (before and under the username's lock), each other
    # login once before it waits on that lock: the handshake after which all five overlap.
    misses, misses_lock, all_missed = [0], threading.Lock(), threading.Event()

    def counting_remembered_user(username: str, password: str):
        user = real_remembered_user(username, password)
        if user is None:
            with misses_lock:
                misses[0] += 1
                if misses[0] >= logins + 1:
                    all_missed.set()
        return user

    def authenticate_once_all_wait(**credentials):
        calls.append(credentials["username"])
        # Holds the password check until every other login has found nothing remembered, so
        # each of them must wait for this check rather than arriving after it.
        overlapped.append(all_missed.wait(10))
        return real_authenticate(**credentials)

    monkeypatch.setattr(orgs.authentication, "_remembered_user", counting_remembered_user)
    monkeypatch.setattr(orgs.authentication, "authenticate", authenticate_once_all_wait)
    results: list[User | None] = []

    def login() -> None:
        try:
            results.append(
                orgs.authentication.credentials_verify(username="carol", password="correct horse battery")
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=login) for _ in range(logins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert overlapped == [True]
    assert [user.username if user else None for user in results] == ["carol"] * logins
    assert calls == ["carol"]
