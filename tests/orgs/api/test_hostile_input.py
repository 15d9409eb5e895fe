"""Every operation of the discovery document, fed what a fuzzer or an attacker sends: bodies
nested far deeper than any API takes, integers beyond 64 bits and of thousands of digits in every
integer query parameter and body field, forged page tokens. Each answer is a 4xx in Quay's error
shape (never a 5xx, never HTML), for a superuser's session and for nobody at all.

A fast, targeted companion to test_schemathesis.py, which explores the documented inputs.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from orgs.services import robot_create, team_create, team_member_add
from tests.api_fixtures import repository_make

KNOWN_PATH_VALUES = {
    "repository": "acme/app",
    "orgname": "acme",
    "name": "acme",
    "username": "bob",
    "membername": "bob",
    "teamname": "devs",
    "robot_shortname": "bot",
    "prefix": "b",
    "tag": "latest",
}
DEEP_BODIES = ["[" * 100_000, '{"a":' * 100_000, "[" * 200 + "]" * 200, '{"a":' * 200 + "1" + "}" * 200]
HUGE_INTEGERS = [2**64, -(2**64), 10**40, int("9" * 1000), int("9" * 4000)]
HUGE_INTEGER_TEXTS = ["9" * 25, "-" + "9" * 25, "9" * 5000]
ERROR_KEYS = {"status", "error_type", "title", "type", "detail", "error_message"}


@pytest.fixture
def world(alice, bob, acme, settings):
    settings.SUPER_USERS = ["alice"]
    repository_make(acme, "app", public=True)
    devs = team_create(organization=acme, name="devs", role="member")
    team_member_add(team=devs, user=bob)
    robot_create(namespace=acme.namespace, short_name="bot")


@pytest.fixture
def document(client, db) -> dict:
    return client.get("/api/v1/discovery").json()


def _operations(document: dict, methods: set[str]) -> list[tuple[str, str, dict]]:
    found = []
    for template, item in document["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda match: KNOWN_PATH_VALUES.get(match[1], "x"), template)
        found += [(method, path, operation) for method, operation in item.items() if method in methods]
    return found


def _schema(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _integer_fields(document: dict, operation: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return []
    properties = _schema(document, content["schema"]).get("properties", {})
    return [
        name
        for name, schema in properties.items()
        if _schema(document, schema).get("type") in ("integer", "number")
    ]


def _assert_api_error(response, what: str) -> None:
    assert 400 <= response.status_code < 500, (what, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), what
    assert ERROR_KEYS <= set(response.json()), what


def _clients(alice) -> dict[str, Client]:
    session = Client()
    session.force_login(alice)
    return {"superuser": session, "anonymous": Client()}


def test_deeply_nested_bodies_are_refused_everywhere(world, alice, document):
    operations = _operations(document, {"post", "put", "patch"})
    assert len(operations) > 20
    for who, client in _clients(alice).items():
        for method, path, operation in operations:
            for body in DEEP_BODIES:
                response = getattr(client, method)(path, body, content_type="application/json")
                what = f"{who} {method.upper()} {path} nested {len(body)}"
                if "requestBody" in operation:
                    _assert_api_error(response, what)
                else:
                    # An operation that takes no body never reads it.
                    assert response.status_code < 500, what


def test_huge_integers_in_query_parameters_are_refused(world, alice, document):
    client = _clients(alice)["superuser"]
    checked = 0
    for method, path, operation in _operations(document, {"get", "post", "put"}):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or parameter["schema"].get("type") not in ("integer", "number"):
                continue
            for text in HUGE_INTEGER_TEXTS:
                response = getattr(client, method)(f"{path}?{parameter['name']}={text}")
                checked += 1
                assert response.status_code < 500, (method, path, parameter["name"], response.content[:300])
                assert response["Content-Type"].startswith("application/json")
    assert checked >= 6


def test_huge_integers_in_body_fields_are_refused(world, alice, document):
    client = _clients(alice)["superuser"]
    checked = 0
    for method, path, operation in _operations(document, {"post", "put", "patch"}):
        for field in _integer_fields(document, operation):
            for number in HUGE_INTEGERS:
                body = f'{{"{field}": {number}}}'
                response = getattr(client, method)(path, body, content_type="application/json")
                checked += 1
                _assert_api_error(response, f"{method.upper()} {path} {field}={str(number)[:30]}")
    assert checked >= 10


@pytest.mark.parametrize(
    "token", ["garbage", "eyJvZmZzZXQiOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ:x:y", "9" * 5000]
)
def test_forged_page_tokens_are_refused(world, alice, document, token):
    client = _clients(alice)["superuser"]
    pages = [
        (method, path)
        for method, path, operation in _operations(document, {"get"})
        if any(parameter["name"] == "next_page" for parameter in operation.get("parameters", []))
    ]
    assert len(pages) >= 4
    for _, path in pages:
        separator = "&" if "?" in path else "?"
        query = "namespace=acme&" if path.endswith("/repository") else ""
        _assert_api_error(client.get(f"{path}{separator}{query}next_page={token}"), path)


@pytest.mark.parametrize("day", ["12/31/9999", "01/01/0001", "99/99/99999999999999999999"])
def test_log_windows_at_the_edge_of_the_calendar_are_not_a_server_error(world, alice_client, day):
    for path in ("/api/v1/user/logs", "/api/v1/organization/acme/logs", "/api/v1/repository/acme/app/logs"):
        for parameter in ("starttime", "endtime"):
            response = alice_client.get(path, {parameter: day})
            assert response.status_code < 500, (path, parameter, day)


def test_a_body_over_the_size_limit_is_quays_413(alice_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = alice_client.post(
        "/api/v1/organization/", '{"name": "' + "a" * 2000 + '"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "the request body exceeds 1000 bytes"


def test_a_server_error_is_quays_json_and_logged(alice_client, monkeypatch, caplog):
    def broken(**kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("orgs.api.views.organization_roles_for", broken)
    response = alice_client.get("/api/v1/user/")
    assert response.status_code == 500
    assert response.json()["error_type"] == "server_error"
    assert "a bug" not in response.content.decode()
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)
