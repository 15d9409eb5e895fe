"""What every page's layout needs: the registry's title, host and whether sign-up is open."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from registry.http import service_host


def site(request: HttpRequest) -> dict:
    return {
        "site": {
            "title": settings.REGISTRY_TITLE,
            "host": service_host(request),
            "signup": settings.FEATURE_USER_CREATION,
        }
    }
