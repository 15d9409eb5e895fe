from django.contrib import admin
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerView

from quaysite import views
from quaysite.api_errors import api_error_type, api_not_found
from quaysite.api_schema import DiscoveryView

api_v1: list[URLPattern | URLResolver] = [
    path("discovery", DiscoveryView.as_view(), name="api-discovery"),
    path("error/<str:error_type>", api_error_type, name="api-error-type"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api-discovery"), name="api-docs"),
    path("", include("orgs.api.urls")),
    # Before the registry's: its repository route would take a policy's or a mirror's path for a
    # repository name.
    path("", include("pruning.api.urls")),
    path("", include("mirroring.api.urls")),
    path("", include("builds.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("registry.api.urls")),
    path("", include("quota.api.urls")),
    # Anything else under /api/v1 is a 404 in the API's JSON shape, not the HTML page.
    re_path(r"^.*$", api_not_found, name="api-not-found"),
]

urlpatterns = [
    path("", views.index, name="index"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links; one icon, in SVG.
    path("favicon.ico", RedirectView.as_view(url=static("ui/favicon.svg"), permanent=True)),
    path("", include("registry.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("builds.urls")),
    path("oauth/", include(("quaysite.oauth", "oauth2_provider"))),
    path("admin/", admin.site.urls),
    # The web UI after the registry's routes, which /v2/ traffic then matches first.
    path("", include("orgs.web.urls")),
    path("", include("pruning.web.urls")),
    path("", include("mirroring.web.urls")),
    path("", include("builds.web.urls")),
    path("", include("notifications.web.urls")),
    path("", include("registry.web.urls")),
    # The admin's and the UI's few assets, served from the source tree or as
    # collected by `make run`; no separate web server needed.
    re_path(r"^static/(?P<path>.*)$", views.static_file),
]

# Requests refused before any view (a bad Host header) answer in their API's error format.
handler400 = "registry.error_pages.bad_request"
