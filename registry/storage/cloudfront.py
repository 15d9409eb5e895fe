"""S3 behind a CloudFront distribution: bytes are written and read through S3, while pulls are
redirected to CloudFront URLs signed with the distribution's key pair (django-storages' signer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from registry.storage.base import StorageConfigError
from registry.storage.s3 import S3Storage


class CloudFrontedS3Storage(S3Storage):
    def __init__(
        self,
        *,
        cloudfront_distribution_domain: str = "",
        cloudfront_key_id: str = "",
        cloudfront_privatekey_filename: str = "",
        **s3_options: Any,
    ) -> None:
        for option, value in [
            ("cloudfront_distribution_domain", cloudfront_distribution_domain),
            ("cloudfront_key_id", cloudfront_key_id),
            ("cloudfront_privatekey_filename", cloudfront_privatekey_filename),
        ]:
            if not value:
                raise StorageConfigError(f"CloudFrontedS3Storage needs {option}")
        self.distribution_domain = cloudfront_distribution_domain
        self.key_id = cloudfront_key_id
        self.private_key = _private_key_pem(cloudfront_privatekey_filename)
        super().__init__(**s3_options)

    def _backend_options(self) -> dict[str, Any]:
        return {
            "custom_domain": self.distribution_domain,
            "cloudfront_key_id": self.key_id,
            "cloudfront_key": self.private_key,
        }

    def redirect_url(self, path: str, expires_in: int) -> str | None:
        return str(self.backend.url(path, expire=expires_in))


def _private_key_pem(filename: str) -> bytes:
    try:
        pem = Path(filename).read_bytes()
        serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise StorageConfigError(
            f"CloudFrontedS3Storage cloudfront_privatekey_filename {filename!r} is no unencrypted PEM "
            f"private key: {exc}"
        ) from None
    return pem
