from django.urls import path

from builds.triggers import api

# Imported for its converter: "repopath" matches nested repository names (registers once).
from registry.api.urls import RepositoryPathConverter  # noqa: F401

TRIGGER = "repository/<repopath:repository>/trigger/"

# Included (through builds.api.urls) before registry.api.urls, whose repository route would
# take these paths as a name.
urlpatterns = [
    path(TRIGGER, api.TriggerListView.as_view(), name="api-repository-triggers"),
    path(TRIGGER + "<str:trigger_uuid>", api.TriggerView.as_view(), name="api-repository-trigger"),
    path(
        TRIGGER + "<str:trigger_uuid>/activate",
        api.TriggerActivateView.as_view(),
        name="api-trigger-activate",
    ),
    path(TRIGGER + "<str:trigger_uuid>/start", api.TriggerStartView.as_view(), name="api-trigger-start"),
    path(TRIGGER + "<str:trigger_uuid>/builds", api.TriggerBuildsView.as_view(), name="api-trigger-builds"),
]
