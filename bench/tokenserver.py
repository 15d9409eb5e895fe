"""A tiny Docker token server for the reference registry (CNCF distribution 2.8).

distribution verifies a token's signature with the public key of the leaf certificate in the
JWT header's `x5c` chain, after checking that chain against its `rootcertbundle`. So this server
makes one self-signed P-256 certificate, writes it where the registry's config points, and signs
ES256 JWTs carrying that certificate in `x5c`. Claims: iss (the configured issuer), aud (the
configured service, a string as 2.8 expects), sub, exp/nbf/iat, jti and
access = [{"type": "repository", "name": ..., "actions": [...]}].

It grants every action asked for to one user (basic auth checked with a constant-time compare,
no password hash) and to no one else: the cheapest token server a registry can have.

Run as a process: python bench/tokenserver.py --port P --cert CERT.pem --issuer I --service S
--user U --password PW. It prints "ready" once listening.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hmac
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

LIFETIME = 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench token signer")])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        der = self.cert.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode()]}
        self.header_b64 = b64url(json.dumps(header, separators=(",", ":")).encode())

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, *, subject: str, audience: str, access: list[dict]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "exp": now + LIFETIME,
            "nbf": now - 5,
            "iat": now,
            "jti": secrets.token_urlsafe(12),
            "access": access,
        }
        signing_input = f"{self.header_b64}.{b64url(json.dumps(claims, separators=(',', ':')).encode())}"
        der_sig = self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der_sig)
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def access_from_scopes(scopes: list[str]) -> list[dict]:
    access = []
    for raw in scopes:
        for piece in raw.split(" "):
            kind, _, rest = piece.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind and name:
                access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
    return access


def make_handler(signer: Signer, service: str, user: str, password: str) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path != "/token":
                self._send(404, b'{"error":"not found"}')
                return
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                self._send(401, b'{"error":"unauthorized"}', {"WWW-Authenticate": 'Basic realm="bench"'})
                return
            query = parse_qs(parts.query)
            token = signer.issue(
                subject=user,
                audience=query.get("service", [service])[0],
                access=access_from_scopes(query.get("scope", [])),
            )
            body = json.dumps(
                {
                    "token": token,
                    "access_token": token,
                    "expires_in": LIFETIME,
                    "issued_at": datetime.datetime.now(datetime.UTC).isoformat(),
                }
            ).encode()
            self._send(200, body)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 50 pullers connect at once


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True, help="where to write the certificate (PEM)")
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    signer = Signer(args.issuer)
    with open(args.cert, "wb") as out:
        out.write(signer.cert_pem())
    server = Server(("127.0.0.1", args.port), make_handler(signer, args.service, args.user, args.password))
    print("ready", flush=True)
    sys.stdout.close()
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
