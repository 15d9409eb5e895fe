from django.urls import path, register_converter

from registry.web import manifests, repositories, settings


class WebRepositoryConverter:
    """'namespace/name', nested names included; '-' is never a name component, so '/-/' starts
    a page of the repository ('acme/app/-/settings')."""

    regex = r"[^/]+(?:/(?!-/)[^/]+)+?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(WebRepositoryConverter, "webrepo")

REPO = "repository/<webrepo:repository>"

urlpatterns = [
    path("organization/<str:org>/", repositories.organization_repositories, name="ui-organization"),
    path("repositories/", repositories.repository_list, name="ui-repositories"),
    path("repositories/new", repositories.repository_new, name="ui-repository-new"),
    path(REPO + "/-/description", repositories.repository_description, name="ui-repository-description"),
    path(REPO + "/-/manifest/<str:digest>", manifests.manifest_page, name="ui-manifest"),
    path(
        REPO + "/-/manifest/<str:digest>/labels/<str:label>/delete",
        manifests.label_remove,
        name="ui-label-delete",
    ),
    path(REPO + "/-/tags/<str:tag>/delete", repositories.tag_remove, name="ui-tag-delete"),
    path(REPO + "/-/tags/<str:tag>/expiration", repositories.tag_expiration, name="ui-tag-expiration"),
    path(REPO + "/-/history", repositories.tag_history, name="ui-tag-history"),
    path(REPO + "/-/history/restore", repositories.tag_history_restore, name="ui-tag-restore"),
    path(REPO + "/-/settings", settings.repository_settings, name="ui-repository-settings"),
    path(REPO + "/-/settings/permissions", settings.permission_grant, name="ui-permission-grant"),
    path(
        REPO + "/-/settings/permissions/<str:kind>/<str:name>/revoke",
        settings.permission_revoke,
        name="ui-permission-revoke",
    ),
    path(REPO + "/-/settings/visibility", settings.visibility_change, name="ui-repository-visibility"),
    path(REPO + "/-/settings/state", settings.state_change, name="ui-repository-state"),
    path(REPO + "/-/settings/delete", settings.repository_remove, name="ui-repository-delete"),
    path(REPO + "/", repositories.repository_detail, name="ui-repository"),
]
