"""What every page's layout needs: the registry's title and host, whether sign-up is open,
whether the registry is in read-only mode, what clients need on plain HTTP, and the items apps
add to the header."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from orgs.web.header import header_items_render
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
            # Called by the layout only: a fragment rendered with a request (a settings panel)
            # passes through this processor too and must not pay for the header's queries.
            "header_items": lambda: header_items_render(request),
        }
    }
