"""Copy-paste commands work on the install that shows them: plain HTTP needs --tls-verify=false
for podman and skopeo and an insecure-registries entry for docker; https needs neither."""

from __future__ import annotations

import html

import pytest

from tests.web_fixtures import image_push

INSECURE = "--tls-verify=false"
DAEMON_JSON = "/etc/docker/daemon.json"


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _robot_reveal(client) -> str:
    response = client.post("/organization/acme/robots/", {"name": "deployer", "description": "CI"})
    return _page(client, response["Location"])


def _app_token_reveal(client) -> str:
    response = client.post("/account/tokens/new", {"title": "laptop"})
    return _page(client, response["Location"])


@pytest.fixture
def plain_http(settings) -> None:
    settings.PREFERRED_URL_SCHEME = "http"


@pytest.fixture
def https(settings) -> None:
    settings.PREFERRED_URL_SCHEME = "https"


def test_pull_commands_on_plain_http_skip_tls_checks_and_explain_docker(plain_http, alice_web, acme_app):
    image_push(acme_app, "v1", layer=b"layer")
    page = _page(alice_web, "/repository/acme/app/")
    assert f"podman pull {INSECURE} testserver/acme/app:v1" in page
    assert f"skopeo copy {INSECURE} docker://testserver/acme/app:v1 oci:app" in page
    assert "docker pull testserver/acme/app:v1" in page
    assert DAEMON_JSON in page and '"insecure-registries": [\n    "testserver"\n  ]' in page


def test_pull_commands_on_https_verify_tls_and_say_nothing_of_insecure_registries(https, alice_web, acme_app):
    image_push(acme_app, "v1", layer=b"layer")
    page = _page(alice_web, "/repository/acme/app/")
    assert "podman pull testserver/acme/app:v1" in page
    assert "skopeo copy docker://testserver/acme/app:v1 oci:app" in page
    assert INSECURE not in page and "insecure-registries" not in page


def test_robot_token_login_commands_on_plain_http(plain_http, alice_web, acme):
    page = _robot_reveal(alice_web)
    assert f"podman login {INSECURE} -u acme+deployer -p " in page
    assert f"skopeo login {INSECURE} -u acme+deployer -p " in page
    assert "docker login -u acme+deployer -p " in page and DAEMON_JSON in page


def test_robot_token_login_commands_on_https(https, alice_web, acme):
    page = _robot_reveal(alice_web)
    assert "podman login -u acme+deployer -p " in page and "docker login -u acme+deployer -p " in page
    assert INSECURE not in page and DAEMON_JSON not in page


def test_app_token_login_commands_on_plain_http(plain_http, alice_web):
    page = _app_token_reveal(alice_web)
    assert f"podman login {INSECURE} -u alice -p " in page and DAEMON_JSON in page


def test_app_token_login_commands_on_https(https, alice_web):
    page = _app_token_reveal(alice_web)
    assert "podman login -u alice -p " in page
    assert INSECURE not in page and DAEMON_JSON not in page


def test_home_page_push_example_on_plain_http(plain_http, client, db):
    page = _page(client, "/")
    assert f"podman login {INSECURE} testserver" in page
    assert f"podman push {INSECURE} IMAGE testserver/NAMESPACE/REPOSITORY:TAG" in page
    assert DAEMON_JSON in page


def test_home_page_push_example_on_https(https, client, db):
    page = _page(client, "/")
    assert "podman login testserver" in page and "podman push IMAGE testserver/" in page
    assert INSECURE not in page and DAEMON_JSON not in page


def test_empty_repository_push_hint_on_plain_http(plain_http, alice_web, acme_app):
    page = _page(alice_web, "/repository/acme/app/")
    assert f"podman push {INSECURE} IMAGE testserver/acme/app:TAG" in page


def test_empty_repository_push_hint_on_https(https, alice_web, acme_app):
    page = _page(alice_web, "/repository/acme/app/")
    assert "podman push IMAGE testserver/acme/app:TAG" in page and INSECURE not in page


def test_empty_repository_names_no_tag_to_pull(alice_web, acme_app):
    page = _page(alice_web, "/repository/acme/app/")
    assert ":latest" not in page
    assert "Nothing to pull yet" in page
