"""Domain errors of users, organizations, teams, robots, tokens and permissions.

Services raise them; views map each family to one HTTP status.
"""

from __future__ import annotations


class IdentityError(Exception):
    """Base of every error the identity services raise."""


class InvalidInput(IdentityError, ValueError):
    """A value breaks a rule: a name, a role, a password, an e-mail address, a grantee."""


class InvalidName(InvalidInput):
    pass


class NameTaken(IdentityError):
    """Another user, organization, team or robot already has this name."""


class NamespaceTaken(NameTaken, ValueError):
    pass


class FeatureDisabled(IdentityError):
    """The configuration switches this action off (sign-up, app tokens)."""


class NotPermitted(IdentityError):
    """The configuration reserves this action to others (organization creation)."""


class OwnersTeamProtected(IdentityError):
    """The owners team stays, stays admin, and keeps at least one person."""


class AlreadyTeamMember(IdentityError):
    pass


class NotFound(IdentityError):
    """The grant, membership or prototype to change does not exist."""


class SecretUndecryptable(IdentityError):
    """No configured key decrypts the value: a wrong or retired DATABASE_SECRET_KEY."""


class WritesSuspended(IdentityError):
    """The registry (REGISTRY_STATE: readonly) or the repository (read-only, mirror) takes no
    writes now; reads go on. Quay answers these with 503."""
