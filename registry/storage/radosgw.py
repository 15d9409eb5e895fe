"""Ceph RADOS Gateway and OpenShift Data Foundation (NooBaa): S3 on premise, under Quay's option
names for those engines (hostname, is_secure, port, access_key, secret_key, bucket_name)."""

from __future__ import annotations

from registry.storage.base import StorageConfigError
from registry.storage.s3 import S3Storage


class RadosGWStorage(S3Storage):
    def __init__(
        self,
        *,
        hostname: str = "",
        bucket_name: str = "",
        access_key: str | None = None,
        secret_key: str | None = None,
        is_secure: bool = True,
        port: int | None = None,
        storage_path: str = "",
        region_name: str = "us-east-1",
        signature_version: str = "s3v4",
    ) -> None:
        if not hostname:
            # Unlike AWS S3 there is no default endpoint to fall back to.
            raise StorageConfigError(f"{type(self).__name__} needs hostname")
        if not bucket_name:
            raise StorageConfigError(f"{type(self).__name__} needs bucket_name")
        super().__init__(
            s3_bucket=bucket_name,
            s3_access_key=access_key,
            s3_secret_key=secret_key,
            storage_path=storage_path,
            host=hostname.removeprefix("https://").removeprefix("http://"),
            port=port,
            is_secure=is_secure,
            s3_region=region_name,
            signature_version=signature_version,
        )


class RHOCSStorage(RadosGWStorage):
    """OpenShift Data Foundation's Multicloud Object Gateway (NooBaa): the same protocol and options."""
