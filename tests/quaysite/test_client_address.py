"""The client's address behind trusted proxies; X-Forwarded-For from anyone else is ignored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from quaysite.client_address import client_address
from quaysite.config import ConfigError, load_config


def _request(remote: str, forwarded: str | None = None):
    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.fixture(autouse=True)
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::1"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        ("2001:db8::1", "203.0.113.5", "203.0.113.5"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "not-an-address, 203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "203.0.113.5, garbage", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),
    ],
)
def test_client_address(remote, forwarded, expected):
    assert client_address(_request(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("10.0.0.2", "203.0.113.5")) == "10.0.0.2"


def test_a_bad_trusted_proxy_stops_start_up(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("TRUSTED_PROXIES: [10.0.0.0/8, lb.internal]\n")
    with pytest.raises(ConfigError, match="lb.internal"):
        load_config({"QUAY_CONFIG": str(path)})
