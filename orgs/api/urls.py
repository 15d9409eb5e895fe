from django.urls import path

from orgs.api import (
    applications,
    entities,
    logs,
    members,
    prototypes,
    robots,
    superuser,
    teams,
    tokens,
    views,
)

ORG = "organization/<str:orgname>"
TEAM = ORG + "/team/<str:teamname>"
APP = ORG + "/applications/<str:client_id>"

urlpatterns = [
    path("user/", views.UserView.as_view(), name="api-user"),
    path("user/apptoken", tokens.AppTokenListView.as_view(), name="api-apptokens"),
    path("user/apptoken/<str:token_uuid>", tokens.AppTokenView.as_view(), name="api-apptoken"),
    path("user/logs", logs.UserLogsView.as_view(), name="api-user-logs"),
    path("user/aggregatelogs", logs.UserAggregateLogsView.as_view(), name="api-user-aggregatelogs"),
    path("user/robots", robots.RobotListView.as_view(), name="api-user-robots"),
    path("user/robots/<str:robot_shortname>", robots.RobotView.as_view(), name="api-user-robot"),
    path(
        "user/robots/<str:robot_shortname>/permissions",
        robots.RobotPermissionsView.as_view(),
        name="api-user-robot-permissions",
    ),
    path(
        "user/robots/<str:robot_shortname>/regenerate",
        robots.RobotRegenerateView.as_view(),
        name="api-user-robot-regenerate",
    ),
    path("organization/", views.OrganizationListView.as_view(), name="api-organization-list"),
    # views.OrganizationView with DELETE added.
    path(ORG, views.OrganizationView.as_view(), name="api-organization"),
    path(TEAM, teams.TeamView.as_view(), name="api-team"),
    path(TEAM + "/members", teams.TeamMemberListView.as_view(), name="api-team-members"),
    path(TEAM + "/members/<str:membername>", teams.TeamMemberView.as_view(), name="api-team-member"),
    path(ORG + "/robots", robots.OrgRobotListView.as_view(), name="api-org-robots"),
    path(ORG + "/robots/<str:robot_shortname>", robots.OrgRobotView.as_view(), name="api-org-robot"),
    path(
        ORG + "/robots/<str:robot_shortname>/permissions",
        robots.OrgRobotPermissionsView.as_view(),
        name="api-org-robot-permissions",
    ),
    path(
        ORG + "/robots/<str:robot_shortname>/regenerate",
        robots.OrgRobotRegenerateView.as_view(),
        name="api-org-robot-regenerate",
    ),
    path(ORG + "/prototypes", prototypes.PrototypeListView.as_view(), name="api-prototypes"),
    path(ORG + "/prototypes/<str:prototypeid>", prototypes.PrototypeView.as_view(), name="api-prototype"),
    path(ORG + "/members", members.OrganizationMemberListView.as_view(), name="api-org-members"),
    path(ORG + "/members/<str:membername>", members.OrganizationMemberView.as_view(), name="api-org-member"),
    path(
        ORG + "/collaborators",
        members.OrganizationCollaboratorListView.as_view(),
        name="api-org-collaborators",
    ),
    path(ORG + "/applications", applications.ApplicationListView.as_view(), name="api-org-applications"),
    path(APP, applications.ApplicationView.as_view(), name="api-org-application"),
    path(
        APP + "/resetclientsecret",
        applications.ApplicationSecretResetView.as_view(),
        name="api-org-application-reset",
    ),
    path(APP + "/token", applications.ApplicationTokenView.as_view(), name="api-org-application-token"),
    path("users/<str:username>", views.PublicUserView.as_view(), name="api-public-user"),
    path("entities/<str:prefix>", entities.EntitySearchView.as_view(), name="api-entities"),
    path("superuser/users/", superuser.SuperuserUserListView.as_view(), name="api-superuser-users"),
    path("superuser/users/<str:username>", superuser.SuperuserUserView.as_view(), name="api-superuser-user"),
    path(
        "superuser/organizations/",
        superuser.SuperuserOrganizationListView.as_view(),
        name="api-superuser-organizations",
    ),
    path(
        "superuser/organizations/<str:name>",
        superuser.SuperuserOrganizationView.as_view(),
        name="api-superuser-organization",
    ),
    path(ORG + "/logs", logs.OrganizationLogsView.as_view(), name="api-org-logs"),
    path(ORG + "/aggregatelogs", logs.OrganizationAggregateLogsView.as_view(), name="api-org-aggregatelogs"),
]
