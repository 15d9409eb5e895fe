"""Writes for identity, one module per topic; import them from here."""

from orgs.errors import (
    AlreadyTeamMember,
    FeatureDisabled,
    IdentityError,
    InvalidInput,
    InvalidName,
    NamespaceTaken,
    NameTaken,
    NotFound,
    NotPermitted,
    OwnersTeamProtected,
)
from orgs.services.organizations import OWNERS_TEAM, organization_create
from orgs.services.permissions import prototype_create, prototype_delete, prototype_set_role
from orgs.services.robots import (
    robot_create,
    robot_delete,
    robot_last_accessed_touch,
    robot_token_regenerate,
    robot_verify,
)
from orgs.services.teams import (
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_set_description,
    team_set_role,
)
from orgs.services.tokens import app_token_create, app_token_revoke, app_token_verify
from orgs.services.users import (
    user_create,
    user_password_change,
    user_set_active,
    user_set_email,
    user_signup,
)

__all__ = [
    "OWNERS_TEAM",
    "AlreadyTeamMember",
    "FeatureDisabled",
    "IdentityError",
    "InvalidInput",
    "InvalidName",
    "NameTaken",
    "NamespaceTaken",
    "NotFound",
    "NotPermitted",
    "OwnersTeamProtected",
    "app_token_create",
    "app_token_revoke",
    "app_token_verify",
    "organization_create",
    "prototype_create",
    "prototype_delete",
    "prototype_set_role",
    "robot_create",
    "robot_delete",
    "robot_last_accessed_touch",
    "robot_token_regenerate",
    "robot_verify",
    "team_create",
    "team_delete",
    "team_member_add",
    "team_member_remove",
    "team_set_description",
    "team_set_role",
    "user_create",
    "user_password_change",
    "user_set_active",
    "user_set_email",
    "user_signup",
]
