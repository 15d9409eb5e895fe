from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.http import service_host


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "index.html", {"title": settings.REGISTRY_TITLE, "host": service_host(request)})
