from django.urls import path

from builds.web import views

# Imported for its converter: "webrepo" ends a repository's name before "/-/" (registers once).
from registry.web.urls import WebRepositoryConverter  # noqa: F401

REPO = "repository/<webrepo:repository>/-/builds"

urlpatterns = [
    path(REPO, views.build_list_page, name="ui-builds"),
    path(REPO + "/start", views.build_start, name="ui-build-start"),
    path(REPO + "/<str:build_uuid>", views.build_page, name="ui-build"),
    path(REPO + "/<str:build_uuid>/cancel", views.build_cancel_page, name="ui-build-cancel"),
]
