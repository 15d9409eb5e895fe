"""quotas and quota_report on the organization, user and repository responses: present with
quota management on for those who may see them, exact to the byte."""

from __future__ import annotations

import os

import pytest

from orgs.models import Namespace
from quota.models import NamespaceQuota, QuotaLimit
from tests.quota.api.conftest import logged_in
from tests.quota.test_accounting import config_for, push_image

pytestmark = pytest.mark.django_db
GIB = 1024**3


@pytest.fixture
def pushed(as_alice, acme) -> dict[str, int]:
    """acme/a and acme/b share a layer; each repository's and the namespace's exact bytes."""
    shared, only_b = os.urandom(1000), os.urandom(300)
    first = push_image(as_alice, "acme/a", "v1", [shared])
    second = push_image(as_alice, "acme/b", "v1", [shared, only_b])
    config = len(config_for("amd64"))
    return {
        "a": len(first) + config + 1000,
        "b": len(second) + config + 1000 + 300,
        "acme": len(first) + len(second) + config + 1000 + 300,
    }


def report(quota_bytes: int, configured: int | None) -> dict:
    return {
        "quota_bytes": quota_bytes,
        "configured_quota": configured,
        "running_backfill": "complete",
        "backfill_status": "complete",
    }


def test_members_see_the_organizations_quota_and_report(alice_client, pushed, member_of_acme):
    quota = NamespaceQuota.objects.create(namespace=Namespace.objects.get(name="acme"), limit_bytes=GIB)
    rule = QuotaLimit.objects.create(quota=quota, kind="Warning", threshold_percent=80)
    body = alice_client.get("/api/v1/organization/acme").json()
    assert body["quota_report"] == report(pushed["acme"], GIB)
    assert body["quotas"] == [
        {
            "id": quota.pk,
            "limit_bytes": GIB,
            "default_config": False,
            "limits": [{"id": rule.pk, "type": "Warning", "limit_percent": 80}],
            "default_config_exists": False,
        }
    ]
    assert (
        logged_in(member_of_acme).get("/api/v1/organization/acme").json()["quota_report"]
        == body["quota_report"]
    )


def test_without_a_quota_the_report_names_the_registry_default(alice_client, pushed, settings):
    assert alice_client.get("/api/v1/organization/acme").json()["quota_report"] == report(
        pushed["acme"], None
    )
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 7 * GIB
    body = alice_client.get("/api/v1/organization/acme").json()
    assert (body["quotas"], body["quota_report"]) == ([], report(pushed["acme"], 7 * GIB))


def test_outsiders_and_anonymous_callers_see_no_report(carol_client, client, pushed):
    for caller in (carol_client, client):
        body = caller.get("/api/v1/organization/acme").json()
        assert body["name"] == "acme"
        assert "quota_report" not in body and "quotas" not in body


def test_the_signed_in_users_response_has_their_namespaces_report(as_alice, alice_client, alice):
    manifest = push_image(as_alice, "alice/mine", "v1", [os.urandom(700)])
    NamespaceQuota.objects.create(namespace=alice.namespace, limit_bytes=GIB)
    body = alice_client.get("/api/v1/user/").json()
    assert body["quota_report"] == report(len(manifest) + len(config_for("amd64")) + 700, GIB)
    assert [quota["limit_bytes"] for quota in body["quotas"]] == [GIB]


def test_a_repository_reports_its_own_bytes_against_the_namespace_limit(alice_client, pushed, settings):
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 3 * GIB
    for name in ("a", "b"):
        body = alice_client.get(f"/api/v1/repository/acme/{name}").json()
        assert body["quota_report"] == {"quota_bytes": pushed[name], "configured_quota": 3 * GIB}


def test_with_quota_management_off_no_response_has_a_report(alice_client, pushed, settings):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    for path in ("/api/v1/organization/acme", "/api/v1/user/", "/api/v1/repository/acme/a"):
        body = alice_client.get(path).json()
        assert "quota_report" not in body and "quotas" not in body, path
