from django.urls import path

# Imported for its converter: "repopath" matches nested repository names (registers once).
from registry.api.urls import RepositoryPathConverter  # noqa: F401
from secscan.api import views

# Included before registry.api.urls: its manifest route would take "/security" as a digest.
urlpatterns = [
    path(
        "repository/<repopath:repository>/manifest/<str:digest>/security",
        views.ManifestSecurityView.as_view(),
        name="api-manifest-security",
    ),
]
