"""The registry's token signing keys, kept in the database so every instance verifies what any
of them signed."""

from __future__ import annotations

import secrets

from registry.models import SigningKey


def signing_key_create(*, private_pem: str) -> SigningKey:
    # First start: several instances may race here; each key they make stays valid.
    return SigningKey.objects.create(kid=secrets.token_hex(16), private_pem=private_pem)
