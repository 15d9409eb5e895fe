from django.urls import path

from orgs.api import logs, organization_delete, prototypes, robots, teams, tokens, views

ORG = "organization/<str:orgname>"
TEAM = ORG + "/team/<str:teamname>"

urlpatterns = [
    path("user/", views.UserView.as_view(), name="api-user"),
    path("user/apptoken", tokens.AppTokenListView.as_view(), name="api-apptokens"),
    path("user/apptoken/<str:token_uuid>", tokens.AppTokenView.as_view(), name="api-apptoken"),
    path("user/logs", logs.UserLogsView.as_view(), name="api-user-logs"),
    path("user/aggregatelogs", logs.UserAggregateLogsView.as_view(), name="api-user-aggregatelogs"),
    path("user/robots", robots.RobotListView.as_view(), name="api-user-robots"),
    path("user/robots/<str:robot_shortname>", robots.RobotView.as_view(), name="api-user-robot"),
    path(
        "user/robots/<str:robot_shortname>/regenerate",
        robots.RobotRegenerateView.as_view(),
        name="api-user-robot-regenerate",
    ),
    path("organization/", views.OrganizationListView.as_view(), name="api-organization-list"),
    # views.OrganizationView with DELETE added.
    path(ORG, organization_delete.OrganizationView.as_view(), name="api-organization"),
    path(TEAM, teams.TeamView.as_view(), name="api-team"),
    path(TEAM + "/members", teams.TeamMemberListView.as_view(), name="api-team-members"),
    path(TEAM + "/members/<str:membername>", teams.TeamMemberView.as_view(), name="api-team-member"),
    path(ORG + "/robots", robots.OrgRobotListView.as_view(), name="api-org-robots"),
    path(ORG + "/robots/<str:robot_shortname>", robots.OrgRobotView.as_view(), name="api-org-robot"),
    path(
        ORG + "/robots/<str:robot_shortname>/regenerate",
        robots.OrgRobotRegenerateView.as_view(),
        name="api-org-robot-regenerate",
    ),
    path(ORG + "/prototypes", prototypes.PrototypeListView.as_view(), name="api-prototypes"),
    path(ORG + "/prototypes/<str:prototypeid>", prototypes.PrototypeView.as_view(), name="api-prototype"),
    path(ORG + "/logs", logs.OrganizationLogsView.as_view(), name="api-org-logs"),
    path(ORG + "/aggregatelogs", logs.OrganizationAggregateLogsView.as_view(), name="api-org-aggregatelogs"),
]
