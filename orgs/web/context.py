"""What every page's layout needs: the registry's title and host, whether sign-up is open,
whether the registry is in read-only mode, and what clients need on plain HTTP."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from quaysite.client_commands import docker_insecure_config, tls_flag
from quaysite.hosts import service_host
from quaysite.readonly import registry_read_only


def site(request: HttpRequest) -> dict:
    host = service_host(request)
    return {
        "site": {
            "title": settings.REGISTRY_TITLE,
            "host": host,
            "tls_flag": tls_flag(),
            "docker_insecure": docker_insecure_config(host),
            "signup": settings.FEATURE_USER_CREATION,
            "read_only": registry_read_only(),
        }
    }
