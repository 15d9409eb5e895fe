"""Who may do what: every kind of principal × every action × public and private repositories.

Registry actions go through the real endpoints: a token from /v2/auth for the scope a client
asks, then the /v2/ call. Management actions call the services with the principal as ``actor``,
as the REST API will. Every cell of the table below is its own test, named
``principal-action-where-expected``, so an unexpected grant or denial fails by name.

The world (organization acme with one public and one private repository, each holding an image
the organization's admin pushed) is built afresh for every cell: pytest-django rolls each test
back. MD5 password hashing (tests/conftest.py) keeps that cheap.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.test import Client

import orgs.audit
from orgs.errors import NotPermitted
from orgs.models import Namespace, Organization, RepositoryPermission, RobotAccount, Team, TeamMember, User
from orgs.services import organization_create, robot_create, team_create
from registry.manifest_formats import OCI_MANIFEST
from registry.models import Repository
from registry.selectors.tags import tag_names
from registry.services.manifests import manifest_put
from registry.services.permissions import permission_set
from registry.services.repositories import repository_get_or_create
from registry.services.uploads import blob_upload_monolithic
from tests.conftest import PASSWORD, basic_auth
from tests.registry.pushing import digest_of, image_manifest

ALLOW, DENY = "allow", "deny"
Y, N = ALLOW, DENY

PUBLIC, PRIVATE = "acme/public", "acme/private"
FRESH = "acme/fresh"

# Repository actions, each as (on the public repository, on the private repository).
REPOSITORY_ACTIONS = ("pull", "push", "delete", "catalog", "change_permissions")
REPOSITORY_EXPECTED: dict[str, tuple[tuple[str, str], ...]] = {
    # principal          pull    push    delete  catalog change_permissions
    "anonymous":        ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    "stranger":         ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    "org_member":       ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    "team_writer":      ((Y, Y), (Y, Y), (N, N), (Y, Y), (N, N)),
    "team_creator":     ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    "team_admin":       ((Y, Y), (Y, Y), (Y, Y), (Y, Y), (Y, Y)),
    "read_grantee":     ((Y, Y), (N, N), (N, N), (Y, Y), (N, N)),
    "write_grantee":    ((Y, Y), (Y, Y), (N, N), (Y, Y), (N, N)),
    "admin_grantee":    ((Y, Y), (Y, Y), (Y, Y), (Y, Y), (Y, Y)),
    "robot_writer":     ((Y, Y), (Y, Y), (N, N), (Y, Y), (N, N)),
    "robot_idle":       ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    "org_admin":        ((Y, Y), (Y, Y), (Y, Y), (Y, Y), (Y, Y)),
    "other_org_admin":  ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    "superuser":        ((Y, N), (N, N), (N, N), (Y, N), (N, N)),
    # Its login fails at /v2/auth, so even the public repository is out of its reach.
    "disabled_admin":   ((N, N), (N, N), (N, N), (N, N), (N, N)),
}  # fmt: skip

# Organization actions: the same whatever the repositories' visibility.
ORGANIZATION_ACTIONS = ("push_to_create", "manage_teams", "manage_robots")
ORGANIZATION_EXPECTED: dict[str, tuple[str, ...]] = {
    # principal          push_to_create  manage_teams  manage_robots
    "anonymous":         (N,             N,            N),
    "stranger":          (N,             N,            N),
    "org_member":        (N,             N,            N),
    "team_writer":       (N,             N,            N),
    "team_creator":      (Y,             N,            N),
    "team_admin":        (Y,             Y,            Y),
    "read_grantee":      (N,             N,            N),
    "write_grantee":     (N,             N,            N),
    "admin_grantee":     (N,             N,            N),
    "robot_writer":      (N,             N,            N),
    "robot_idle":        (N,             N,            N),
    "org_admin":         (Y,             Y,            Y),
    "other_org_admin":   (N,             N,            N),
    "superuser":         (N,             N,            N),
    "disabled_admin":    (N,             N,            N),
}  # fmt: skip


@dataclass(frozen=True)
class Cell:
    principal: str
    action: str
    where: str  # "public", "private" or "organization"
    expected: str

    @property
    def id(self) -> str:
        return f"{self.principal}-{self.action}-{self.where}-{self.expected}"


def _cells() -> list[Cell]:
    assert REPOSITORY_EXPECTED.keys() == ORGANIZATION_EXPECTED.keys()
    cells = []
    for principal, row in REPOSITORY_EXPECTED.items():
        assert len(row) == len(REPOSITORY_ACTIONS), principal
        for action, (public, private) in zip(REPOSITORY_ACTIONS, row, strict=True):
            cells.append(Cell(principal, action, "public", public))
            cells.append(Cell(principal, action, "private", private))
    for principal, row in ORGANIZATION_EXPECTED.items():
        for action, expected in zip(ORGANIZATION_ACTIONS, row, strict=True):
            cells.append(Cell(principal, action, "organization", expected))
    return cells


CELLS = _cells()


# The world ----------------------------------------------------------------------------------


class Caller:
    """One principal at the registry: asks /v2/auth for a token, then calls /v2/ with it."""

    def __init__(self, client: Client, username: str | None, password: str) -> None:
        self.client = client
        self.username = username
        self.password = password

    def token(self, scope: str) -> str | None:
        """The token, or None when the login is refused."""
        headers = {"HTTP_AUTHORIZATION": basic_auth(self.username, self.password)} if self.username else {}
        response = self.client.get("/v2/auth", {"service": "testserver", "scope": scope}, **headers)
        if response.status_code == 401:
            return None
        assert response.status_code == 200, response.content
        return response.json()["token"]

    def call(self, method: str, path: str, token: str, data: bytes = b"", content_type: str = ""):
        return self.client.generic(
            method,
            path,
            data=data,
            content_type=content_type or "application/octet-stream",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_ACCEPT=OCI_MANIFEST,
        )


@dataclass
class World:
    organization: Organization
    repositories: dict[str, Repository]
    callers: dict[str, Caller]
    actors: dict[str, User | AnonymousUser]
    # Whom a permission change grants read to.
    grant_target: User


# principal: username. Their accounts; alice (org_admin) and bob (other_org_admin) come from
# tests/conftest.py, the robots from robot_create().
PEOPLE = {
    "stranger": "stranger",
    "org_member": "member",
    "team_writer": "teamwriter",
    "team_creator": "teamcreator",
    "team_admin": "teamadmin",
    "read_grantee": "reader",
    "write_grantee": "writer",
    "admin_grantee": "repoadmin",
    "superuser": "root",
    "disabled_admin": "disabled",
}
ROBOTS = {"robot_writer": "pusher", "robot_idle": "idle"}
# acme's teams besides owners: name, role, the one member.
TEAMS = [
    ("plain", Team.Role.MEMBER, "org_member"),
    ("writers", Team.Role.MEMBER, "team_writer"),
    ("creators", Team.Role.CREATOR, "team_creator"),
    ("admins", Team.Role.ADMIN, "team_admin"),
]
# Grants on both repositories, to principals and to teams.
GRANTS = {
    "read_grantee": "read",
    "write_grantee": "write",
    "admin_grantee": "admin",
    "disabled_admin": "admin",
    "robot_writer": "write",
}
TEAM_GRANTS = {"writers": "write"}


@pytest.fixture(autouse=True)
def default_config(settings):
    settings.FEATURE_ANONYMOUS_ACCESS = True
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = False
    settings.SUPER_USERS = []


@pytest.fixture(autouse=True)
def audit_buffer_held(db, monkeypatch):
    """Pulls and pushes queue audit events; no writer thread should write them outside the test."""
    monkeypatch.setattr(orgs.audit, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(orgs.audit, "BATCH_SIZE", orgs.audit.BUFFER_MAX)
    yield
    orgs.audit.audit_log_discard()


def _people_insert() -> dict[str, User]:
    """The principals' accounts as rows: every cell builds them, so one INSERT per table."""
    namespaces = Namespace.objects.bulk_create(
        Namespace(name=username, kind=Namespace.Kind.USER) for username in PEOPLE.values()
    )
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(
            username=namespace.name,
            namespace=namespace,
            password=password,
            is_superuser=principal == "superuser",
            is_active=principal != "disabled_admin",
        )
        for principal, namespace in zip(PEOPLE, namespaces, strict=True)
    )
    return dict(zip(PEOPLE, users, strict=True))


def _images_push(owner: User) -> dict[str, Repository]:
    """One image in each repository, tagged latest and doomed (the tag a principal's delete
    removes), pushed by the organization's admin through the services the endpoints call."""
    config, layer = json.dumps({"architecture": "amd64", "os": "linux"}).encode(), os.urandom(64)
    manifest = image_manifest(config, [layer])
    repositories = {}
    for where, full_name in (("public", PUBLIC), ("private", PRIVATE)):
        repository = repository_get_or_create(full_name=full_name, creator=owner)
        for blob in (config, layer):
            blob_upload_monolithic(
                repository=repository, pusher_id=None, digest=digest_of(blob), chunks=[blob]
            )
        for tag in ("latest", "doomed"):
            manifest_put(
                full_name=full_name, reference=tag, content=manifest, content_type=OCI_MANIFEST, creator=owner
            )
        repositories[where] = repository
    Repository.objects.filter(pk=repositories["public"].pk).update(is_public=True)
    repositories["public"].is_public = True
    return repositories


@pytest.fixture
def world(client, alice, acme, bob) -> World:
    """alice owns acme and pushed both repositories' images; bob owns globex."""
    organization_create(name="globex", creator=bob)
    repositories = _images_push(alice)
    users: dict[str, User] = {**_people_insert(), "org_admin": alice, "other_org_admin": bob}
    tokens = {}
    for principal, short_name in ROBOTS.items():
        robot, tokens[principal] = robot_create(namespace=acme.namespace, short_name=short_name)
        users[principal] = robot.user
    created = Team.objects.bulk_create(
        Team(organization=acme, name=name, role=role) for name, role, _ in TEAMS
    )
    teams = {team.name: team for team in created}
    TeamMember.objects.bulk_create(
        TeamMember(team=teams[name], user=users[member]) for name, _, member in TEAMS
    )
    RepositoryPermission.objects.bulk_create(
        [
            *(
                RepositoryPermission(repository=repository, role=role, user=users[principal])
                for repository in repositories.values()
                for principal, role in GRANTS.items()
            ),
            *(
                RepositoryPermission(repository=repository, role=role, team=teams[name])
                for repository in repositories.values()
                for name, role in TEAM_GRANTS.items()
            ),
        ]
    )

    callers = {
        principal: Caller(client, user.username, tokens.get(principal, PASSWORD))
        for principal, user in users.items()
    }
    callers["anonymous"] = Caller(client, None, "")
    actors: dict[str, User | AnonymousUser] = dict(users)
    # What a view passes as the actor for a request without login.
    actors["anonymous"] = AnonymousUser()
    target = User.objects.create(
        username="target", namespace=Namespace.objects.create(name="target", kind=Namespace.Kind.USER)
    )
    return World(
        organization=acme, repositories=repositories, callers=callers, actors=actors, grant_target=target
    )


# The actions: each returns ALLOW or DENY, and fails on any answer that is neither -----------


def _outcome(response, allowed_status: int) -> str:
    if response.status_code == allowed_status:
        return ALLOW
    assert response.status_code == 401, (response.status_code, response.content)
    return DENY


def _tag_exists(full_name: str, tag: str) -> bool:
    namespace, name = full_name.split("/")
    repository = Repository.objects.get(namespace__name=namespace, name=name)
    return tag in tag_names(repository=repository, last=None, limit=None)


def pull(caller: Caller, repository: str) -> str:
    token = caller.token(f"repository:{repository}:pull")
    if token is None:
        return DENY
    return _outcome(caller.call("GET", f"/v2/{repository}/manifests/latest", token), 200)


def _image_push(caller: Caller, repository: str, tag: str) -> str:
    token = caller.token(f"repository:{repository}:push,pull")
    if token is None:
        return DENY
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}).encode()
    layer = os.urandom(64)
    for blob in (config, layer):
        response = caller.call(
            "POST", f"/v2/{repository}/blobs/uploads/?digest={digest_of(blob)}", token, blob
        )
        if _outcome(response, 201) == DENY:
            return DENY
    manifest = image_manifest(config, [layer])
    return _outcome(
        caller.call("PUT", f"/v2/{repository}/manifests/{tag}", token, manifest, OCI_MANIFEST), 201
    )


def push(caller: Caller, repository: str) -> str:
    outcome = _image_push(caller, repository, "pushed")
    assert _tag_exists(repository, "pushed") == (outcome == ALLOW)
    return outcome


def push_to_create(caller: Caller) -> str:
    outcome = _image_push(caller, FRESH, "latest")
    assert Repository.objects.filter(namespace__name="acme", name="fresh").exists() == (outcome == ALLOW)
    return outcome


def delete(caller: Caller, repository: str) -> str:
    token = caller.token(f"repository:{repository}:delete")
    if token is None:
        outcome = DENY
    else:
        outcome = _outcome(caller.call("DELETE", f"/v2/{repository}/manifests/doomed", token), 202)
    assert _tag_exists(repository, "doomed") == (outcome == DENY)
    return outcome


def catalog(caller: Caller, repository: str) -> str:
    token = caller.token("registry:catalog:*")
    if token is None:
        return DENY
    response = caller.call("GET", "/v2/_catalog", token)
    assert response.status_code == 200, response.content
    return ALLOW if repository in response.json()["repositories"] else DENY


def _service_outcome(action: Callable[[], object]) -> str:
    try:
        action()
    except NotPermitted:
        return DENY
    return ALLOW


def change_permissions(world: World, actor, repository: Repository) -> str:
    outcome = _service_outcome(
        lambda: permission_set(repository=repository, user=world.grant_target, role="read", actor=actor)
    )
    granted = RepositoryPermission.objects.filter(repository=repository, user=world.grant_target)
    assert granted.exists() == (outcome == ALLOW)
    return outcome


def manage_teams(world: World, actor) -> str:
    outcome = _service_outcome(
        lambda: team_create(organization=world.organization, name="newteam", role="member", actor=actor)
    )
    assert world.organization.teams.filter(name="newteam").exists() == (outcome == ALLOW)
    return outcome


def manage_robots(world: World, actor) -> str:
    namespace = world.organization.namespace
    outcome = _service_outcome(lambda: robot_create(namespace=namespace, short_name="newbot", actor=actor))
    assert RobotAccount.objects.filter(namespace=namespace, short_name="newbot").exists() == (
        outcome == ALLOW
    )
    return outcome


def perform(world: World, cell: Cell) -> str:
    caller, actor = world.callers[cell.principal], world.actors[cell.principal]
    full_name = {"public": PUBLIC, "private": PRIVATE}.get(cell.where, "")
    match cell.action:
        case "pull":
            return pull(caller, full_name)
        case "push":
            return push(caller, full_name)
        case "delete":
            return delete(caller, full_name)
        case "catalog":
            return catalog(caller, full_name)
        case "change_permissions":
            return change_permissions(world, actor, world.repositories[cell.where])
        case "push_to_create":
            return push_to_create(caller)
        case "manage_teams":
            return manage_teams(world, actor)
        case "manage_robots":
            return manage_robots(world, actor)
    raise AssertionError(f"no such action {cell.action!r}")


def test_the_world_has_every_principal_of_the_table(world):
    assert world.callers.keys() == world.actors.keys() == REPOSITORY_EXPECTED.keys()


def test_the_disabled_admin_is_refused_a_token(world):
    assert world.callers["disabled_admin"].token(f"repository:{PUBLIC}:pull") is None


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_permission_matrix(world, cell):
    assert perform(world, cell) == cell.expected


def test_a_superuser_with_full_access_pulls_private_repositories_and_manages_teams(world, settings):
    settings.FEATURE_SUPERUSERS_FULL_ACCESS = True
    assert pull(world.callers["superuser"], PRIVATE) == ALLOW
    assert manage_teams(world, world.actors["superuser"]) == ALLOW
