"""Objects in a Google Cloud Storage bucket (GCS, or an emulator at endpoint_url).

django-storages' GoogleCloudStorage builds the client from the credentials and signs the V4
redirect URLs; writes go through google-cloud-storage's resumable uploads (one chunk in memory,
nothing visible until the upload is finalized), reads are ranged, concat is a server-side compose.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, BinaryIO, cast

from google.api_core.exceptions import GoogleAPIError, NotFound
from google.auth.credentials import AnonymousCredentials, Credentials
from google.cloud.storage import Blob, Bucket, Client
from google.cloud.storage.fileio import BlobWriter as GoogleBlobWriter
from google.oauth2 import service_account
from storages.backends.gcloud import GoogleCloudStorage as DjangoGoogleCloudStorage

from registry.storage.base import (
    BlobStat,
    BlobWriter,
    PathNotFound,
    StorageConfigError,
    StorageDriver,
)
from registry.storage.streams import chunk_stream

# Resumable upload chunks must be multiples of 256 KiB; 8 MiB matches the other drivers' parts.
CHUNK_SIZE = 8 * 1024 * 1024
DOWNLOAD_CHUNK = 4 * 1024 * 1024
# GCS composes at most 32 sources in one request; more are joined by streaming.
COMPOSE_LIMIT = 32


class _Backend(DjangoGoogleCloudStorage):
    """django-storages' backend, with the client pointed at endpoint_url when one is configured."""

    _client: Client | None

    def __init__(self, *, api_endpoint: str | None, **settings: Any) -> None:
        super().__init__(**settings)
        self.api_endpoint = api_endpoint

    @property
    def client(self) -> Client:
        if self._client is None and self.api_endpoint:
            self._client = Client(
                project=self.project_id,
                credentials=self.credentials,
                client_options={"api_endpoint": self.api_endpoint},
            )
        return cast(Client, super().client)


class GcsBlobWriter(BlobWriter):
    def __init__(self, blob: Blob) -> None:
        self.blob = blob
        self.buffer = bytearray()
        self.upload: GoogleBlobWriter | None = None
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        self.size += len(view)
        if self.upload is not None:
            self.upload.write(view)
            return
        self.buffer += view
        # An object of one chunk or less goes up in a single request at commit.
        if len(self.buffer) > CHUNK_SIZE:
            self.upload = cast(
                GoogleBlobWriter, self.blob.open("wb", chunk_size=CHUNK_SIZE, ignore_flush=True)
            )
            self.upload.write(self.buffer)
            self.buffer = bytearray()

    def commit(self) -> None:
        if self.upload is None:
            self.blob.upload_from_string(bytes(self.buffer), content_type="application/octet-stream")
        else:
            self.upload.close()
            self.upload = None
        self.buffer = bytearray()

    def cancel(self) -> None:
        self.buffer = bytearray()
        if self.upload is not None:
            upload, self.upload = self.upload, None
            try:
                upload.terminate()
            except GoogleAPIError:
                # An unfinished resumable upload is never visible, and GCS drops it after a week.
                pass


class GoogleCloudStorage(StorageDriver):
    def __init__(
        self,
        *,
        bucket_name: str = "",
        storage_path: str = "",
        credentials_file: str | None = None,
        project_id: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        if not bucket_name:
            raise StorageConfigError("GoogleCloudStorage needs bucket_name")
        if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
            raise StorageConfigError(
                f"GoogleCloudStorage endpoint_url must be an http(s) URL, got {endpoint_url!r}"
            )
        self.bucket_name = bucket_name
        self.prefix = storage_path.strip("/")
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.backend = _Backend(
            api_endpoint=self.endpoint_url,
            bucket_name=bucket_name,
            project_id=project_id,
            credentials=_credentials(credentials_file, endpoint_url),
            location=self.prefix,
        )
        self.bucket: Bucket = self.backend.bucket

    def _name(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def _existing(self, path: str) -> Blob:
        blob = self.bucket.get_blob(self._name(path))
        if blob is None:
            raise PathNotFound(path)
        return blob

    def open(self, path: str, offset: int = 0) -> BinaryIO:
        blob = self._existing(path)
        if offset >= (blob.size or 0):
            return chunk_stream([])
        # Reads the generation just looked up, so a concurrent overwrite cannot splice two objects.
        reader = blob.open("rb", chunk_size=DOWNLOAD_CHUNK)
        reader.seek(offset)
        return cast(BinaryIO, reader)

    def writer(self, path: str) -> BlobWriter:
        return GcsBlobWriter(self.bucket.blob(self._name(path), chunk_size=CHUNK_SIZE))

    def stat(self, path: str) -> BlobStat:
        return BlobStat(size=self._existing(path).size or 0)

    def delete(self, path: str) -> None:
        try:
            self.bucket.delete_blob(self._name(path))
        except NotFound:
            pass

    def move(self, source: str, destination: str) -> None:
        try:
            self.bucket.copy_blob(self.bucket.blob(self._name(source)), self.bucket, self._name(destination))
        except NotFound:
            raise PathNotFound(source) from None
        self.delete(source)

    def concat(self, destination: str, sources: Any) -> None:
        names = list(sources)
        if len(names) > COMPOSE_LIMIT:
            super().concat(destination, names)
            return
        parts = [self.bucket.blob(self._name(name)) for name in names]
        try:
            self.bucket.blob(self._name(destination)).compose(parts)
        except NotFound:
            raise PathNotFound(", ".join(names)) from None

    def redirect_url(self, path: str, expires_in: int) -> str | None:
        if not hasattr(self.backend.credentials or self.backend.client._credentials, "sign_bytes"):
            # Anonymous or token-only credentials cannot sign: the registry streams the bytes.
            return None
        expiration = timedelta(seconds=expires_in)
        if self.endpoint_url:
            blob = self.bucket.blob(self._name(path))
            return str(
                blob.generate_signed_url(
                    version="v4", expiration=expiration, api_access_endpoint=self.endpoint_url
                )
            )
        return str(self.backend.url(path, parameters={"expiration": expiration}))

    def verify(self) -> None:
        try:
            exists = self.bucket.exists(timeout=10)
        except (GoogleAPIError, OSError) as exc:
            raise StorageConfigError(
                f"GoogleCloudStorage: bucket {self.bucket_name!r} is not reachable: {exc}"
            ) from None
        if not exists:
            raise StorageConfigError(f"GoogleCloudStorage: bucket {self.bucket_name!r} does not exist")


def _credentials(credentials_file: str | None, endpoint_url: str | None) -> Credentials | None:
    if credentials_file:
        try:
            return cast(Credentials, service_account.Credentials.from_service_account_file(credentials_file))
        except (OSError, ValueError) as exc:
            raise StorageConfigError(
                f"GoogleCloudStorage credentials_file {credentials_file!r} is no service account key: {exc}"
            ) from None
    if endpoint_url:
        # An emulator or private endpoint without a key file takes no credentials.
        return AnonymousCredentials()
    # None: google-auth's default chain (GOOGLE_APPLICATION_CREDENTIALS, workload identity).
    return None
