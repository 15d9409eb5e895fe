from django.urls import path

from builds.triggers import web as trigger_views
from builds.web import views

# Imported for its converter: "webrepo" ends a repository's name before "/-/" (registers once).
from registry.web.urls import WebRepositoryConverter  # noqa: F401

REPO = "repository/<webrepo:repository>/-/builds"

urlpatterns = [
    path(REPO, views.build_list_page, name="ui-builds"),
    path(REPO + "/start", views.build_start, name="ui-build-start"),
    path(REPO + "/triggers/create", trigger_views.trigger_create_page, name="ui-trigger-create"),
    path(
        REPO + "/triggers/<str:trigger_uuid>/activate",
        trigger_views.trigger_activate_page,
        name="ui-trigger-activate",
    ),
    path(
        REPO + "/triggers/<str:trigger_uuid>/toggle",
        trigger_views.trigger_toggle_page,
        name="ui-trigger-toggle",
    ),
    path(
        REPO + "/triggers/<str:trigger_uuid>/start", trigger_views.trigger_start_page, name="ui-trigger-start"
    ),
    path(
        REPO + "/triggers/<str:trigger_uuid>/delete",
        trigger_views.trigger_delete_page,
        name="ui-trigger-delete",
    ),
    path(REPO + "/<str:build_uuid>", views.build_page, name="ui-build"),
    path(REPO + "/<str:build_uuid>/cancel", views.build_cancel_page, name="ui-build-cancel"),
]
