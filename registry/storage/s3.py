"""Objects in an S3-compatible bucket: AWS S3, Ceph RadosGW, OpenShift Data Foundation, MinIO."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from registry.storage.base import (
    BlobStat,
    BlobWriter,
    PathNotFound,
    StorageConfigError,
    StorageDriver,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import GetObjectRequestTypeDef

# S3 allows at most 10,000 parts, so 8 MiB parts cap one object at about 78 GiB.
PART_SIZE = 8 * 1024 * 1024

# Below this a move is one CopyObject request; above it, parallel server-side part copies.
MOVE_TRANSFER = TransferConfig(multipart_threshold=256 * 1024 * 1024, multipart_chunksize=256 * 1024 * 1024)

# head_object has no body, so a missing key shows only as its HTTP status.
MISSING_KEY_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3BlobWriter(BlobWriter):
    """Uploads in PART_SIZE parts so memory stays bounded whatever the object's size."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client = client
        self.bucket = bucket
        self.key = key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        self.size += len(view)
        while view:
            # A full part is sent only once more data arrives, so an object of exactly one
            # part still goes up in a single put_object.
            if len(self.buffer) == PART_SIZE:
                self._upload_part()
            room = PART_SIZE - len(self.buffer)
            self.buffer += view[:room]
            view = view[room:]

    def _upload_part(self) -> None:
        if self.upload_id is None:
            created = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        response = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            # Sent as is, no copy: the buffer is replaced, never mutated, once the part is up.
            Body=self.buffer,
        )
        self.parts.append({"PartNumber": number, "ETag": response["ETag"]})
        self.buffer = bytearray()

    def commit(self) -> None:
        if self.upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=self.buffer)
        else:
            self._upload_part()
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
            # Completed: a later cancel() must not try to abort it.
            self.upload_id = None
        self.buffer = bytearray()

    def cancel(self) -> None:
        self.buffer = bytearray()
        if self.upload_id is None:
            return
        upload_id, self.upload_id = self.upload_id, None
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        except ClientError as exc:
            if _error_code(exc) != "NoSuchUpload":
                raise


class S3Storage(StorageDriver):
    def __init__(
        self,
        *,
        s3_bucket: str = "",
        s3_access_key: str | None = None,
        s3_secret_key: str | None = None,
        storage_path: str = "",
        host: str | None = None,
        port: int | None = None,
        is_secure: bool = True,
        s3_region: str = "us-east-1",
        signature_version: str = "s3v4",
        ca_bundle: str | None = None,
    ) -> None:
        """``ca_bundle``: a PEM file of the CAs that sign the store's certificate (a private CA's
        Ceph RGW or MinIO), instead of the system's."""
        if not s3_bucket:
            raise StorageConfigError("S3Storage needs s3_bucket")
        self.bucket = s3_bucket
        self.prefix = storage_path.strip("/")
        # One client per driver: botocore clients are thread-safe and keep the connection pool.
        self.client = boto3.session.Session().client(
            "s3",
            region_name=s3_region,
            endpoint_url=_endpoint_url(host, port, is_secure),
            # None falls back to boto3's credential chain, e.g. an instance or pod role.
            aws_access_key_id=s3_access_key,
            aws_secret_access_key=s3_secret_key,
            config=_client_config(signature_version, path_style=bool(host)),
            verify=ca_bundle,
        )

    def _key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def open(self, path: str, offset: int = 0) -> BinaryIO:
        request: GetObjectRequestTypeDef = {"Bucket": self.bucket, "Key": self._key(path)}
        if offset:
            request["Range"] = f"bytes={offset}-"
        try:
            response = self.client.get_object(**request)
        except ClientError as exc:
            code = _error_code(exc)
            if code in MISSING_KEY_CODES:
                raise PathNotFound(path) from None
            # S3 refuses a range starting at the end; a file read there is simply empty.
            if code == "InvalidRange" and offset:
                return io.BytesIO(b"")
            raise
        # StreamingBody is an io.IOBase: read(n), close() and the context manager all work.
        return cast(BinaryIO, response["Body"])

    def writer(self, path: str) -> BlobWriter:
        return S3BlobWriter(self.client, self.bucket, self._key(path))

    def stat(self, path: str) -> BlobStat:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=self._key(path))
        except ClientError as exc:
            if _error_code(exc) in MISSING_KEY_CODES:
                raise PathNotFound(path) from None
            raise
        return BlobStat(size=response["ContentLength"])

    def delete(self, path: str) -> None:
        # S3 answers a delete of a missing key with success already.
        self.client.delete_object(Bucket=self.bucket, Key=self._key(path))

    def move(self, source: str, destination: str) -> None:
        # The managed copy switches to a multipart copy for large objects, which CopyObject
        # alone cannot do past 5 GB; the bytes never leave the store either way.
        try:
            self.client.copy(
                CopySource={"Bucket": self.bucket, "Key": self._key(source)},
                Bucket=self.bucket,
                Key=self._key(destination),
                Config=MOVE_TRANSFER,
            )
        except ClientError as exc:
            if _error_code(exc) in MISSING_KEY_CODES:
                raise PathNotFound(source) from None
            raise
        self.delete(source)

    def partial_writes_abort(self, *, older_than: timedelta) -> int:
        """Aborts multipart uploads under this driver's prefix begun before ``older_than`` ago:
        S3 keeps (and bills) their parts until someone does."""
        cutoff = datetime.now(UTC) - older_than
        paginator = self.client.get_paginator("list_multipart_uploads")
        prefix = f"{self.prefix}/" if self.prefix else ""
        aborted = 0
        for page in paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"MaxItems": 100_000}
        ):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] >= cutoff:
                    continue
                try:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                except ClientError as exc:
                    # Completed or aborted meanwhile by its own writer.
                    if _error_code(exc) != "NoSuchUpload":
                        raise
                    continue
                aborted += 1
        return aborted

    def redirect_url(self, path: str, expires_in: int) -> str | None:
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(path)},
            ExpiresIn=expires_in,
        )


def _endpoint_url(host: str | None, port: int | None, is_secure: bool) -> str | None:
    if not host:
        return None
    if port is not None and not (isinstance(port, int) and 0 < port < 65536):
        raise StorageConfigError(f"S3Storage port must be an integer port number, got {port!r}")
    scheme = "https" if is_secure else "http"
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def _client_config(signature_version: str, *, path_style: bool) -> Config:
    options: dict[str, Any] = {
        # Without it botocore presigns with SigV2 in us-east-1, which newer buckets refuse.
        "signature_version": signature_version,
        "max_pool_connections": 50,
        "retries": {"max_attempts": 5, "mode": "standard"},
        "connect_timeout": 10,
        "read_timeout": 60,
        # Since botocore 1.36 every upload carries new checksum headers that RadosGW and other
        # S3-compatible stores may reject; send them only where S3 requires them.
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
    }
    if path_style:
        # Self-hosted stores rarely have wildcard DNS for bucket-named hosts.
        options["s3"] = {"addressing_style": "path"}
    return Config(**options)
