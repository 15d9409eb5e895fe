"""The discovery document, Swagger UI, the error body and CSRF on session writes."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def test_discovery_document_loads_as_openapi(client, db):
    response = client.get("/api/v1/discovery", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/repository/{repository}" in document["paths"]


def test_every_operation_has_an_operation_id_and_a_description(client, db):
    document = client.get("/api/v1/discovery", HTTP_ACCEPT="application/json").json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert operations
    for path, method, operation in operations:
        assert operation.get("operationId"), (path, method)
        assert operation.get("description"), (path, method)
    operation_ids = [operation["operationId"] for _, _, operation in operations]
    assert len(operation_ids) == len(set(operation_ids))


def test_swagger_ui_is_served(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    # Its scripts are this server's own (no CDN), and they are there.
    scripts = re.findall(r'src="([^"]+)"', response.content.decode())
    assert scripts and all(src.startswith("/static/") for src in scripts), scripts
    for src in scripts:
        assert finders.find(src.removeprefix("/static/")), src


def test_errors_have_quays_shape(client, db):
    response = client.get("/api/v1/user/")
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "error_type": "invalid_token",
        "title": "invalid_token",
        "type": "/api/v1/error/invalid_token",
        "detail": "Authentication credentials were not provided.",
        "error_message": "Authentication credentials were not provided.",
    }


def test_validation_errors_have_the_same_shape(alice_client):
    response = alice_client.post("/api/v1/organization/", {}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["error_type"] == "invalid_request"
    assert "name" in body["detail"]


def test_session_post_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/v1/organization/", {"name": "initech"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error_type"] == "csrf_failed"
    assert "CSRF" in response.json()["detail"]


def test_session_post_with_csrf_token_is_accepted(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/admin/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/organization/",
        {"name": "initech"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


def test_discovery_document_generates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi:")


def test_every_operation_documents_its_scope_and_its_errors(client, db):
    """An operation names the OAuth scopes it needs, or says it takes the browser's session only,
    and documents the error body for 401, 403 and 404."""
    document = client.get("/api/v1/discovery", HTTP_ACCEPT="application/json").json()
    known_scopes = set(
        document["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]["scopes"]
    )
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            oauth = [
                requirement["oauth2"]
                for requirement in operation.get("security", [])
                if "oauth2" in requirement
            ]
            if oauth:
                assert oauth[0] and set(oauth[0]) <= known_scopes, (path, method)
            else:
                assert "session only" in operation["description"], (path, method)
            for status in ("401", "403", "404"):
                error = operation["responses"][status]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ApiErrorOutput"}, (path, method, status)
