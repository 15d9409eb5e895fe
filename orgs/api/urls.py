from django.urls import path

from orgs.api import views

urlpatterns = [
    path("user/", views.UserView.as_view(), name="api-user"),
    path("organization/", views.OrganizationListView.as_view(), name="api-organization-list"),
    path("organization/<str:orgname>", views.OrganizationView.as_view(), name="api-organization"),
]
