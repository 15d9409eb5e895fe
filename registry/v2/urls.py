from django.urls import path, re_path

from registry.v2 import auth, catalog, routing

urlpatterns = [
    path("v2/", routing.ping),
    path("v2/auth", auth.token),
    path("v2/_catalog", catalog.catalog),
    # [\s\S], not `.`: a path holding a newline must reach the registry's JSON errors too, not
    # the web UI's HTML 404.
    re_path(r"^v2/(?P<path>[\s\S]+)$", routing.dispatch),
    # Without it, /v2 (no slash) would fall through to the web UI's HTML 404.
    path("v2", routing.route_unknown),
]
