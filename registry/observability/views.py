"""GET /metrics: Prometheus's text format, for loopback and superusers' bearer tokens by default.

Who may scrape is configured: METRICS_ALLOWED_NETWORKS are the addresses that need no
credentials (loopback by default; the client's address as quaysite.client_address finds it
behind TRUSTED_PROXIES), and with METRICS_SUPERUSER_ACCESS a superuser's OAuth token with the
super:user scope works from anywhere. Anyone else gets a 401 or 403 in the API's error format.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema

# Every name here is a classic one: the 0.0.4 text format, which every Prometheus reads.
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from orgs.request_context import request_user
from orgs.selectors.identity import is_superuser
from quaysite.client_address import client_address
from quaysite.metrics import metrics_exposition
from quaysite.oauth import ScopedOAuth2Authentication

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in allowed)


def _address_allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


class MetricsAccess(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if _address_allowed(client_address(request)):
            return True
        if not settings.METRICS_SUPERUSER_ACCESS:
            raise PermissionDenied("metrics are not readable from this address")
        user = request_user(request)
        if user is None:
            raise NotAuthenticated("metrics need a superuser's bearer token from this address")
        if not is_superuser(user):
            raise PermissionDenied("metrics are readable by superusers only")
        return True


class MetricsView(APIView):
    authentication_classes = [ScopedOAuth2Authentication]
    permission_classes = [MetricsAccess]
    required_scopes = ["super:user"]

    # Prometheus's text format, not the REST API's JSON: out of the API's discovery document.
    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
