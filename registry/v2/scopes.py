"""Narrows the scopes a client asks for to what the caller may do; never refuses outright."""

from __future__ import annotations

from dataclasses import dataclass

from orgs.models import Namespace, User
from orgs.selectors.identity import namespace_find, namespace_role
from quaysite.readonly import registry_read_only
from registry.errors import NameInvalid
from registry.models import Repository
from registry.names import repository_name_split
from registry.selectors.repositories import repository_find
from registry.selectors.roles import repository_role
from registry.services.repository_states import READ_ACTIONS, repository_takes_pushes_from

ROLE_ACTIONS = {"read": {"pull"}, "write": {"pull", "push"}, "admin": {"pull", "push", "delete", "*"}}
# What a login by OAuth token may do at most, by the token's scopes.
OAUTH_SCOPE_ACTIONS = {
    "repo:read": ROLE_ACTIONS["read"],
    "repo:write": ROLE_ACTIONS["write"],
    "repo:admin": ROLE_ACTIONS["admin"],
}


@dataclass(frozen=True)
class Grant:
    access: list[dict]
    # Each granted repository's id by name, so a token stops at a deleted and re-created name.
    repository_ids: dict[str, int]
    # The granted repositories that were public: a token stops when one of them turns private.
    public_repositories: list[str]


@dataclass(frozen=True)
class Scope:
    kind: str
    name: str
    actions: tuple[str, ...]


def scope_parse(raw: str) -> Scope | None:
    """'repository:org/app:pull,push' -> Scope. Malformed scopes are ignored, as clients expect."""
    kind, sep, rest = raw.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not (sep and sep2 and name):
        return None
    kind = kind.split("(", 1)[0]
    return Scope(kind=kind, name=name, actions=tuple(a for a in actions.split(",") if a))


def repository_actions(
    *, user: User | None, full_name: str, oauth_scopes: frozenset[str] | None = None
) -> tuple[set[str], Repository | None]:
    """What the caller may do on the repository, and the repository (None: not there yet)."""
    try:
        namespace_name, name = repository_name_split(full_name)
    except NameInvalid:
        return set(), None
    namespace = namespace_find(name=namespace_name)
    if namespace is None:
        return set(), None
    repository = repository_find(namespace=namespace, name=name)
    if repository is None:
        return _creator_actions(user=user, namespace=namespace, oauth_scopes=oauth_scopes), None
    role = repository_role(user=user, repository=repository)
    actions = set(ROLE_ACTIONS.get(role, set())) if role is not None else set()
    if not repository_takes_pushes_from(repository=repository, user_id=user.pk if user else None):
        # "*" would allow pushes too: a repository that takes none grants reads only.
        actions &= READ_ACTIONS
    return actions, repository


def _creator_actions(
    *, user: User | None, namespace: Namespace, oauth_scopes: frozenset[str] | None
) -> set[str]:
    # Push-to-create: the namespace's admins and creators may make it exist; a login by OAuth
    # token also needs the repo:create scope, as in Quay.
    if oauth_scopes is not None and "repo:create" not in oauth_scopes:
        return set()
    creator_role = namespace_role(user=user, namespace=namespace)
    if creator_role == "admin":
        actions = set(ROLE_ACTIONS["admin"])
    else:
        actions = set(ROLE_ACTIONS["write"]) if creator_role == "creator" else set()
    return actions & READ_ACTIONS if registry_read_only() else actions


def _oauth_actions(oauth_scopes: frozenset[str]) -> set[str]:
    return {action for scope in oauth_scopes for action in OAUTH_SCOPE_ACTIONS.get(scope, ())}


def access_grant(
    *,
    user: User | None,
    scopes: list[str],
    oauth_scopes: frozenset[str] | None = None,
    repository_limit: frozenset[str] | None = None,
    read_only: bool = False,
) -> Grant:
    """``oauth_scopes``: a login by OAuth token gets no more than its scopes allow;
    ``repository_limit`` and ``read_only``: a narrowed login (orgs.authentication.Login) gets
    nothing outside those repositories, and reads only."""
    granted: dict[tuple[str, str], set[str]] = {}
    repository_ids: dict[str, int] = {}
    public: list[str] = []
    for raw in scopes:
        for piece in raw.split(" "):
            scope = scope_parse(piece)
            if scope is None:
                continue
            if scope.kind == "repository":
                allowed, repository = repository_actions(
                    user=user, full_name=scope.name, oauth_scopes=oauth_scopes
                )
                actions = set(scope.actions) & allowed
                if actions and repository is not None:
                    repository_ids[scope.name] = repository.pk
                    if repository.is_public:
                        public.append(scope.name)
                if oauth_scopes is not None:
                    actions &= _oauth_actions(oauth_scopes)
                if repository_limit is not None and scope.name not in repository_limit:
                    actions = set()
                if read_only:
                    actions &= READ_ACTIONS
            elif scope.kind == "registry" and scope.name == "catalog":
                actions = {"*"} & set(scope.actions)
            else:
                actions = set()
            granted.setdefault((scope.kind, scope.name), set()).update(actions)
    access = [
        {"type": kind, "name": name, "actions": sorted(actions)} for (kind, name), actions in granted.items()
    ]
    return Grant(access=access, repository_ids=repository_ids, public_repositories=sorted(set(public)))
