"""A robot's last_accessed (the API's field, the user's last_login) follows its use, written at most
once a minute per robot rather than on every request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import orgs.services.robots
from orgs.models import User
from tests.conftest import Registry
from tests.orgs.conftest import robot_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_touches(monkeypatch):
    monkeypatch.setattr(orgs.services.robots, "_touched", {})


def _updates(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if query["sql"].startswith("UPDATE")]


def test_a_robot_login_records_its_last_access(client, acme):
    robot, secret = robot_make(acme)
    Registry(client, robot.user.username, secret).token("repository:acme/app:pull")
    stamp = User.objects.get(pk=robot.user_id).last_login
    assert stamp is not None and timezone.now() - stamp < timedelta(seconds=30)


def test_repeated_use_within_a_minute_writes_once(client, acme):
    robot, secret = robot_make(acme)
    as_robot = Registry(client, robot.user.username, secret)
    as_robot.token("repository:acme/app:pull")
    with CaptureQueriesContext(connection) as context:
        for _ in range(3):
            as_robot.token("repository:acme/app:pull")
    assert not [sql for sql in _updates(context) if "last_login" in sql]


def test_use_after_a_minute_writes_again(client, acme, monkeypatch):
    robot, secret = robot_make(acme)
    as_robot = Registry(client, robot.user.username, secret)
    as_robot.token("repository:acme/app:pull")
    old = timezone.now() - timedelta(minutes=5)
    User.objects.filter(pk=robot.user_id).update(last_login=old)
    monkeypatch.setattr(orgs.services.robots, "_touched", {})
    as_robot.token("repository:acme/app:pull")
    last_login = User.objects.get(pk=robot.user_id).last_login
    assert last_login is not None and last_login > old
