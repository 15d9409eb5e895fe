"""Objects in an OpenStack Swift container, through python-swiftclient.

A blob larger than one segment is written as segments and then a Static Large Object manifest
naming them: one pass, one segment in memory, nothing visible until the manifest is put.
Redirects are temp URLs signed with the account's temp_url_key.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from swiftclient.client import ClientException, Connection
from swiftclient.utils import generate_temp_url

from registry.storage.base import (
    BlobStat,
    BlobWriter,
    PathNotFound,
    StorageConfigError,
    StorageDriver,
)
from registry.storage.streams import chunk_stream

# Swift's SLO takes segments of 1 MiB or more (the last one may be smaller) and 1,000 segments
# per manifest by default, so 8 MiB segments cap one object at about 7.8 GiB.
SEGMENT_SIZE = 8 * 1024 * 1024
DOWNLOAD_CHUNK = 1024 * 1024
SEGMENTS_FOLDER = "segments"


def _status(exc: ClientException) -> int:
    return int(exc.http_status or 0)


def _is_manifest(headers: dict[str, str]) -> bool:
    return headers.get("x-static-large-object", "").lower() == "true"


class SwiftBlobWriter(BlobWriter):
    def __init__(self, driver: SwiftStorage, path: str) -> None:
        self.driver = driver
        self.name = driver._name(path)
        self.segment_prefix = driver._name(f"{SEGMENTS_FOLDER}/{uuid.uuid4()}")
        self.segments: list[dict[str, Any]] = []
        self.buffer = bytearray()
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        self.size += len(view)
        while view:
            # A full segment goes up only once more data arrives, so an object of one segment
            # is a plain object, not a manifest.
            if len(self.buffer) == SEGMENT_SIZE:
                self._put_segment()
            room = SEGMENT_SIZE - len(self.buffer)
            self.buffer += view[:room]
            view = view[room:]

    def _put_segment(self) -> None:
        name = f"{self.segment_prefix}/{len(self.segments):06d}"
        etag = self.driver.connection.put_object(self.driver.container, name, bytes(self.buffer))
        if etag != hashlib.md5(self.buffer, usedforsecurity=False).hexdigest():
            raise OSError(f"Swift stored segment {name} with a different checksum")
        self.segments.append(
            {"path": f"/{self.driver.container}/{name}", "etag": etag, "size_bytes": len(self.buffer)}
        )
        self.buffer = bytearray()

    def commit(self) -> None:
        connection = self.driver.connection
        if not self.segments:
            connection.put_object(self.driver.container, self.name, bytes(self.buffer))
        else:
            if self.buffer:
                self._put_segment()
            connection.put_object(
                self.driver.container,
                self.name,
                json.dumps(self.segments),
                query_string="multipart-manifest=put",
            )
            self.segments = []
        self.buffer = bytearray()

    def cancel(self) -> None:
        self.buffer = bytearray()
        segments, self.segments = self.segments, []
        container_path = f"/{self.driver.container}/"
        for segment in segments:
            self.driver._delete_name(segment["path"].removeprefix(container_path))


class SwiftStorage(StorageDriver):
    def __init__(
        self,
        *,
        swift_container: str = "",
        auth_url: str = "",
        swift_user: str = "",
        swift_password: str = "",
        storage_path: str = "",
        auth_version: int | str | None = None,
        os_options: dict[str, Any] | None = None,
        ca_cert_path: str | None = None,
        temp_url_key: str | None = None,
        simple_path_concat: bool = False,
        connect_timeout: int | None = None,
        retry_count: int | None = None,
        retry_on_ratelimit: bool = True,
    ) -> None:
        for option, value in [
            ("swift_container", swift_container),
            ("auth_url", auth_url),
            ("swift_user", swift_user),
            ("swift_password", swift_password),
        ]:
            if not value:
                raise StorageConfigError(f"SwiftStorage needs {option}")
        try:
            # Quay's default: Keystone v2 unless told otherwise.
            version = str(int(auth_version or 2))
        except ValueError:
            raise StorageConfigError(
                f"SwiftStorage auth_version must be 1, 2 or 3, got {auth_version!r}"
            ) from None
        self.container = swift_container
        # simple_path_concat (Quay): storage_path is a plain name prefix, not a folder.
        self.prefix = storage_path.lstrip("/") if simple_path_concat else storage_path.strip("/")
        self.simple_path_concat = simple_path_concat
        self.temp_url_key = temp_url_key
        self.connection_options: dict[str, Any] = {
            "authurl": auth_url,
            "user": swift_user,
            "key": swift_password,
            "auth_version": version,
            "os_options": os_options or {},
            "cacert": ca_cert_path,
            "timeout": connect_timeout or 10,
            "retries": 5 if retry_count is None else retry_count,
            "retry_on_ratelimit": retry_on_ratelimit,
        }
        # A swiftclient Connection is not safe to share between threads: one per thread.
        self._local = threading.local()

    @property
    def connection(self) -> Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = Connection(**self.connection_options)
            self._local.connection = connection
        return connection

    def _name(self, path: str) -> str:
        if self.simple_path_concat:
            return f"{self.prefix}{path}"
        return f"{self.prefix}/{path}" if self.prefix else path

    def open(self, path: str, offset: int = 0) -> BinaryIO:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            _, body = self.connection.get_object(
                self.container, self._name(path), resp_chunk_size=DOWNLOAD_CHUNK, headers=headers
            )
        except ClientException as exc:
            if _status(exc) == 404:
                raise PathNotFound(path) from None
            # Swift refuses a range starting at the end; a file read there is simply empty.
            if _status(exc) == 416 and offset:
                return chunk_stream([])
            raise
        return chunk_stream(body, on_close=body.close)

    def writer(self, path: str) -> BlobWriter:
        return SwiftBlobWriter(self, path)

    def _head(self, name: str, path: str) -> dict[str, str]:
        try:
            return dict(self.connection.head_object(self.container, name))
        except ClientException as exc:
            if _status(exc) == 404:
                raise PathNotFound(path) from None
            raise

    def stat(self, path: str) -> BlobStat:
        return BlobStat(size=int(self._head(self._name(path), path)["content-length"]))

    def delete(self, path: str) -> None:
        name = self._name(path)
        try:
            manifest = _is_manifest(self._head(name, path))
        except PathNotFound:
            return
        # A manifest goes with its segments, in one request. Asked of a plain object, Swift
        # answers 200 with the refusal in the body and keeps the object: the two are told apart.
        self._delete_name(name, query_string="multipart-manifest=delete" if manifest else None)

    def _manifest_segments(self, name: str) -> list[dict[str, Any]]:
        _, listing = self.connection.get_object(self.container, name, query_string="multipart-manifest=get")
        return [
            {"path": f"/{entry['name'].lstrip('/')}", "etag": entry["hash"], "size_bytes": entry["bytes"]}
            for entry in json.loads(listing)
        ]

    def _delete_name(self, name: str, query_string: str | None = None) -> None:
        try:
            self.connection.delete_object(self.container, name, query_string=query_string)
        except ClientException as exc:
            if _status(exc) != 404:
                raise

    def move(self, source: str, destination: str) -> None:
        name = self._name(source)
        if _is_manifest(self._head(name, source)):
            # A manifest moves as a new manifest naming the same segments; the bytes stay put.
            segments = self._manifest_segments(name)
            self.connection.put_object(
                self.container,
                self._name(destination),
                json.dumps(segments),
                query_string="multipart-manifest=put",
            )
            self._delete_name(name)
            return
        try:
            self.connection.copy_object(
                self.container, name, destination=f"/{self.container}/{self._name(destination)}"
            )
        except ClientException as exc:
            if _status(exc) == 404:
                raise PathNotFound(source) from None
            raise
        self._delete_name(name)

    def redirect_url(self, path: str, expires_in: int) -> str | None:
        if not self.temp_url_key:
            return None
        storage_url = urlsplit(self.connection.get_auth()[0])
        object_path = f"{storage_url.path.rstrip('/')}/{self.container}/{self._name(path)}"
        signed = generate_temp_url(object_path, expires_in, self.temp_url_key, "GET")
        return f"{storage_url.scheme}://{storage_url.netloc}{signed}"

    def verify(self) -> None:
        try:
            self.connection.head_container(self.container)
        except ClientException as exc:
            if _status(exc) == 404:
                raise StorageConfigError(
                    f"SwiftStorage: container {self.container!r} does not exist"
                ) from None
            raise StorageConfigError(
                f"SwiftStorage: container {self.container!r} at {self.connection_options['authurl']} "
                f"is not usable: {exc.msg} {exc.http_status or ''}".rstrip()
            ) from None
        except OSError as exc:
            raise StorageConfigError(
                f"SwiftStorage: {self.connection_options['authurl']} is not reachable: {exc}"
            ) from None
