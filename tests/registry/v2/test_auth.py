"""Login, the token endpoint's scope narrowing, and what strangers can and cannot learn."""

from __future__ import annotations

import pytest

from registry.models import Repository
from tests.conftest import Registry, basic_auth
from tests.registry.pushing import push_image

pytestmark = pytest.mark.django_db


def test_ping_without_token_challenges_with_the_token_realm(client, db):
    response = client.get("/v2/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="http://testserver/v2/auth",service="testserver"'
    assert response["Docker-Distribution-API-Version"] == "registry/2.0"
    assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_ping_with_a_token_answers_200(as_alice):
    response = as_alice.client.get("/v2/", HTTP_AUTHORIZATION=f"Bearer {as_alice.token()}")
    assert response.status_code == 200


def test_wrong_password_gets_401_at_the_token_endpoint(client, alice):
    response = client.get(
        "/v2/auth", {"service": "testserver"}, HTTP_AUTHORIZATION=basic_auth("alice", "wrong")
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_disabled_user_cannot_log_in(client, alice):
    Registry(client, "alice").token()
    alice.is_active = False
    alice.save()
    response = client.get("/v2/auth", HTTP_AUTHORIZATION=basic_auth("alice"))
    assert response.status_code == 401


def test_changed_password_stops_the_old_one_at_once(client, alice):
    Registry(client, "alice").token()
    alice.set_password("new password 123")
    alice.save()
    assert client.get("/v2/auth", HTTP_AUTHORIZATION=basic_auth("alice")).status_code == 401
    assert (
        client.get("/v2/auth", HTTP_AUTHORIZATION=basic_auth("alice", "new password 123")).status_code == 200
    )


def test_owner_gets_every_action_on_own_new_repository(as_alice):
    assert as_alice.granted("repository:alice/new:pull,push,delete") == ["delete", "pull", "push"]


def test_stranger_is_narrowed_to_nothing_on_someone_elses_namespace(as_bob, alice):
    assert as_bob.granted("repository:alice/new:pull,push") == []


def test_org_admin_may_push_to_create_in_the_organization(as_alice, acme):
    assert as_alice.granted("repository:acme/tool:pull,push") == ["pull", "push"]


def test_public_repository_grants_only_pull_to_others(as_alice, as_bob, anonymous):
    push_image(as_alice, "alice/pub", "v1")
    Repository.objects.filter(name="pub").update(is_public=True)
    assert as_bob.granted("repository:alice/pub:pull,push,delete") == ["pull"]
    assert anonymous.granted("repository:alice/pub:pull,push") == ["pull"]


def test_anonymous_pull_of_public_repository_works(as_alice, anonymous):
    digest, _ = push_image(as_alice, "alice/pub", "v1")
    Repository.objects.filter(name="pub").update(is_public=True)
    response = anonymous.call("GET", "/v2/alice/pub/manifests/v1", scope="repository:alice/pub:pull")
    assert response.status_code == 200
    assert response["Docker-Content-Digest"] == digest


def test_anonymous_access_switched_off_hides_public_repositories(as_alice, anonymous, settings):
    push_image(as_alice, "alice/pub", "v1")
    Repository.objects.filter(name="pub").update(is_public=True)
    settings.FEATURE_ANONYMOUS_ACCESS = False
    assert anonymous.granted("repository:alice/pub:pull") == []


def test_private_repository_looks_exactly_like_a_missing_one_to_a_stranger(as_alice, as_bob):
    push_image(as_alice, "alice/secret", "v1")
    existing = as_bob.call("GET", "/v2/alice/secret/manifests/v1", scope="repository:alice/secret:pull")
    missing = as_bob.call("GET", "/v2/alice/nothing/manifests/v1", scope="repository:alice/nothing:pull")
    assert existing.status_code == missing.status_code == 401
    assert existing.json() == missing.json()
    assert existing["WWW-Authenticate"].replace("secret", "X") == missing["WWW-Authenticate"].replace(
        "nothing", "X"
    )


def test_push_without_push_scope_is_refused_and_creates_nothing(as_bob, alice):
    response = as_bob.call("POST", "/v2/alice/app/blobs/uploads/", scope="repository:alice/app:push")
    assert response.status_code == 401
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert not Repository.objects.exists()


def test_push_to_create_makes_a_private_repository(as_alice):
    push_image(as_alice, "alice/fresh", "v1")
    repository = Repository.objects.get(name="fresh")
    assert repository.is_public is False
    assert repository.namespace.name == "alice"


def test_read_only_repository_refuses_push_but_serves_pulls(as_alice):
    push_image(as_alice, "alice/frozen", "v1")
    Repository.objects.filter(name="frozen").update(state=Repository.State.READ_ONLY)
    assert as_alice.granted("repository:alice/frozen:pull,push") == ["pull"]


def test_garbage_and_foreign_tokens_are_refused(client, db):
    for token in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJhY2Nlc3MiOltdfQ."]:
        response = client.get("/v2/alice/app/tags/list", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401


def test_token_for_another_service_is_refused(as_alice):
    token = as_alice.token("repository:alice/app:pull,push")
    response = as_alice.client.get(
        "/v2/alice/app/tags/list", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="other.example"
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/v2/../etc/manifests/latest",
        "/v2/alice/UPPER/manifests/latest",
        "/v2/alice/a..b/manifests/latest",
        "/v2/alice/%2e%2e/manifests/latest",
        "/v2/single/manifests/latest",
        "/v2/alice/" + "a" * 300 + "/manifests/latest",
    ],
)
def test_invalid_repository_names_answer_name_invalid(as_alice, path):
    response = as_alice.client.get(path, HTTP_AUTHORIZATION=f"Bearer {as_alice.token()}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "NAME_INVALID"


def test_nested_repository_names_work(as_alice, acme):
    digest, _ = push_image(as_alice, "acme/team/sub/app", "v1")
    response = as_alice.call(
        "GET", "/v2/acme/team/sub/app/manifests/v1", scope="repository:acme/team/sub/app:pull"
    )
    assert response["Docker-Content-Digest"] == digest


def test_token_of_a_user_disabled_since_cannot_create_a_repository(as_alice, alice):
    token = as_alice.token("repository:alice/later:pull,push")
    alice.is_active = False
    alice.save()
    response = as_alice.client.post("/v2/alice/later/blobs/uploads/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert not Repository.objects.filter(name="later").exists()
