from django.urls import path

# Imported for its converter: "webrepo" ends a repository's name at "/-/" (registers once).
from registry.web.urls import WebRepositoryConverter  # noqa: F401
from secscan.web import views

urlpatterns = [
    path(
        "repository/<webrepo:repository>/-/manifest/<str:digest>/security",
        views.manifest_security_page,
        name="ui-manifest-security",
    ),
]
