"""Identity tables, one module per topic."""

from orgs.models.audit import AuditLog
from orgs.models.identity import Namespace, Organization, Team, TeamMember, User
from orgs.models.oauth import OrganizationApplication
from orgs.models.permissions import DefaultPermission, RepositoryPermission
from orgs.models.robots import RobotAccount
from orgs.models.throttle import LoginFailure
from orgs.models.tokens import AppToken

__all__ = [
    "AppToken",
    "AuditLog",
    "DefaultPermission",
    "LoginFailure",
    "Namespace",
    "Organization",
    "OrganizationApplication",
    "RepositoryPermission",
    "RobotAccount",
    "Team",
    "TeamMember",
    "User",
]
