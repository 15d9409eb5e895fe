from django.urls import path

from pruning.api import views

# Imported for its converter: "repopath" matches nested repository names (registers once).
from registry.api.urls import RepositoryPathConverter  # noqa: F401

ORG = "organization/<str:orgname>/autoprunepolicy/"
REPOSITORY = "repository/<repopath:repository>/autoprunepolicy/"

# Included before registry.api.urls: its repository route would take a policy's path as a name.
urlpatterns = [
    path(ORG, views.NamespacePolicyListView.as_view(), name="api-org-autoprune-policies"),
    path(ORG + "<str:policy_uuid>", views.NamespacePolicyView.as_view(), name="api-org-autoprune-policy"),
    path("user/autoprunepolicy/", views.UserPolicyListView.as_view(), name="api-user-autoprune-policies"),
    path(
        "user/autoprunepolicy/<str:policy_uuid>",
        views.UserPolicyView.as_view(),
        name="api-user-autoprune-policy",
    ),
    path(REPOSITORY, views.RepositoryPolicyListView.as_view(), name="api-repository-autoprune-policies"),
    path(
        REPOSITORY + "<str:policy_uuid>",
        views.RepositoryPolicyView.as_view(),
        name="api-repository-autoprune-policy",
    ),
]
