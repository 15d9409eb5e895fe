from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_from_source
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.static import serve

from quaysite.hosts import service_host


def index(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("ui-repositories")
    return render(request, "index.html", {"title": settings.REGISTRY_TITLE, "host": service_host(request)})


def static_file(request: HttpRequest, path: str) -> HttpResponseBase:
    """The source tree's files first, so a stale `collectstatic` never hides a change; then the
    collected ones (a deployment may carry only those)."""
    try:
        return serve_from_source(request, path, insecure=True)
    except Http404:
        return serve(request, path, document_root=str(settings.STATIC_ROOT))
