"""Secrets at rest: encrypted when the value must come back, hashed when it only needs checking.

Encryption uses Fernet keys derived from ``DATABASE_SECRET_KEY`` (encrypts and decrypts) and
``DATABASE_SECRET_KEYS_OLD`` (decrypt only), so an operator rotates by moving the current key to
the old list, setting a new one, and re-encrypting stored values with ``secret_rotate``.

Robot and app tokens are random and long, so a plain SHA-256 stands: a dump of the hashes cannot
be guessed back, and checking stays cheap on every login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from orgs.errors import SecretUndecryptable

_KEY_INFO = b"quaysite database secrets v1"
TOKEN_ALPHABET = string.ascii_uppercase + string.digits


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    # The first key encrypts; every key is tried to decrypt.
    return MultiFernet(
        [_fernet(settings.DATABASE_SECRET_KEY)] + [_fernet(old) for old in settings.DATABASE_SECRET_KEYS_OLD]
    )


def secret_encrypt(plaintext: str) -> str:
    return _keys().encrypt(plaintext.encode()).decode()


def secret_decrypt(ciphertext: str) -> str:
    try:
        return _keys().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUndecryptable(
            "no configured DATABASE_SECRET_KEY decrypts this value; was the key changed without "
            "keeping the old one in DATABASE_SECRET_KEYS_OLD?"
        ) from None


def secret_rotate(ciphertext: str) -> str:
    """The same plaintext, encrypted under the current key."""
    try:
        return _keys().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUndecryptable("no configured DATABASE_SECRET_KEY decrypts this value") from None


def secret_generate(length: int) -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def secret_hash_matches(value: str, hashed: str) -> bool:
    return hmac.compare_digest(secret_hash(value), hashed)
