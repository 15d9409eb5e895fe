from django.urls import path, register_converter

from registry.api import gc, logs, manifests, permissions, search, stars, storage, tags, views


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
    path("find/repositories", search.RepositorySearchView.as_view(), name="api-find-repositories"),
    path("superuser/gc", gc.GCView.as_view(), name="api-superuser-gc"),
    path(
        "superuser/storage/replication",
        storage.ReplicationView.as_view(),
        name="api-superuser-storage-replication",
    ),
    path(
        "superuser/namespaces/<str:namespace>/storage",
        storage.NamespaceStorageView.as_view(),
        name="api-superuser-namespace-storage",
    ),
    path("user/starred", stars.StarredRepositoryListView.as_view(), name="api-starred"),
    path(
        "user/starred/<repopath:repository>",
        stars.StarredRepositoryView.as_view(),
        name="api-starred-repository",
    ),
    path(
        "repository/<repopath:repository>/changevisibility",
        views.RepositoryVisibilityView.as_view(),
        name="api-repository-visibility",
    ),
    path(
        "repository/<repopath:repository>/changestate",
        views.RepositoryStateView.as_view(),
        name="api-repository-state",
    ),
    path("repository/<repopath:repository>/tag/", views.RepositoryTagListView.as_view(), name="api-tags"),
    path(
        "repository/<repopath:repository>/tag/<str:tag>/restore",
        tags.RestoreTagView.as_view(),
        name="api-tag-restore",
    ),
    path(
        "repository/<repopath:repository>/tag/<str:tag>/expire",
        tags.ExpireTagView.as_view(),
        name="api-tag-expire",
    ),
    path("repository/<repopath:repository>/tag/<str:tag>", tags.RepositoryTagView.as_view(), name="api-tag"),
    path(
        "repository/<repopath:repository>/manifest/<str:digest>/labels/<str:labelid>",
        manifests.ManifestLabelView.as_view(),
        name="api-manifest-label",
    ),
    path(
        "repository/<repopath:repository>/manifest/<str:digest>/labels",
        manifests.ManifestLabelsView.as_view(),
        name="api-manifest-labels",
    ),
    path(
        "repository/<repopath:repository>/manifest/<str:digest>",
        manifests.ManifestView.as_view(),
        name="api-manifest",
    ),
    path(
        "repository/<repopath:repository>/permissions/user/",
        permissions.UserPermissionListView.as_view(),
        name="api-permissions-users",
    ),
    path(
        "repository/<repopath:repository>/permissions/user/<str:username>/transitive",
        permissions.UserTransitivePermissionView.as_view(),
        name="api-permission-user-transitive",
    ),
    path(
        "repository/<repopath:repository>/permissions/user/<str:username>",
        permissions.UserPermissionView.as_view(),
        name="api-permission-user",
    ),
    path(
        "repository/<repopath:repository>/permissions/team/",
        permissions.TeamPermissionListView.as_view(),
        name="api-permissions-teams",
    ),
    path(
        "repository/<repopath:repository>/permissions/team/<str:teamname>",
        permissions.TeamPermissionView.as_view(),
        name="api-permission-team",
    ),
    path(
        "repository/<repopath:repository>/logs", logs.RepositoryLogsView.as_view(), name="api-repository-logs"
    ),
    path(
        "repository/<repopath:repository>/aggregatelogs",
        logs.RepositoryAggregateLogsView.as_view(),
        name="api-repository-aggregatelogs",
    ),
    path("repository/<repopath:repository>", views.RepositoryView.as_view(), name="api-repository"),
]
