"""Block blobs in an Azure Storage container (Azure Blob Storage, Azurite).

django-storages' AzureStorage builds the service client from Quay's options and signs the SAS
redirect URLs; writes stage blocks through azure-storage-blob directly, so a blob goes up in one
pass with one block in memory, and nothing is visible until the block list is committed.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any, BinaryIO

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobBlock, BlobClient, ContainerClient
from storages.backends.azure_storage import AzureStorage as DjangoAzureStorage

from registry.storage.base import (
    BlobStat,
    BlobWriter,
    PathNotFound,
    StorageConfigError,
    StorageDriver,
)
from registry.storage.streams import chunk_stream

# Azure allows 50,000 blocks per blob, so 8 MiB blocks cap one blob at about 390 GiB.
BLOCK_SIZE = 8 * 1024 * 1024
DOWNLOAD_CHUNK = 4 * 1024 * 1024
# A same-account copy normally completes before start_copy_from_url returns; this bounds the wait
# when the service runs it asynchronously.
COPY_WAIT_SECONDS = 120


class AzureBlobWriter(BlobWriter):
    def __init__(self, blob: BlobClient) -> None:
        self.blob = blob
        # Block ids must all have one length within a blob; a per-writer prefix keeps two writers
        # of one path from committing each other's blocks.
        self.prefix = uuid.uuid4().hex
        self.blocks: list[BlobBlock] = []
        self.buffer = bytearray()
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        self.size += len(view)
        while view:
            # A full block is staged only once more data arrives, so a blob of one block still
            # goes up in a single Put Blob.
            if len(self.buffer) == BLOCK_SIZE:
                self._stage_block()
            room = BLOCK_SIZE - len(self.buffer)
            self.buffer += view[:room]
            view = view[room:]

    def _stage_block(self) -> None:
        block_id = base64.b64encode(f"{self.prefix}{len(self.blocks):06d}".encode()).decode()
        self.blob.stage_block(block_id, bytes(self.buffer), length=len(self.buffer))
        self.blocks.append(BlobBlock(block_id=block_id))
        self.buffer = bytearray()

    def commit(self) -> None:
        if not self.blocks:
            self.blob.upload_blob(bytes(self.buffer), overwrite=True)
        else:
            if self.buffer:
                self._stage_block()
            self.blob.commit_block_list(self.blocks)
            self.blocks = []
        self.buffer = bytearray()

    def cancel(self) -> None:
        # Azure has no call that drops staged blocks; it discards uncommitted ones after a week,
        # and they are never part of the blob.
        self.blocks = []
        self.buffer = bytearray()


class AzureStorage(StorageDriver):
    def __init__(
        self,
        *,
        azure_container: str = "",
        azure_account_name: str = "",
        azure_account_key: str | None = None,
        sas_token: str | None = None,
        endpoint_url: str | None = None,
        storage_path: str = "",
    ) -> None:
        if not azure_container:
            raise StorageConfigError("AzureStorage needs azure_container")
        if not azure_account_name:
            raise StorageConfigError("AzureStorage needs azure_account_name")
        self.container_name = azure_container
        self.account_key = azure_account_key
        self.sas_token = sas_token.lstrip("?") if sas_token else None
        self.prefix = storage_path.strip("/")
        self.backend = DjangoAzureStorage(
            **_backend_options(azure_account_name, azure_account_key, self.sas_token, endpoint_url),
            azure_container=azure_container,
            location=self.prefix,
        )
        self.container: ContainerClient = self.backend.client

    def _name(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def _blob(self, path: str) -> BlobClient:
        return self.container.get_blob_client(self._name(path))

    def open(self, path: str, offset: int = 0) -> BinaryIO:
        blob = self._blob(path)
        try:
            downloader = blob.download_blob(offset=offset or None, max_concurrency=1)
        except ResourceNotFoundError:
            raise PathNotFound(path) from None
        except HttpResponseError as exc:
            # Azure refuses a range starting at the end; a file read there is simply empty.
            if exc.status_code == 416 and offset:
                return chunk_stream([])
            raise
        return chunk_stream(downloader.chunks())

    def writer(self, path: str) -> BlobWriter:
        return AzureBlobWriter(self._blob(path))

    def stat(self, path: str) -> BlobStat:
        try:
            properties = self._blob(path).get_blob_properties()
        except ResourceNotFoundError:
            raise PathNotFound(path) from None
        return BlobStat(size=properties.size)

    def delete(self, path: str) -> None:
        try:
            self._blob(path).delete_blob()
        except ResourceNotFoundError:
            pass

    def move(self, source: str, destination: str) -> None:
        # A server-side copy within the account: the bytes never pass through the registry.
        target = self._blob(destination)
        try:
            copy = target.start_copy_from_url(self._source_url(source), requires_sync=False)
        except ResourceNotFoundError:
            raise PathNotFound(source) from None
        self._copy_wait(target, str(copy.get("copy_status") or "success"))
        self.delete(source)

    def _source_url(self, path: str) -> str:
        url = self.redirect_url(path, expires_in=COPY_WAIT_SECONDS + 60)
        return url if url is not None else self._blob(path).url

    def _copy_wait(self, target: BlobClient, status: str) -> None:
        deadline = time.monotonic() + COPY_WAIT_SECONDS
        while status == "pending":
            if time.monotonic() > deadline:
                target.abort_copy(target.get_blob_properties())
                raise AzureError(f"copy to {target.blob_name} still pending after {COPY_WAIT_SECONDS} s")
            time.sleep(0.1)
            status = str(target.get_blob_properties().copy.status)
        if status != "success":
            raise AzureError(f"copy to {target.blob_name} ended {status}")

    def redirect_url(self, path: str, expires_in: int) -> str | None:
        if self.account_key:
            return str(self.backend.url(path, expire=expires_in))
        if self.sas_token:
            # A SAS token given in the config already grants reads; it has its own expiry.
            return f"{self._blob(path).url}?{self.sas_token}"
        return None

    def verify(self) -> None:
        try:
            self.container.get_container_properties(timeout=10)
        except ResourceNotFoundError:
            raise StorageConfigError(
                f"AzureStorage: container {self.container_name!r} does not exist at {self.container.url}"
            ) from None
        except AzureError as exc:
            raise StorageConfigError(
                f"AzureStorage: container {self.container_name!r} at {self.container.url} "
                f"is not usable: {_first_line(exc)}"
            ) from None


def _backend_options(
    account_name: str, account_key: str | None, sas_token: str | None, endpoint_url: str | None
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "account_name": account_name,
        "account_key": account_key,
        "sas_token": sas_token,
        # Each client call bounds its own wait; retries stay the SDK's.
        "timeout": 60,
    }
    if endpoint_url:
        # Quay's endpoint_url is the account's blob endpoint (Azurite, Azure Stack, a sovereign
        # cloud); django-storages takes a custom endpoint as a connection string.
        endpoint = endpoint_url.rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise StorageConfigError(
                f"AzureStorage endpoint_url must be an http(s) URL, got {endpoint_url!r}"
            )
        parts = [f"BlobEndpoint={endpoint}"]
        if account_key:
            parts += [f"AccountName={account_name}", f"AccountKey={account_key}"]
        elif sas_token:
            parts.append(f"SharedAccessSignature={sas_token}")
        options["connection_string"] = ";".join(parts)
    return options


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
