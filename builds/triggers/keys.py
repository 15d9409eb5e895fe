"""The SSH deploy key of a custom-git trigger: generated here, the private half encrypted at
rest for the builder's clone, the public half shown to add to the git server."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def deploy_key_generate(comment: str) -> tuple[str, str]:
    """(private key in OpenSSH PEM, public key line "ssh-ed25519 AAAA... comment")."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, f"{public.decode()} {comment}"
