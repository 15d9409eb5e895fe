from django.urls import path

from pruning.web import views

# Imported for its converter: "webrepo" ends a repository's name at "/-/" (registers once).
from registry.web.urls import WebRepositoryConverter  # noqa: F401

ORG = "organization/<str:org>/autoprune/"
REPO = "repository/<webrepo:repository>/-/settings/autoprune"

urlpatterns = [
    path(ORG, views.organization_autoprune, name="ui-org-autoprune"),
    path(
        ORG + "<str:policy_uuid>/delete", views.organization_autoprune_delete, name="ui-org-autoprune-delete"
    ),
    path(REPO, views.repository_autoprune_create, name="ui-repository-autoprune"),
    path(
        REPO + "/<str:policy_uuid>/delete",
        views.repository_autoprune_delete,
        name="ui-repository-autoprune-delete",
    ),
]
