"""The name clients reach this registry by, for the links, commands and token audience every
app shows or checks."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def service_host(request: HttpRequest) -> str:
    """SERVER_HOSTNAME when configured, else the request's host."""
    return settings.SERVER_HOSTNAME or request.get_host()
