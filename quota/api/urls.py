from django.urls import path

from quota.api import superuser, views

ORG = "organization/<str:orgname>/quota"
USER = "user/quota"

urlpatterns = [
    path(ORG, views.OrganizationQuotaListView.as_view(), name="api-org-quotas"),
    path(ORG + "/<str:quota_id>", views.OrganizationQuotaView.as_view(), name="api-org-quota"),
    path(
        ORG + "/<str:quota_id>/limit",
        views.OrganizationQuotaLimitListView.as_view(),
        name="api-org-quota-limits",
    ),
    path(
        ORG + "/<str:quota_id>/limit/<str:limit_id>",
        views.OrganizationQuotaLimitView.as_view(),
        name="api-org-quota-limit",
    ),
    path(USER, views.UserQuotaListView.as_view(), name="api-user-quotas"),
    path(USER + "/<str:quota_id>", views.UserQuotaView.as_view(), name="api-user-quota"),
    path(
        USER + "/<str:quota_id>/limit",
        views.UserQuotaLimitListView.as_view(),
        name="api-user-quota-limits",
    ),
    path(
        USER + "/<str:quota_id>/limit/<str:limit_id>",
        views.UserQuotaLimitView.as_view(),
        name="api-user-quota-limit",
    ),
    path("superuser/registrysize/", superuser.RegistrySizeView.as_view(), name="api-superuser-registrysize"),
]

# Quay takes a user's and an organization's namespace on both prefixes alike.
for kind, operation_kind in (("users", "User"), ("organization", "Organization")):
    prefix = f"superuser/{kind}/<str:namespace>/quota"
    urlpatterns += [
        path(
            prefix,
            superuser.superuser_view_for(superuser.SuperuserQuotaListView, operation_kind).as_view(),
            name=f"api-superuser-{kind}-quotas",
        ),
        path(
            prefix + "/<str:quota_id>",
            superuser.superuser_view_for(superuser.SuperuserQuotaView, operation_kind).as_view(),
            name=f"api-superuser-{kind}-quota",
        ),
        path(
            prefix + "/<str:quota_id>/limit",
            superuser.superuser_view_for(superuser.SuperuserQuotaLimitListView, operation_kind).as_view(),
            name=f"api-superuser-{kind}-quota-limits",
        ),
        path(
            prefix + "/<str:quota_id>/limit/<str:limit_id>",
            superuser.superuser_view_for(superuser.SuperuserQuotaLimitView, operation_kind).as_view(),
            name=f"api-superuser-{kind}-quota-limit",
        ),
    ]
