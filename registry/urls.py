from django.urls import path, re_path

from registry import auth_views, health, views

urlpatterns = [
    path("v2/", views.ping),
    path("v2/auth", auth_views.token),
    path("v2/_catalog", views.catalog),
    # [\s\S], not `.`: a path holding a newline must reach the registry's JSON errors too, not
    # the web UI's HTML 404.
    re_path(r"^v2/(?P<path>[\s\S]+)$", views.dispatch),
    # Without it, /v2 (no slash) would fall through to the web UI's HTML 404.
    path("v2", views.route_unknown),
    path("health/instance", health.instance),
    path("health/endtoend", health.endtoend),
]
