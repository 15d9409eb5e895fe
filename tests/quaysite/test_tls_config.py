"""Direct TLS: SSL_CERT_PATH and SSL_KEY_PATH come together, exist, and need scheme https; the
self-signed pair `make run TLS=1` makes is a CA and a server certificate it signs."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from quaysite.config import ConfigError, load_config
from quaysite.tls_selfsigned import certificates_ensure

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tls")
    certificates_ensure(directory, ["registry.example.com", "10.1.2.3"])
    return directory


def test_certificate_and_key_are_served_with_scheme_https(pair: Path):
    config = load_config(
        {
            "QUAY_SSL_CERT_PATH": str(pair / "server.crt"),
            "QUAY_SSL_KEY_PATH": str(pair / "server.key"),
            "QUAY_PREFERRED_URL_SCHEME": "https",
        }
    )
    assert config["SSL_CERT_PATH"] == str(pair / "server.crt")


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"QUAY_SSL_CERT_PATH": "server.crt"}, "give both or neither"),
        ({"QUAY_SSL_CERT_PATH": "/nonexistent.crt", "QUAY_SSL_KEY_PATH": "/nonexistent.key"}, "SSL_KEY_PATH"),
    ],
)
def test_bad_tls_settings_are_named(environ, named):
    with pytest.raises(ConfigError, match=named):
        load_config({**environ, "QUAY_PREFERRED_URL_SCHEME": "https"})


def test_direct_tls_needs_scheme_https(pair: Path):
    with pytest.raises(ConfigError, match="PREFERRED_URL_SCHEME: https"):
        load_config(
            {"QUAY_SSL_CERT_PATH": str(pair / "server.crt"), "QUAY_SSL_KEY_PATH": str(pair / "server.key")}
        )


def test_the_server_certificate_is_signed_by_the_ca_for_every_name(pair: Path):
    # Python's own verification, as a client trusting only the CA does it.
    context = ssl.create_default_context(cafile=str(pair / "ca" / "ca.crt"))
    context.load_cert_chain(pair / "server.crt", pair / "server.key")
    certificate = x509.load_pem_x509_certificate((pair / "server.crt").read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "registry.example.com"}
    assert set(names.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address(address) for address in ("127.0.0.1", "::1", "10.1.2.3")
    }
    ca = x509.load_pem_x509_certificate((pair / "ca" / "ca.crt").read_bytes())
    certificate.verify_directly_issued_by(ca)
    assert list((pair / "ca").iterdir()) == [pair / "ca" / "ca.crt"]


def test_a_second_run_keeps_the_pair_clients_already_trust(pair: Path):
    before = (pair / "ca" / "ca.crt").read_bytes(), (pair / "server.crt").read_bytes()
    subprocess.run(
        [sys.executable, "-m", "quaysite.tls_selfsigned", str(pair)], cwd=ROOT, check=True, timeout=60
    )
    assert ((pair / "ca" / "ca.crt").read_bytes(), (pair / "server.crt").read_bytes()) == before
    assert (pair / "server.key").stat().st_mode & 0o077 == 0
