from django.urls import path

from notifications.api import user, views

# Imported for its converter: "repopath" matches nested repository names (registers once).
from registry.api.urls import RepositoryPathConverter  # noqa: F401

REPO = "repository/<repopath:repository>/notification/"
ORG = "organization/<str:orgname>/notifications"

# Included before registry.api.urls: its repository route would take these paths for a name.
urlpatterns = [
    path(REPO, views.RepositoryNotificationListView.as_view(), name="api-repository-notifications"),
    path(REPO + "<str:uuid>", views.RepositoryNotificationView.as_view(), name="api-repository-notification"),
    path(
        REPO + "<str:uuid>/test",
        views.RepositoryNotificationTestView.as_view(),
        name="api-repository-notification-test",
    ),
    path(
        REPO + "<str:uuid>/attempts",
        views.RepositoryNotificationAttemptsView.as_view(),
        name="api-repository-notification-attempts",
    ),
    path(ORG, views.OrganizationNotificationListView.as_view(), name="api-org-notifications"),
    path(ORG + "/<str:uuid>", views.OrganizationNotificationView.as_view(), name="api-org-notification"),
    path(
        ORG + "/<str:uuid>/test",
        views.OrganizationNotificationTestView.as_view(),
        name="api-org-notification-test",
    ),
    path(
        ORG + "/<str:uuid>/attempts",
        views.OrganizationNotificationAttemptsView.as_view(),
        name="api-org-notification-attempts",
    ),
    path("user/notifications", user.UserNotificationListView.as_view(), name="api-user-notifications"),
    path("user/notifications/<str:uuid>", user.UserNotificationView.as_view(), name="api-user-notification"),
]
