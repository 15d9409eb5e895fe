"""/api/v1/organization/{org}/quota...: Quay's paths, bodies and status codes; superusers write,
members read, everyone else is refused; bad input is a 400 that changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from orgs.models import AuditLog
from orgs.services import organization_create
from quota.models import NamespaceQuota, QuotaLimit
from tests.api_fixtures import bearer, token_for
from tests.quota.api.conftest import error_message, logged_in, rows

pytestmark = pytest.mark.django_db
BASE = "/api/v1/organization/acme/quota"
GIB = 1024**3


def post(client, path: str, body: object):
    return client.post(path, body, content_type="application/json")


def put(client, path: str, body: object):
    return client.put(path, body, content_type="application/json")


@pytest.fixture
def quota(acme) -> NamespaceQuota:
    return NamespaceQuota.objects.create(namespace=acme.namespace, limit_bytes=GIB)


@pytest.fixture
def warning(quota) -> QuotaLimit:
    return QuotaLimit.objects.create(quota=quota, kind="Warning", threshold_percent=80)


def quota_json(quota: NamespaceQuota, limits: list[QuotaLimit] = ()) -> dict:
    return {
        "id": quota.pk,
        "limit_bytes": quota.limit_bytes,
        "default_config": False,
        "limits": [{"id": r.pk, "type": r.kind, "limit_percent": r.threshold_percent} for r in limits],
        "default_config_exists": False,
    }


def test_a_superuser_creates_the_quota_and_members_read_it(root_client, acme, member_of_acme):
    response = post(root_client, BASE, {"limit_bytes": GIB})
    assert (response.status_code, response.json()) == (201, "Created")

    quota = NamespaceQuota.objects.get(namespace=acme.namespace)
    assert quota.limit_bytes == GIB
    entry = AuditLog.objects.get(kind="org_create_quota")
    assert (entry.performer_name, entry.namespace_name) == ("root", "acme")
    assert entry.metadata == {"namespace": "acme", "limit_bytes": GIB, "limit": "1.0 GiB"}

    member = logged_in(member_of_acme)
    assert member.get(BASE).json() == [quota_json(quota)]
    assert member.get(f"{BASE}/{quota.pk}").json() == quota_json(quota)


def test_without_a_quota_the_list_is_empty_or_the_registry_default(alice_client, acme, settings):
    assert alice_client.get(BASE).json() == []
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 5 * GIB
    default = {"id": None, "limit_bytes": 5 * GIB, "default_config": True, "limits": []}
    assert alice_client.get(BASE).json() == [{**default, "default_config_exists": True}]


def test_a_superuser_changes_the_limit_and_deletes_the_quota(root_client, quota, warning):
    response = put(root_client, f"{BASE}/{quota.pk}", {"limit_bytes": 2 * GIB})
    quota.refresh_from_db()
    assert (response.status_code, response.json()) == (200, quota_json(quota, [warning]))
    assert quota.limit_bytes == 2 * GIB
    assert AuditLog.objects.get(kind="org_change_quota").metadata["previous_limit_bytes"] == GIB

    assert root_client.delete(f"{BASE}/{quota.pk}").status_code == 204
    assert rows() == ([], [])
    assert root_client.get(BASE).json() == []


def test_a_put_without_limit_bytes_changes_nothing_and_answers_the_quota(root_client, quota):
    response = put(root_client, f"{BASE}/{quota.pk}", {})
    assert (response.status_code, response.json()) == (200, quota_json(quota))


def test_limits_are_added_listed_changed_and_deleted(root_client, quota):
    response = post(root_client, f"{BASE}/{quota.pk}/limit", {"type": "Reject", "threshold_percent": 100})
    assert (response.status_code, response.json()) == (201, "Created")
    post(root_client, f"{BASE}/{quota.pk}/limit", {"type": "Warning", "threshold_percent": 70})
    reject, warning = QuotaLimit.objects.get(kind="Reject"), QuotaLimit.objects.get(kind="Warning")

    listed = root_client.get(f"{BASE}/{quota.pk}/limit").json()
    assert listed == [
        {"id": warning.pk, "type": "Warning", "limit_percent": 70},
        {"id": reject.pk, "type": "Reject", "limit_percent": 100},
    ]
    one = root_client.get(f"{BASE}/{quota.pk}/limit/{warning.pk}")
    assert one.json() == {"id": warning.pk, "type": "Warning", "limit_percent": 70}

    response = put(root_client, f"{BASE}/{quota.pk}/limit/{warning.pk}", {"threshold_percent": 85})
    warning.refresh_from_db()
    assert (response.status_code, response.json()) == (200, quota_json(quota, [warning, reject]))
    assert warning.threshold_percent == 85

    assert root_client.delete(f"{BASE}/{quota.pk}/limit/{warning.pk}").status_code == 204
    assert list(QuotaLimit.objects.values_list("pk", flat=True)) == [reject.pk]
    kinds = set(AuditLog.objects.filter(kind__contains="quota_limit").values_list("kind", flat=True))
    assert kinds == {"org_create_quota_limit", "org_change_quota_limit", "org_delete_quota_limit"}


def paths(quota: NamespaceQuota, rule: QuotaLimit) -> dict[str, tuple[str, ...]]:
    return {
        BASE: ("GET", "POST"),
        f"{BASE}/{quota.pk}": ("GET", "PUT", "DELETE"),
        f"{BASE}/{quota.pk}/limit": ("GET", "POST"),
        f"{BASE}/{quota.pk}/limit/{rule.pk}": ("GET", "PUT", "DELETE"),
    }


def call(client, method: str, path: str):
    return client.generic(method, path, data="{}", content_type="application/json")


def test_anonymous_callers_get_401_on_every_path(client, quota, warning):
    for path, methods in paths(quota, warning).items():
        for method in methods:
            response = call(client, method, path)
            assert response.status_code == 401, (method, path)
            assert response.json()["error_type"] == "invalid_token"
    assert rows() == ([(quota.pk, "acme", GIB)], [(warning.pk, quota.pk, "Warning", 80)])


def test_outsiders_get_403_on_every_path(carol_client, quota, warning):
    for path, methods in paths(quota, warning).items():
        for method in methods:
            response = call(carol_client, method, path)
            assert response.status_code == 403, (method, path)
    assert rows() == ([(quota.pk, "acme", GIB)], [(warning.pk, quota.pk, "Warning", 80)])


def test_the_organization_admin_reads_but_may_not_write(alice_client, quota, warning):
    for path, methods in paths(quota, warning).items():
        for method in methods:
            response = call(alice_client, method, path)
            expected = 200 if method == "GET" else 403
            assert response.status_code == expected, (method, path, response.content)
    assert "superusers" in error_message(call(alice_client, "DELETE", f"{BASE}/{quota.pk}"))
    assert rows() == ([(quota.pk, "acme", GIB)], [(warning.pk, quota.pk, "Warning", 80)])


def test_a_missing_organization_is_403_to_outsiders_and_404_to_superusers(carol_client, root_client):
    assert carol_client.get("/api/v1/organization/nosuch/quota").status_code == 403
    assert root_client.get("/api/v1/organization/nosuch/quota").status_code == 404
    assert post(root_client, "/api/v1/organization/nosuch/quota", {"limit_bytes": GIB}).status_code == 404


def test_another_namespaces_quota_and_limit_ids_are_404(root_client, quota, warning, bob):
    other = organization_create(name="other", creator=bob)
    theirs = NamespaceQuota.objects.create(namespace=other.namespace, limit_bytes=GIB)
    their_rule = QuotaLimit.objects.create(quota=theirs, kind="Reject", threshold_percent=100)
    assert root_client.get(f"{BASE}/{theirs.pk}").status_code == 404
    assert root_client.get(f"{BASE}/{quota.pk}/limit/{their_rule.pk}").status_code == 404
    assert root_client.get(f"{BASE}/nonsense").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "limit_bytes: This field is required."),
        ({"limit_bytes": 0}, "limit_bytes must be between 1 and 9223372036854775807, not 0"),
        ({"limit_bytes": -GIB}, "limit_bytes must be between 1"),
        ({"limit_bytes": 2**63}, "limit_bytes must be between 1"),
        ({"limit_bytes": "1073741824"}, "limit_bytes must be a whole number of bytes"),
        ({"limit_bytes": 1.5}, "limit_bytes must be a whole number of bytes"),
        ({"limit_bytes": True}, "limit_bytes must be a whole number of bytes"),
        ({"limit_bytes": None}, "limit_bytes: This field may not be null."),
        ([GIB], "Invalid data. Expected a dictionary"),
    ],
)
def test_a_bad_quota_is_a_400_that_changes_nothing(root_client, acme, body, message):
    response = post(root_client, BASE, body)
    assert response.status_code == 400
    assert message in error_message(response)
    assert response.json()["error_type"] == "invalid_request"
    assert rows() == ([], [])


def test_a_second_quota_is_a_400_that_changes_nothing(root_client, quota):
    response = post(root_client, BASE, {"limit_bytes": 2 * GIB})
    assert (response.status_code, error_message(response)) == (400, "Quota for 'acme' already exists")
    assert rows() == ([(quota.pk, "acme", GIB)], [])


def test_a_bad_change_is_a_400_that_changes_nothing(root_client, quota):
    response = put(root_client, f"{BASE}/{quota.pk}", {"limit_bytes": -1})
    assert response.status_code == 400
    assert rows() == ([(quota.pk, "acme", GIB)], [])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "Warning"}, "threshold_percent: This field is required."),
        ({"threshold_percent": 80}, "type: This field is required."),
        ({"type": "Block", "threshold_percent": 80}, "quota limit type must be one of Warning, Reject"),
        ({"type": "Warning", "threshold_percent": 0}, "threshold_percent must be between 1 and 100, not 0"),
        ({"type": "Warning", "threshold_percent": 101}, "threshold_percent must be between 1 and 100"),
        ({"type": "Warning", "threshold_percent": "80"}, "threshold_percent must be a whole number"),
        ({"type": "Warning", "threshold_percent": 80}, "Quota limit already exists"),
        ({"type": "Reject", "threshold_percent": 95}, "Only one quota limit of type 'Reject' allowed."),
    ],
)
def test_a_bad_limit_is_a_400_that_changes_nothing(root_client, quota, warning, body, message):
    QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
    before = rows()
    response = post(root_client, f"{BASE}/{quota.pk}/limit", body)
    assert response.status_code == 400
    assert message in error_message(response)
    assert rows() == before


def test_a_bad_limit_change_is_a_400_that_changes_nothing(root_client, quota, warning):
    before = rows()
    for body in ({"type": "Soft"}, {"threshold_percent": 200}, {"type": None}):
        response = put(root_client, f"{BASE}/{quota.pk}/limit/{warning.pk}", body)
        assert response.status_code == 400, body
    assert rows() == before


def test_a_limit_on_a_missing_quota_is_404_as_quay(root_client, acme):
    response = post(root_client, f"{BASE}/12345/limit", {"type": "Warning", "threshold_percent": 80})
    assert response.status_code == 404
    assert error_message(response) == "no quota 12345 for namespace 'acme'"
    assert rows() == ([], [])


def test_with_quota_management_off_every_path_is_the_apis_404(root_client, quota, warning, settings):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    for path, methods in paths(quota, warning).items():
        for method in methods:
            response = call(root_client, method, path)
            assert response.status_code == 404, (method, path)
            assert error_message(response) == f"no API resource at {path}"
    assert rows() == ([(quota.pk, "acme", GIB)], [(warning.pk, quota.pk, "Warning", 80)])


def test_writes_need_the_super_user_scope_reads_user_read(application, alice, quota, settings):
    # Tokens come from acme's application, whose tokens only its administrator makes.
    settings.SUPER_USERS = ["alice"]
    reader = bearer(token_for(application, alice, "user:read"))
    writer = bearer(token_for(application, alice, "super:user"))
    client = Client()
    assert client.get(BASE, **reader).status_code == 200
    assert client.delete(f"{BASE}/{quota.pk}", **reader).status_code == 403
    assert rows() == ([(quota.pk, "acme", GIB)], [])
    assert client.delete(f"{BASE}/{quota.pk}", **writer).status_code == 204
