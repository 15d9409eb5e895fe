"""Docker registry tokens: JWTs signed with a key kept in the database.

Every instance reads the same keys, so a token issued by one verifies on all. Verified tokens
are remembered per process (a cache, never state another instance needs): checking a signature
on every manifest GET would cost more than serving it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from registry.models import SigningKey

ALGORITHM = "ES256"
ISSUER = "quaysite"
_VERIFIED_MAX = 20000


@dataclass(frozen=True)
class Claims:
    subject: str
    expires: float
    access: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    user_id: int | None = None
    # How the subject logged in (password, robot, app_token:<code>), for the audit log.
    credential: str = ""

    def allows(self, kind: str, name: str, action: str) -> bool:
        actions = self.access.get((kind, name), frozenset())
        return action in actions or "*" in actions


class InvalidToken(Exception):
    pass


_lock = threading.Lock()
_private_keys: dict[str, ec.EllipticCurvePrivateKey] = {}
_public_keys: dict[str, ec.EllipticCurvePublicKey] = {}
_verified: OrderedDict[tuple[str, str], Claims] = OrderedDict()


def _signing_key() -> tuple[str, ec.EllipticCurvePrivateKey]:
    if _private_keys:
        kid = next(iter(_private_keys))
        return kid, _private_keys[kid]
    row = SigningKey.objects.order_by("created", "pk").first()
    if row is None:
        # First start: several instances may race here; each key they make stays valid.
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        row = SigningKey.objects.create(kid=secrets.token_hex(16), private_pem=pem)
    key = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    with _lock:
        _private_keys.setdefault(row.kid, key)
        _public_keys.setdefault(row.kid, key.public_key())
    return row.kid, key


def _public_key(kid: str) -> ec.EllipticCurvePublicKey:
    key = _public_keys.get(kid)
    if key is None:
        row = SigningKey.objects.filter(kid=kid).first()
        if row is None:
            raise InvalidToken("unknown signing key")
        key = serialization.load_pem_private_key(row.private_pem.encode(), password=None).public_key()
        with _lock:
            _public_keys[kid] = key
    return key


def token_issue(
    *, service: str, subject: str, user_id: int | None, access: list[dict], credential: str = ""
) -> tuple[str, int]:
    kid, key = _signing_key()
    now = int(time.time())
    lifetime = settings.REGISTRY_TOKEN_LIFETIME
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "aud": service,
        "iat": now,
        "nbf": now - 5,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(12),
        "access": access,
        "context": {"user_id": user_id, "credential": credential},
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid}), lifetime


def token_verify(token: str, *, service: str) -> Claims:
    claims = _verified.get((token, service))
    if claims is not None:
        if claims.expires > time.time():
            return claims
        raise InvalidToken("token expired")
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(
            token,
            _public_key(str(header.get("kid", ""))),
            algorithms=[ALGORITHM],
            audience=service,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "aud", "iss"]},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    access: dict[tuple[str, str], frozenset[str]] = {}
    for entry in payload.get("access") or []:
        key = (str(entry.get("type")), str(entry.get("name")))
        access[key] = access.get(key, frozenset()) | frozenset(entry.get("actions") or [])
    claims = Claims(
        subject=payload.get("sub", ""),
        expires=float(payload["exp"]),
        access=access,
        user_id=(payload.get("context") or {}).get("user_id"),
        credential=str((payload.get("context") or {}).get("credential") or ""),
    )
    with _lock:
        _verified[(token, service)] = claims
        while len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)
    return claims
