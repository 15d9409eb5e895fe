from django.urls import path

from orgs.web import accounts, applications, defaults, logs, organizations, robots

ORG = "organization/<str:org>/"

urlpatterns = [
    path("signin", accounts.signin, name="ui-signin"),
    path("signout", accounts.signout, name="ui-signout"),
    path("signup", accounts.signup, name="ui-signup"),
    path("account/", accounts.account, name="ui-account"),
    path("account/email", accounts.email_change, name="ui-account-email"),
    path("account/password", accounts.password_change, name="ui-account-password"),
    path("account/tokens/new", accounts.app_token_new, name="ui-apptoken-new"),
    path("account/tokens/<str:code>/revoke", accounts.app_token_delete, name="ui-apptoken-delete"),
    path("organizations/", organizations.organization_list, name="ui-organizations"),
    path(ORG + "teams/", organizations.organization_teams, name="ui-org-teams"),
    path(ORG + "teams/<str:team>/", organizations.team_detail, name="ui-team"),
    path(ORG + "teams/<str:team>/role", organizations.team_role_change, name="ui-team-role"),
    path(ORG + "teams/<str:team>/delete", organizations.team_remove, name="ui-team-delete"),
    path(
        ORG + "teams/<str:team>/members/<str:username>/remove",
        organizations.team_member_delete,
        name="ui-team-member-delete",
    ),
    path(ORG + "robots/", robots.robot_index, name="ui-org-robots"),
    path(ORG + "robots/<str:robot>/", robots.robot_detail, name="ui-robot"),
    path(ORG + "robots/<str:robot>/regenerate", robots.robot_regenerate, name="ui-robot-regenerate"),
    path(ORG + "robots/<str:robot>/delete", robots.robot_remove, name="ui-robot-delete"),
    path(ORG + "defaults/", defaults.default_permissions, name="ui-org-defaults"),
    path(
        ORG + "defaults/<int:prototype>/delete",
        defaults.default_permission_delete,
        name="ui-org-default-delete",
    ),
    path(ORG + "logs/", logs.usage_logs, name="ui-org-logs"),
    path(ORG + "applications/", applications.application_index, name="ui-org-applications"),
    path(ORG + "applications/<str:client_id>/", applications.application_detail, name="ui-application"),
    path(
        ORG + "applications/<str:client_id>/token",
        applications.application_token,
        name="ui-application-token",
    ),
    path(
        ORG + "applications/<str:client_id>/reset",
        applications.application_reset,
        name="ui-application-reset",
    ),
    path(
        ORG + "applications/<str:client_id>/delete",
        applications.application_remove,
        name="ui-application-delete",
    ),
]
