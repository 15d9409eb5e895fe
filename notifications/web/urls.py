from django.urls import path

from notifications.web import views

# Imported for its converter: "webrepo" ends a repository's name at "/-/" (registers once).
from registry.web.urls import WebRepositoryConverter  # noqa: F401

ORG = "organization/<str:org>/notifications/"
REPO = "repository/<webrepo:repository>/-/settings/notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="ui-notifications"),
    path("notifications/<str:uuid>/read", views.inbox_mark_read, name="ui-notification-read"),
    path(ORG, views.organization_notifications, name="ui-org-notifications"),
    path(ORG + "<str:uuid>/<str:action>", views.organization_notification_action, name="ui-org-notification"),
    path(REPO, views.repository_notification_create, name="ui-repository-notifications"),
    path(
        REPO + "/<str:uuid>/<str:action>",
        views.repository_notification_action,
        name="ui-repository-notification",
    ),
]
