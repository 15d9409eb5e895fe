"""/api/v1/user/quota... (the signed-in user's own, read only) and the superuser paths
/api/v1/superuser/{users,organization}/{namespace}/quota... (superusers only)."""

from __future__ import annotations

import pytest

from quota.models import NamespaceQuota, QuotaLimit
from tests.quota.api.conftest import error_message, rows

pytestmark = pytest.mark.django_db
GIB = 1024**3


def post(client, path: str, body: object):
    return client.post(path, body, content_type="application/json")


def put(client, path: str, body: object):
    return client.put(path, body, content_type="application/json")


@pytest.fixture
def alice_quota(alice) -> NamespaceQuota:
    quota = NamespaceQuota.objects.create(namespace=alice.namespace, limit_bytes=GIB)
    QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
    return quota


def test_a_user_reads_their_own_quota_and_limits(alice_client, alice_quota):
    rule = alice_quota.limits.get()
    limit = {"id": rule.pk, "type": "Reject", "limit_percent": 100}
    body = {
        "id": alice_quota.pk,
        "limit_bytes": GIB,
        "default_config": False,
        "limits": [limit],
        "default_config_exists": False,
    }
    assert alice_client.get("/api/v1/user/quota").json() == [body]
    assert alice_client.get(f"/api/v1/user/quota/{alice_quota.pk}").json() == body
    assert alice_client.get(f"/api/v1/user/quota/{alice_quota.pk}/limit").json() == [limit]
    assert alice_client.get(f"/api/v1/user/quota/{alice_quota.pk}/limit/{rule.pk}").json() == limit


def test_the_user_list_shows_no_default_in_place_of_a_quota(alice_client, settings):
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = GIB
    assert alice_client.get("/api/v1/user/quota").json() == []


def test_another_users_quota_is_not_found(bob_client, alice_quota):
    assert bob_client.get("/api/v1/user/quota").json() == []
    assert bob_client.get(f"/api/v1/user/quota/{alice_quota.pk}").status_code == 404
    assert bob_client.get(f"/api/v1/user/quota/{alice_quota.pk}/limit").status_code == 404


def test_user_quota_paths_take_no_writes(alice_client, alice_quota):
    before = rows()
    assert post(alice_client, "/api/v1/user/quota", {"limit_bytes": GIB}).status_code == 405
    assert alice_client.delete(f"/api/v1/user/quota/{alice_quota.pk}").status_code == 405
    assert rows() == before


def test_user_quota_paths_refuse_anonymous_callers_and_vanish_with_the_feature(
    client, alice_client, settings
):
    assert client.get("/api/v1/user/quota").status_code == 401
    settings.FEATURE_QUOTA_MANAGEMENT = False
    response = alice_client.get("/api/v1/user/quota")
    assert (response.status_code, error_message(response)) == (404, "no API resource at /api/v1/user/quota")


@pytest.mark.parametrize("prefix", ["users", "organization"])
@pytest.mark.parametrize("namespace", ["alice", "acme"])
def test_a_superuser_manages_any_namespaces_quota_on_either_prefix(root_client, acme, prefix, namespace):
    base = f"/api/v1/superuser/{prefix}/{namespace}/quota"
    response = post(root_client, base, {"limit_bytes": GIB})
    assert (response.status_code, response.json()) == (201, "Created")
    quota = NamespaceQuota.objects.get(namespace__name=namespace)

    assert (
        post(
            root_client, f"{base}/{quota.pk}/limit", {"type": "Warning", "threshold_percent": 90}
        ).status_code
        == 201
    )
    rule = QuotaLimit.objects.get(quota=quota)
    limit = {"id": rule.pk, "type": "Warning", "limit_percent": 90}
    assert root_client.get(f"{base}/{quota.pk}/limit").json() == [limit]
    assert root_client.get(f"{base}/{quota.pk}/limit/{rule.pk}").json() == limit

    changed = put(root_client, f"{base}/{quota.pk}", {"limit_bytes": 3 * GIB})
    assert changed.json() == {
        "id": quota.pk,
        "limit_bytes": 3 * GIB,
        "default_config": False,
        "limits": [limit],
        "default_config_exists": False,
    }
    assert root_client.get(base).json() == [changed.json()]
    assert put(root_client, f"{base}/{quota.pk}/limit/{rule.pk}", {"type": "Reject"}).status_code == 200
    assert QuotaLimit.objects.get(pk=rule.pk).kind == "Reject"
    assert root_client.delete(f"{base}/{quota.pk}/limit/{rule.pk}").status_code == 204
    assert root_client.delete(f"{base}/{quota.pk}").status_code == 204
    assert rows() == ([], [])


def test_the_superuser_list_shows_no_default_in_place_of_a_quota(root_client, alice, settings):
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = GIB
    assert root_client.get("/api/v1/superuser/users/alice/quota").json() == []


def test_superuser_paths_refuse_everyone_else(alice_client, client, alice_quota):
    base = "/api/v1/superuser/users/alice/quota"
    rule = alice_quota.limits.get()
    before = rows()
    calls = [
        ("GET", base),
        ("POST", base),
        ("PUT", f"{base}/{alice_quota.pk}"),
        ("DELETE", f"{base}/{alice_quota.pk}"),
        ("GET", f"{base}/{alice_quota.pk}/limit"),
        ("POST", f"{base}/{alice_quota.pk}/limit"),
        ("GET", f"{base}/{alice_quota.pk}/limit/{rule.pk}"),
        ("PUT", f"{base}/{alice_quota.pk}/limit/{rule.pk}"),
        ("DELETE", f"{base}/{alice_quota.pk}/limit/{rule.pk}"),
    ]
    for method, path in calls:
        assert client.generic(method, path, "{}", "application/json").status_code == 401, (method, path)
        response = alice_client.generic(method, path, "{}", "application/json")
        assert response.status_code == 403, (method, path)
        assert error_message(response) == "superusers only"
    assert rows() == before


def test_superuser_paths_answer_404_for_a_missing_namespace_and_bad_input_400(root_client, alice_quota):
    assert root_client.get("/api/v1/superuser/users/nobody/quota").status_code == 404
    before = rows()
    response = post(root_client, "/api/v1/superuser/users/alice/quota", {"limit_bytes": GIB})
    assert (response.status_code, error_message(response)) == (400, "Quota for 'alice' already exists")
    bad = post(root_client, f"/api/v1/superuser/users/alice/quota/{alice_quota.pk}/limit", {"type": "x"})
    assert bad.status_code == 400
    assert rows() == before


def test_superuser_paths_vanish_with_the_feature(root_client, alice, settings):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    assert root_client.get("/api/v1/superuser/users/alice/quota").status_code == 404
    assert post(root_client, "/api/v1/superuser/users/alice/quota", {"limit_bytes": GIB}).status_code == 404
    assert rows() == ([], [])


def test_superuser_paths_take_quays_human_readable_limit(root_client, alice):
    base = "/api/v1/superuser/users/alice/quota"
    assert post(root_client, base, {"limit": "10 GiB"}).status_code == 201
    quota = NamespaceQuota.objects.get()
    assert quota.limit_bytes == 10 * GIB

    assert put(root_client, f"{base}/{quota.pk}", {"limit": "500 MB"}).json()["limit_bytes"] == 500 * 1000**2
    before = rows()
    for body in ({"limit": "lots"}, {"limit": "0 B"}, {"limit": 5}):
        response = put(root_client, f"{base}/{quota.pk}", body)
        assert response.status_code == 400, body
    assert error_message(put(root_client, f"{base}/{quota.pk}", {"limit": "lots"})) == "Invalid limit format"
    assert rows() == before


def test_a_superuser_create_without_either_limit_is_a_400(root_client, alice):
    response = post(root_client, "/api/v1/superuser/users/alice/quota", {})
    assert (response.status_code, error_message(response)) == (
        400,
        "limit_bytes: This field (or limit) is required.",
    )
    assert rows() == ([], [])
