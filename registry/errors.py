"""The distribution spec's errors: one class per code, rendered in one place (registry.v2.http)."""

from __future__ import annotations


class RegistryError(Exception):
    code = "UNKNOWN"
    status = 500
    message = "unknown error"

    def __init__(self, detail: object = None, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.detail = detail
        if message:
            self.message = message

    def body(self) -> dict:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            error["detail"] = self.detail
        return {"errors": [error]}


def _error(code: str, status: int, message: str) -> type[RegistryError]:
    return type(
        code.title().replace("_", ""), (RegistryError,), {"code": code, "status": status, "message": message}
    )


BlobUnknown = _error("BLOB_UNKNOWN", 404, "blob unknown to registry")
BlobUploadInvalid = _error("BLOB_UPLOAD_INVALID", 400, "blob upload invalid")
BlobUploadUnknown = _error("BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry")
DigestInvalid = _error("DIGEST_INVALID", 400, "provided digest did not match uploaded content")
ManifestBlobUnknown = _error(
    "MANIFEST_BLOB_UNKNOWN", 400, "manifest references a blob unknown to the repository"
)
ManifestInvalid = _error("MANIFEST_INVALID", 400, "manifest invalid")
ManifestUnknown = _error("MANIFEST_UNKNOWN", 404, "manifest unknown")
NameInvalid = _error("NAME_INVALID", 400, "invalid repository name")
NameUnknown = _error("NAME_UNKNOWN", 404, "repository name not known to registry")
SizeInvalid = _error("SIZE_INVALID", 400, "provided length did not match content length")
TagInvalid = _error("TAG_INVALID", 400, "manifest tag did not match URI")
Unauthorized = _error("UNAUTHORIZED", 401, "authentication required")
Denied = _error("DENIED", 403, "requested access to the resource is denied")
Unsupported = _error("UNSUPPORTED", 405, "the operation is unsupported")
RangeInvalid = _error("BLOB_UPLOAD_INVALID", 416, "requested range not satisfiable")
TooLarge = _error("SIZE_INVALID", 413, "content too large")
# Unknown paths and bad query strings: the spec names no code for them, UNSUPPORTED comes closest
# ("a missing implementation or invalid set of parameters").
RouteUnknown = _error("UNSUPPORTED", 404, "no such endpoint in the distribution API")
QueryInvalid = _error("UNSUPPORTED", 400, "invalid query string")
PaginationInvalid = _error("PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested")
TooManyRequests = _error("TOOMANYREQUESTS", 429, "too many failed logins from this address; retry later")
