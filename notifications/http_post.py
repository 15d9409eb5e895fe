"""Posting to a user-given URL without letting it reach inside the network (SSRF).

The host is resolved once and every address it resolves to is checked: loopback, private,
link-local (which holds the cloud metadata service, 169.254.169.254), multicast, reserved and
unspecified addresses are refused unless NOTIFICATION_ALLOW_PRIVATE_TARGETS is set. The request
then goes to the address that was checked, not to a second lookup of the name, so a DNS answer
that changes between check and connect (rebinding) cannot slip through; TLS still verifies the
certificate against the URL's host name. Redirects are not followed: a 3xx is a failed send.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

# Metadata services outside the link-local range (AWS's IPv6 one, Alibaba's).
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)


class TargetRefused(Exception):
    """The URL is not one a notification may be sent to."""


class SendFailed(Exception):
    """A send that did not reach the receiver or was not accepted by it."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class Response:
    status_code: int | None
    elapsed_ms: int


def address_refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address in METADATA_ADDRESSES or not address.is_global or address.is_multicast


def target_resolve(url: str) -> tuple[str, str, int]:
    """(scheme, checked address, port) for ``url``; raises TargetRefused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise TargetRefused(f"cannot resolve {parts.hostname}: {error}") from None
    addresses = [ipaddress.ip_address(entry[4][0].split("%")[0]) for entry in found]
    if not settings.NOTIFICATION_ALLOW_PRIVATE_TARGETS:
        refused = [str(address) for address in addresses if address_refused(address)]
        if refused:
            raise TargetRefused(f"{parts.hostname} resolves to a non-public address ({', '.join(refused)})")
    return parts.scheme, str(addresses[0]), port


def json_post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POSTs ``body`` to the checked address of ``url``; a 2xx is success, all else SendFailed."""
    scheme, address, port = target_resolve(url)
    parts = urlsplit(url)
    timeout = urllib3.Timeout(
        connect=settings.NOTIFICATION_SEND_TIMEOUT, read=settings.NOTIFICATION_SEND_TIMEOUT
    )
    options: dict = {"timeout": timeout, "retries": False, "maxsize": 1}
    if scheme == "https":
        options.update(server_hostname=parts.hostname, assert_hostname=parts.hostname)
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(address, port, **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    host = parts.netloc.rsplit("@", 1)[-1]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                path,
                body=body,
                headers={"Host": host, "Content-Type": "application/json", **headers},
                redirect=False,
                preload_content=True,
            )
    except urllib3.exceptions.HTTPError as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from None
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if not 200 <= response.status < 300:
        raise SendFailed(f"{response.status} response from {parts.hostname}", status_code=response.status)
    return Response(status_code=response.status, elapsed_ms=elapsed_ms)
