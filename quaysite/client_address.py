"""The address a request came from, behind the proxies configured in TRUSTED_PROXIES.

``X-Forwarded-For`` is whatever the client wrote, with each proxy appending the address it saw.
Reading it from the right, every address that is a trusted proxy is skipped; the first one that
is not is the client. A request from an address that is no trusted proxy keeps REMOTE_ADDR, so a
client cannot name its own address to escape the login throttle.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    if not remote or not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = [
        hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()
    ]
    address = remote
    for hop in reversed(forwarded):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # A malformed entry is the client's doing: the last proxy's view is all we trust.
            return address
        address = hop
        if not _is_trusted(hop, networks):
            return hop
    return address
