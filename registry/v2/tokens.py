"""Docker registry tokens: JWTs signed with a key kept in the database.

Every instance reads the same keys, so a token issued by one verifies on all. Verified tokens
are remembered per process (a cache, never state another instance needs): checking a signature
on every manifest GET would cost more than serving it. A remembered token's subject is checked
again (registry.v2.token_recheck) once it was last checked ``REGISTRY_TOKEN_RECHECK_SECONDS`` ago,
so a revoked credential stops working within that window, not at the token's expiry.
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

from registry.selectors.tokens import signing_key_get, signing_key_oldest
from registry.services.signing_keys import signing_key_create
from registry.v2.token_recheck import token_subject_current

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
    # The user's credential_generation and password fingerprint when the token was issued.
    generation: int | None = None
    password_fingerprint: str = ""
    # The id of each repository granted, by name: a re-created name is another repository.
    repository_ids: dict[str, int] = field(default_factory=dict)
    # Those of them that were public: they must still be (access may have come from that alone).
    public_repositories: frozenset[str] = frozenset()

    def allows(self, kind: str, name: str, action: str) -> bool:
        actions = self.access.get((kind, name), frozenset())
        return action in actions or "*" in actions


class InvalidToken(Exception):
    pass


_lock = threading.Lock()
_private_keys: dict[str, ec.EllipticCurvePrivateKey] = {}
_public_keys: dict[str, ec.EllipticCurvePublicKey] = {}
# (token, service) -> (claims, when its subject was last found current, on _clock).
_verified: OrderedDict[tuple[str, str], tuple[Claims, float]] = OrderedDict()
# Tokens found revoked: refused at once, without another signature check and lookup each time.
_revoked: OrderedDict[tuple[str, str], None] = OrderedDict()
_clock = time.monotonic


def _signing_key() -> tuple[str, ec.EllipticCurvePrivateKey]:
    if _private_keys:
        kid = next(iter(_private_keys))
        return kid, _private_keys[kid]
    row = signing_key_oldest()
    if row is None:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        row = signing_key_create(private_pem=pem)
    key = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    with _lock:
        _private_keys.setdefault(row.kid, key)
        _public_keys.setdefault(row.kid, key.public_key())
    return row.kid, key


def _public_key(kid: str) -> ec.EllipticCurvePublicKey:
    key = _public_keys.get(kid)
    if key is None:
        row = signing_key_get(kid=kid)
        if row is None:
            raise InvalidToken("unknown signing key")
        key = serialization.load_pem_private_key(row.private_pem.encode(), password=None).public_key()
        with _lock:
            _public_keys[kid] = key
    return key


@dataclass(frozen=True)
class Subject:
    """Who a token is for, as the token endpoint found them."""

    name: str = ""
    user_id: int | None = None
    credential: str = ""
    generation: int | None = None
    password_fingerprint: str = ""


def token_issue(
    *,
    service: str,
    subject: Subject,
    access: list[dict],
    repository_ids: dict[str, int],
    public_repositories: list[str] | None = None,
) -> tuple[str, int]:
    kid, key = _signing_key()
    now = int(time.time())
    lifetime = settings.REGISTRY_TOKEN_LIFETIME
    claims = {
        "iss": ISSUER,
        "sub": subject.name,
        "aud": service,
        "iat": now,
        "nbf": now - 5,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(12),
        "access": access,
        "context": {
            "user_id": subject.user_id,
            "credential": subject.credential,
            "generation": subject.generation,
            "password_fingerprint": subject.password_fingerprint,
            "repositories": repository_ids,
            "public": public_repositories or [],
        },
    }
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})
    # The subject was just found current: the first requests need not check it again.
    _remember(token, service, _claims_from(claims))
    return token, lifetime


def _claims_from(payload: dict) -> Claims:
    access: dict[tuple[str, str], frozenset[str]] = {}
    for entry in payload.get("access") or []:
        key = (str(entry.get("type")), str(entry.get("name")))
        access[key] = access.get(key, frozenset()) | frozenset(entry.get("actions") or [])
    context = payload.get("context") or {}
    return Claims(
        subject=payload.get("sub", ""),
        expires=float(payload["exp"]),
        access=access,
        user_id=context.get("user_id"),
        credential=str(context.get("credential") or ""),
        generation=context.get("generation"),
        password_fingerprint=str(context.get("password_fingerprint") or ""),
        repository_ids={str(name): int(pk) for name, pk in (context.get("repositories") or {}).items()},
        public_repositories=frozenset(str(name) for name in context.get("public") or []),
    )


def _remember(token: str, service: str, claims: Claims) -> None:
    with _lock:
        _verified[(token, service)] = (claims, _clock())
        while len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)


def _current(token: str, service: str, claims: Claims, checked: float) -> Claims:
    if _clock() - checked < settings.REGISTRY_TOKEN_RECHECK_SECONDS:
        return claims
    if not token_subject_current(claims):
        with _lock:
            _verified.pop((token, service), None)
            _revoked[(token, service)] = None
            while len(_revoked) > _VERIFIED_MAX:
                _revoked.popitem(last=False)
        raise InvalidToken("the token's credentials or repositories were revoked")
    _remember(token, service, claims)
    return claims


def token_verify(token: str, *, service: str) -> Claims:
    if (token, service) in _revoked:
        raise InvalidToken("the token's credentials or repositories were revoked")
    remembered = _verified.get((token, service))
    if remembered is not None:
        claims, checked = remembered
        if claims.expires > time.time():
            return _current(token, service, claims, checked)
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
        claims = _claims_from(payload)
    except (jwt.PyJWTError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidToken(str(exc)) from None
    # First seen by this process: its subject is checked now.
    return _current(token, service, claims, checked=float("-inf"))
