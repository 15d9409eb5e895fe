"""Property-based run of schemathesis against the discovery document the application serves.

Every operation gets a bounded number of generated requests, sent through the WSGI application
in this process (its real middleware, views and PostgreSQL database) as a superuser whose OAuth
token carries every scope. Each response must not be a 5xx and must conform to the document:
status code, content type and body schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oauth2_provider.models import Application
from schemathesis import checks

from orgs.models import OrganizationApplication
from orgs.oauth import oauth_token_generate
from orgs.services import robot_create, team_create, team_member_add
from quaysite.wsgi import application as wsgi_application
from tests.api_fixtures import repository_make

EXAMPLES_PER_OPERATION = 25
# What the document promises: no server error, and statuses, content types and bodies as
# documented. Input rules the document does not spell out (a name's pattern) may refuse a
# schema-valid request with 400, so positive_data_acceptance is not among them.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture
def connection_kept(db):
    """Requests run inside the test's transaction, so the end of one must not close the
    connection (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Path parameters drawn from these names as well as at random, so operations also reach rows that
# exist (a random repository name is only ever a 404).
KNOWN_PATH_VALUES = {
    "repository": ["acme/app", "acme/private"],
    "orgname": ["acme"],
    "name": ["acme"],
    "username": ["bob", "alice"],
    "membername": ["bob", "acme+bot"],
    "teamname": ["owners", "devs"],
    "robot_shortname": ["bot"],
    "prefix": ["b", "a"],
}


def flatmap_path_parameters(context, parameters: dict | None):
    if not parameters:
        return st.just(parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *KNOWN_PATH_VALUES.get(name, [])])
            for name, value in parameters.items()
        }
    )


@pytest.fixture
def discovery(connection_kept):
    schema = schemathesis.openapi.from_wsgi("/api/v1/discovery?format=json", wsgi_application)
    schema.hook(flatmap_path_parameters)
    return schema


@pytest.fixture
def superuser_token(alice, bob, acme, settings) -> str:
    settings.SUPER_USERS = ["alice"]
    application = Application.objects.create(
        name="schemathesis",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://localhost/cb",
    )
    OrganizationApplication.objects.create(application=application, organization=acme)
    repository_make(acme, "app", public=True)
    repository_make(acme, "private")
    devs = team_create(organization=acme, name="devs", role="member")
    team_member_add(team=devs, user=bob)
    robot_create(namespace=acme.namespace, short_name="bot")
    scopes = list(settings.OAUTH2_PROVIDER["SCOPES"])
    _, token = oauth_token_generate(application=application, user=alice, scopes=scopes, actor=alice)
    return token


def _operation_run(operation, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


@pytest.mark.schemathesis
def test_api_conforms_to_its_discovery_document(discovery, superuser_token):
    operations = [result.ok() for result in discovery.get_all_operations()]
    assert len(operations) > 50
    failures = []
    for operation in operations:
        try:
            _operation_run(operation, superuser_token)
        except (Exception, BaseExceptionGroup) as error:  # every operation runs; all failures are reported
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
