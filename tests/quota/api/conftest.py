"""The quota API's callers: a superuser (root), acme's administrator (alice), a member of acme
who administers nothing (bob), and someone outside it (carol); quota management on."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.models import User
from orgs.services import team_create, user_create
from orgs.services.teams import team_member_add
from quota.models import NamespaceQuota, QuotaLimit
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def quota_on(settings):
    settings.FEATURE_QUOTA_MANAGEMENT = True
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 0
    settings.SUPER_USERS = ["root"]


@pytest.fixture
def root(db) -> User:
    return user_create(username="root", password=PASSWORD)


@pytest.fixture
def carol(db) -> User:
    return user_create(username="carol", password=PASSWORD)


@pytest.fixture
def member_of_acme(acme, bob) -> User:
    team_member_add(team=team_create(organization=acme, name="devs", role="member"), user=bob)
    return bob


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def root_client(root) -> Client:
    return logged_in(root)


@pytest.fixture
def carol_client(carol) -> Client:
    return logged_in(carol)


def rows() -> tuple[list, list]:
    """Every quota and limit row, to show that a refusal changed nothing."""
    quotas = list(NamespaceQuota.objects.order_by("pk").values_list("pk", "namespace__name", "limit_bytes"))
    limits = QuotaLimit.objects.order_by("pk").values_list("pk", "quota_id", "kind", "threshold_percent")
    return quotas, list(limits)


def error_message(response) -> str:
    body = response.json()
    assert body["status"] == response.status_code
    assert body["detail"] == body["error_message"]
    return body["error_message"]
