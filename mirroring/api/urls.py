from django.urls import path

from mirroring.api import views

# Imported for its converter: "repopath" matches nested repository names (registers once).
from registry.api.urls import RepositoryPathConverter  # noqa: F401

MIRROR = "repository/<repopath:repository>/mirror"

# Included before registry.api.urls: its repository route would take these paths as a name.
urlpatterns = [
    path(MIRROR, views.MirrorView.as_view(), name="api-repository-mirror"),
    path(MIRROR + "/rules", views.MirrorRulesView.as_view(), name="api-repository-mirror-rules"),
    path(MIRROR + "/sync-now", views.MirrorSyncNowView.as_view(), name="api-repository-mirror-sync-now"),
    path(
        MIRROR + "/sync-cancel",
        views.MirrorSyncCancelView.as_view(),
        name="api-repository-mirror-sync-cancel",
    ),
]
