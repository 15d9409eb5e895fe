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


class BlobUnknown(RegistryError):
    code, status, message = "BLOB_UNKNOWN", 404, "blob unknown to registry"


class BlobUploadInvalid(RegistryError):
    code, status, message = "BLOB_UPLOAD_INVALID", 400, "blob upload invalid"


class BlobUploadUnknown(RegistryError):
    code, status, message = "BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"


class DigestInvalid(RegistryError):
    code, status, message = "DIGEST_INVALID", 400, "provided digest did not match uploaded content"


class ManifestBlobUnknown(RegistryError):
    code, status = "MANIFEST_BLOB_UNKNOWN", 400
    message = "manifest references a blob unknown to the repository"


class ManifestInvalid(RegistryError):
    code, status, message = "MANIFEST_INVALID", 400, "manifest invalid"


class ManifestUnknown(RegistryError):
    code, status, message = "MANIFEST_UNKNOWN", 404, "manifest unknown"


class NameInvalid(RegistryError):
    code, status, message = "NAME_INVALID", 400, "invalid repository name"


class NameUnknown(RegistryError):
    code, status, message = "NAME_UNKNOWN", 404, "repository name not known to registry"


class SizeInvalid(RegistryError):
    code, status, message = "SIZE_INVALID", 400, "provided length did not match content length"


class TagInvalid(RegistryError):
    code, status, message = "TAG_INVALID", 400, "manifest tag did not match URI"


class Unauthorized(RegistryError):
    code, status, message = "UNAUTHORIZED", 401, "authentication required"


class Denied(RegistryError):
    code, status, message = "DENIED", 403, "requested access to the resource is denied"


class Unsupported(RegistryError):
    code, status, message = "UNSUPPORTED", 405, "the operation is unsupported"


class RangeInvalid(RegistryError):
    code, status, message = "BLOB_UPLOAD_INVALID", 416, "requested range not satisfiable"


class TooLarge(RegistryError):
    code, status, message = "SIZE_INVALID", 413, "content too large"


# Unknown paths and bad query strings: the spec names no code for them, UNSUPPORTED comes closest
# ("a missing implementation or invalid set of parameters").
class RouteUnknown(RegistryError):
    code, status, message = "UNSUPPORTED", 404, "no such endpoint in the distribution API"


class QueryInvalid(RegistryError):
    code, status, message = "UNSUPPORTED", 400, "invalid query string"


class PaginationInvalid(RegistryError):
    code, status, message = "PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested"


class TooManyRequests(RegistryError):
    code, status, message = "TOOMANYREQUESTS", 429, "too many failed logins from this address; retry later"
