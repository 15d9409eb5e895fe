"""Auto-prune policies on Quay's paths and JSON: organization and repository admins manage them,
others get 403 (404 for a repository they cannot read); bad values get Quay's 400 saying what is
allowed; ?dry_run=true lists what the policies would prune now and deletes nothing."""

from __future__ import annotations

import pytest

from orgs.models import AuditLog
from orgs.services import team_create
from orgs.services.teams import team_member_add
from pruning.models import AutoPruneTaskStatus, NamespaceAutoPrunePolicy, RepositoryAutoPrunePolicy
from registry.services.permissions import permission_set
from tests.pruning.conftest import live_tags, repository_with_tags

pytestmark = pytest.mark.django_db

ORG = "/api/v1/organization/acme/autoprunepolicy/"
USER = "/api/v1/user/autoprunepolicy/"
REPO = "/api/v1/repository/acme/app/autoprunepolicy/"


def _post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def test_an_organization_policy_round_trips_in_quays_json(alice_client, acme):
    created = _post(alice_client, ORG, {"method": "number_of_tags", "value": 10, "tagPattern": " ^dev- "})
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    expected = {
        "uuid": uuid,
        "method": "number_of_tags",
        "value": 10,
        "tagPattern": "^dev-",
        "tagPatternMatches": True,
    }
    assert alice_client.get(ORG + uuid).json() == expected
    assert alice_client.get(ORG).json() == {"policies": [expected]}
    updated = alice_client.put(
        ORG + uuid,
        {"method": "creation_date", "value": "2w", "tagPatternMatches": False},
        content_type="application/json",
    )
    assert updated.status_code == 204
    assert alice_client.get(ORG + uuid).json() == {
        "uuid": uuid,
        "method": "creation_date",
        "value": "2w",
        "tagPattern": None,
        "tagPatternMatches": False,
    }
    deleted = alice_client.delete(ORG + uuid)
    assert (deleted.status_code, deleted.json()) == (200, {"uuid": uuid})
    assert alice_client.get(ORG + uuid).status_code == 404
    kinds = AuditLog.objects.filter(kind__endswith="namespace_autoprune_policy").values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == [
        "create_namespace_autoprune_policy",
        "delete_namespace_autoprune_policy",
        "update_namespace_autoprune_policy",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"method": "number_of_tags"}, "Missing the following parameters: method, value"),
        ({"method": "most_recent", "value": 3}, "allowed: number_of_tags, creation_date"),
        ({"method": "number_of_tags", "value": 0}, "expected a whole number of tags to keep"),
        ({"method": "creation_date", "value": "fortnight"}, "a number and one of s, m, h, d, w"),
        (
            {"method": "number_of_tags", "value": 3, "tagPattern": "(unclosed"},
            "not a valid regular expression",
        ),
    ],
)
def test_a_bad_policy_is_a_400_saying_what_is_allowed(alice_client, acme, body, message):
    response = _post(alice_client, ORG, body)
    assert response.status_code == 400
    assert response.json()["error_type"] == "invalid_request"
    assert message in response.json()["error_message"]
    assert not NamespaceAutoPrunePolicy.objects.exists()
    assert not AutoPruneTaskStatus.objects.exists()


def test_an_organization_member_who_is_not_admin_gets_403(alice, bob, bob_client, acme):
    team = team_create(organization=acme, name="readers", role="member", actor=alice)
    team_member_add(team=team, user=bob, actor=alice)
    assert _post(bob_client, ORG, {"method": "number_of_tags", "value": 3}).status_code == 403
    assert bob_client.get(ORG).status_code == 403


def test_a_missing_organization_is_a_404(alice_client):
    assert alice_client.get("/api/v1/organization/nobody/autoprunepolicy/").status_code == 404


def test_anonymous_callers_get_401(client, acme):
    assert client.get(ORG).status_code == 401


def test_the_user_endpoints_manage_the_callers_own_namespace(alice, alice_client, bob_client):
    uuid = _post(alice_client, USER, {"method": "creation_date", "value": "30d"}).json()["uuid"]
    assert NamespaceAutoPrunePolicy.objects.get(uuid=uuid).namespace_id == alice.namespace_id
    assert [policy["uuid"] for policy in alice_client.get(USER).json()["policies"]] == [uuid]
    assert bob_client.get(USER).json() == {"policies": []}
    assert bob_client.get(USER + uuid).status_code == 404
    assert bob_client.delete(USER + uuid).status_code == 404
    assert alice_client.delete(USER + uuid).status_code == 200


def test_a_repository_policy_needs_repository_admin(alice, bob, bob_client, alice_client, acme):
    repository = repository_with_tags(acme, "app", ["a"])
    # Unreadable: as if missing.
    assert _post(bob_client, REPO, {"method": "number_of_tags", "value": 3}).status_code == 404
    permission_set(repository=repository, user=bob, role="write", actor=alice)
    assert _post(bob_client, REPO, {"method": "number_of_tags", "value": 3}).status_code == 403
    permission_set(repository=repository, user=bob, role="admin", actor=alice)
    created = _post(bob_client, REPO, {"method": "number_of_tags", "value": 3})
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert RepositoryAutoPrunePolicy.objects.get(uuid=uuid).repository_id == repository.pk
    assert alice_client.get(REPO + uuid).json()["value"] == 3
    assert alice_client.get("/api/v1/repository/acme/other/autoprunepolicy/" + uuid).status_code == 404


def test_the_dry_run_lists_what_would_be_pruned_and_deletes_nothing(alice_client, acme):
    repository = repository_with_tags(acme, "app", ["v1", "v2", "v3"])
    repository_with_tags(acme, "lib", ["x1", "x2"])
    org_uuid = _post(alice_client, ORG, {"method": "number_of_tags", "value": 2}).json()["uuid"]
    repo_uuid = _post(alice_client, REPO, {"method": "number_of_tags", "value": 1}).json()["uuid"]
    assert alice_client.get(ORG + "?dry_run=true").json()["prunable"] == [
        {"repository": "app", "tag": "v1", "policy": org_uuid},
        {"repository": "app", "tag": "v2", "policy": repo_uuid},
    ]
    preview = alice_client.get(REPO + "?dry_run=true").json()
    assert [policy["uuid"] for policy in preview["policies"]] == [repo_uuid]
    assert [tag["tag"] for tag in preview["prunable"]] == ["v1", "v2"]
    assert "prunable" not in alice_client.get(REPO).json()
    assert live_tags(repository) == ["v1", "v2", "v3"]


def test_the_discovery_document_lists_the_policy_operations(client):
    paths = client.get("/api/v1/discovery").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/organization/{orgname}/autoprunepolicy/"])
    assert {"get", "put", "delete"} <= set(
        paths["/api/v1/repository/{repository}/autoprunepolicy/{policy_uuid}"]
    )
    assert "/api/v1/user/autoprunepolicy/{policy_uuid}" in paths
