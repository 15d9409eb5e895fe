"""What every page's layout needs: the registry's title and host, whether sign-up is open and
whether the registry is in read-only mode."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from quaysite.hosts import service_host
from quaysite.readonly import registry_read_only


def site(request: HttpRequest) -> dict:
    return {
        "site": {
            "title": settings.REGISTRY_TITLE,
            "host": service_host(request),
            "signup": settings.FEATURE_USER_CREATION,
            "read_only": registry_read_only(),
        }
    }
