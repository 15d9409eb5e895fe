from django.urls import path, register_converter

from registry.api import views


class RepositoryPathConverter:
    """'namespace/name' with nested names ('org/team/app'): path segments joined by slashes."""

    regex = r"[^/]+(?:/[^/]+)+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RepositoryPathConverter, "repopath")

# The more specific routes come first: the converter would also match their suffixes.
urlpatterns = [
    path("repository", views.RepositoryListView.as_view(), name="api-repository-list"),
    path(
        "repository/<repopath:repository>/changevisibility",
        views.RepositoryVisibilityView.as_view(),
        name="api-repository-visibility",
    ),
    path("repository/<repopath:repository>/tag/", views.RepositoryTagListView.as_view(), name="api-tags"),
    path("repository/<repopath:repository>", views.RepositoryView.as_view(), name="api-repository"),
]
