from django.urls import path, re_path

from registry import auth_views, health, views

urlpatterns = [
    path("v2/", views.ping),
    path("v2/auth", auth_views.token),
    path("v2/_catalog", views.catalog),
    re_path(r"^v2/(?P<path>.+)$", views.dispatch),
    path("health/instance", health.instance),
    path("health/endtoend", health.endtoend),
]
