from django.urls import path

from mirroring.web import views

# Imported for its converter: "webrepo" ends a repository's name at "/-/" (registers once).
from registry.web.urls import WebRepositoryConverter  # noqa: F401

REPO = "repository/<webrepo:repository>/-/settings/mirror"

urlpatterns = [
    path(REPO, views.repository_mirror_save, name="ui-repository-mirror"),
    path(REPO + "/sync-now", views.repository_mirror_sync_now, name="ui-repository-mirror-sync-now"),
    path(REPO + "/sync-cancel", views.repository_mirror_sync_cancel, name="ui-repository-mirror-sync-cancel"),
]
