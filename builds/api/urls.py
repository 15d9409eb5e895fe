from django.urls import path

from builds.api import views

# Imported for its converter: "repopath" matches nested repository names (registers once).
from registry.api.urls import RepositoryPathConverter  # noqa: F401

BUILD = "repository/<repopath:repository>/build/"

# Included before registry.api.urls: its repository route would take these paths as a name.
urlpatterns = [
    path(BUILD, views.BuildListView.as_view(), name="api-repository-builds"),
    path(BUILD + "<str:build_uuid>", views.BuildView.as_view(), name="api-repository-build"),
    path(
        BUILD + "<str:build_uuid>/status", views.BuildStatusView.as_view(), name="api-repository-build-status"
    ),
    path(BUILD + "<str:build_uuid>/logs", views.BuildLogsView.as_view(), name="api-repository-build-logs"),
    path("filedrop/", views.FileDropView.as_view(), name="api-filedrop"),
]
