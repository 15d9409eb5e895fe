"""The upload URL a filedrop hands out: its path names the slot and carries a signature, so the
PUT needs no session or token header (as Quay's storage URLs), and works for an hour."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from builds.models import FileDrop

UPLOAD_SECONDS = 3600
_SALT = "builds.filedrop"


def filedrop_upload_path(drop: FileDrop) -> str:
    signature = signing.TimestampSigner(salt=_SALT).sign(str(drop.file_id)).rsplit(":", 2)
    return reverse("filedrop-upload", args=[str(drop.file_id)]) + f"?signature={signature[1]}:{signature[2]}"


def filedrop_signature_valid(file_id: str, signature: str) -> bool:
    try:
        signing.TimestampSigner(salt=_SALT).unsign(f"{file_id}:{signature}", max_age=UPLOAD_SECONDS)
    except signing.BadSignature:
        return False
    return True
