"""A client for the one upstream repository a mirror copies from, over the distribution API.

Speaks Docker token auth (the upstream's Bearer challenge names the realm; credentials, when
given, go to the realm as basic auth), plain basic auth, and anonymous pulls. Every answer a
sync relies on is checked here: manifests against their digest, so nothing unverified reaches
the registry's services. Only 429 and 503 are retried, a bounded number of times: an upstream
that refuses or cannot be reached fails at once with a reason a person can read.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

from registry.digests import ALGORITHMS, content_digest, digest_algorithm, is_stored_digest
from registry.manifest_formats import MANIFEST_TYPES

ACCEPT = ", ".join(sorted(MANIFEST_TYPES))
CHUNK = 1024 * 1024
# Each page of the tag list; the upstream may answer with fewer and a Link to the next.
TAGS_PAGE = 1000
TAG_PAGES_MAX = 1000
MANIFEST_MAX = 4 * 1024 * 1024
API_HOSTS = {"docker.io": "registry-1.docker.io", "index.docker.io": "registry-1.docker.io"}
RETRIES = 4
RETRY_WAIT_MAX = 10.0
REFERENCE_RE = re.compile(r"(?P<host>[A-Za-z0-9.-]+(?::[0-9]{1,5})?)/(?P<path>[a-z0-9]+(?:[._/-][a-z0-9]+)*)")


class UpstreamError(Exception):
    """Why the upstream could not give what a sync asked for: ``kind`` is one of unreachable,
    unauthorized, not_found, digest_mismatch, invalid."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class UpstreamReference:
    host: str
    path: str


@dataclass(frozen=True)
class UpstreamManifest:
    digest: str
    media_type: str
    content: bytes


def reference_parse(reference: str) -> UpstreamReference:
    """``host[:port]/path``, as Quay's ``external_reference`` holds it (no scheme, no tag)."""
    match = REFERENCE_RE.fullmatch(reference.strip())
    if match is None:
        raise UpstreamError(
            "invalid", f"{reference[:200]!r} is not a registry reference like host[:port]/path"
        )
    host = match["host"]
    # Docker Hub's name for images is not the host its API answers on.
    return UpstreamReference(API_HOSTS.get(host, host), match["path"])


def _challenge_params(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), dict(re.findall(r'([A-Za-z]+)="([^"]*)"', rest))


def _next_link(header: str | None) -> str | None:
    match = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', header or "")
    return match[1] if match else None


class UpstreamClient:
    def __init__(
        self,
        *,
        reference: str,
        credentials: tuple[str, str] | None = None,
        verify_tls: bool = True,
        proxy: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.reference = reference_parse(reference)
        self.credentials = credentials
        self.verify_tls = verify_tls
        self.timeout = urllib3.Timeout(connect=min(timeout, 10.0), read=timeout)
        options: dict = {"cert_reqs": "CERT_REQUIRED" if verify_tls else "CERT_NONE", "retries": False}
        self.pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        )
        self.scheme = "https"
        self.authorization: str | None = None

    # Transport ---------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.scheme}://{self.reference.host}{path}"

    def _send(self, method: str, url: str, headers: dict[str, str], stream: bool) -> urllib3.BaseHTTPResponse:
        try:
            return self.pool.request(
                method,
                url,
                headers=headers,
                preload_content=not stream,
                timeout=self.timeout,
                redirect=True,
                retries=urllib3.Retry(total=None, connect=0, read=0, other=0, status=0, redirect=5),
            )
        except urllib3.exceptions.HTTPError as error:
            # Retries are off, so MaxRetryError only wraps the one failure: name that.
            cause = error.reason if isinstance(error, urllib3.exceptions.MaxRetryError) else error
            host = self.reference.host
            if isinstance(cause, urllib3.exceptions.SSLError | ssl.SSLError):
                raise UpstreamError("unreachable", f"TLS with {host} failed: {cause}") from None
            raise UpstreamError("unreachable", f"{host} is unreachable: {cause}") from None

    def _request(
        self, method: str, path: str, *, accept: str = "", stream: bool = False
    ) -> urllib3.BaseHTTPResponse:
        """Retries 429 and 503 with backoff; answers a token challenge once."""
        url = path if path.startswith("http") else self._url(path)
        challenged = False
        for attempt in range(RETRIES + 1):
            headers = {"Accept": accept} if accept else {}
            if self.authorization:
                headers["Authorization"] = self.authorization
            response = self._send(method, url, headers, stream)
            if response.status == 401 and not challenged:
                challenged = True
                header = response.headers.get("WWW-Authenticate", "")
                response.release_conn()
                self._authorize(header)
                continue
            if response.status in (429, 503) and attempt < RETRIES:
                wait = self._retry_wait(response.headers.get("Retry-After"), attempt)
                response.release_conn()
                time.sleep(wait)
                continue
            return response
        return response

    @staticmethod
    def _retry_wait(retry_after: str | None, attempt: int) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), RETRY_WAIT_MAX)
        return min(0.25 * 2**attempt, RETRY_WAIT_MAX)

    def _basic(self) -> str | None:
        if self.credentials is None:
            return None
        username, password = self.credentials
        return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def _authorize(self, challenge: str) -> None:
        scheme, params = _challenge_params(challenge)
        if scheme == "basic":
            if self.credentials is None:
                raise UpstreamError(
                    "unauthorized", f"{self.reference.host} wants credentials and none are set"
                )
            self.authorization = self._basic()
        elif scheme == "bearer" and params.get("realm"):
            self.authorization = "Bearer " + self._token(params)
        else:
            raise UpstreamError("unauthorized", f"{self.reference.host} refused access ({challenge[:100]!r})")

    def _token(self, params: dict[str, str]) -> str:
        query = {"scope": params.get("scope") or f"repository:{self.reference.path}:pull"}
        if params.get("service"):
            query["service"] = params["service"]
        if self.credentials is not None:
            query["account"] = self.credentials[0]
        realm = params["realm"]
        if urlsplit(realm).scheme not in ("http", "https"):
            raise UpstreamError("unauthorized", f"the token realm {realm[:100]!r} is not an http(s) URL")
        headers = {"Authorization": basic} if (basic := self._basic()) else {}
        # A realm may carry a query of its own (``?account=...``): ours is appended to it.
        separator = "&" if urlsplit(realm).query else "?"
        response = self._send("GET", f"{realm}{separator}{urlencode(query)}", headers, stream=False)
        if response.status in (401, 403):
            raise UpstreamError("unauthorized", f"{self.reference.host} refused the credentials")
        if response.status != 200:
            raise UpstreamError("unauthorized", f"the token endpoint answered {response.status}")
        try:
            body = json.loads(response.data)
            return body.get("token") or body["access_token"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UpstreamError("unauthorized", "the token endpoint's answer holds no token") from None

    def _check(self, response: urllib3.BaseHTTPResponse, what: str) -> None:
        if response.status == 200:
            return
        response.release_conn()
        if response.status in (401, 403):
            raise UpstreamError("unauthorized", f"{self.reference.host} refused access to {what}")
        if response.status == 404:
            raise UpstreamError("not_found", f"{what} is not on {self.reference.host}")
        raise UpstreamError("unreachable", f"{self.reference.host} answered {response.status} for {what}")

    # The API -----------------------------------------------------------------------------------

    def ping(self) -> None:
        """Finds the scheme (https, or plain http where TLS is not verified) and the auth."""
        try:
            response = self._request("GET", "/v2/")
        except UpstreamError:
            if self.verify_tls or self.scheme == "http":
                raise
            # As skopeo with --tls-verify=false: an upstream that speaks no TLS at all.
            self.scheme = "http"
            response = self._request("GET", "/v2/")
        if response.status in (401, 403):
            raise UpstreamError("unauthorized", f"{self.reference.host} refused the credentials")
        if response.status != 200:
            raise UpstreamError("unreachable", f"{self.reference.host}/v2/ answered {response.status}")

    def tags(self) -> list[str]:
        names: list[str] = []
        path: str | None = f"/v2/{self.reference.path}/tags/list?n={TAGS_PAGE}"
        for _ in range(TAG_PAGES_MAX):
            if path is None:
                return names
            response = self._request("GET", path)
            self._check(response, f"the tag list of {self.reference.path}")
            try:
                page = json.loads(response.data).get("tags") or []
                names.extend(tag for tag in page if isinstance(tag, str))
            except (ValueError, AttributeError):
                raise UpstreamError("invalid", "the upstream's tag list is not JSON") from None
            link = _next_link(response.headers.get("Link"))
            path = urljoin(self._url("/"), link) if link else None
        raise UpstreamError("invalid", f"the tag list has more than {TAG_PAGES_MAX} pages")

    def manifest(self, reference: str) -> UpstreamManifest:
        """By tag or digest; the content must match the digest asked for or announced."""
        what = f"{self.reference.path}:{reference}"
        response = self._request("GET", f"/v2/{self.reference.path}/manifests/{reference}", accept=ACCEPT)
        self._check(response, f"the manifest {what}")
        content = response.data
        if len(content) > MANIFEST_MAX:
            raise UpstreamError("invalid", f"the manifest {what} is larger than {MANIFEST_MAX} bytes")
        expected = reference if ":" in reference else response.headers.get("Docker-Content-Digest", "")
        algorithm = digest_algorithm(expected) if is_stored_digest(expected) else "sha256"
        actual = content_digest(content, algorithm if algorithm in ALGORITHMS else "sha256")
        if expected and expected != actual:
            raise UpstreamError(
                "digest_mismatch", f"the manifest {what} does not match its digest {expected}"
            )
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        return UpstreamManifest(actual, media_type, content)

    def blob_offered(self, digest: str, size: int) -> bool:
        """Whether the upstream serves this blob at this size (a HEAD, no bytes)."""
        response = self._request("HEAD", f"/v2/{self.reference.path}/blobs/{digest}")
        response.release_conn()
        return response.status == 200 and response.headers.get("Content-Length") == str(size)

    def blob_chunks(self, digest: str, size: int) -> Iterator[bytes]:
        """Streams the blob; more bytes than its descriptor's size end the stream in an error.
        The caller hashes what arrives."""
        response = self._request("GET", f"/v2/{self.reference.path}/blobs/{digest}", stream=True)
        self._check(response, f"the blob {digest}")
        received = 0
        try:
            for chunk in response.stream(CHUNK):
                received += len(chunk)
                if received > size:
                    raise UpstreamError("digest_mismatch", f"the blob {digest} is larger than its descriptor")
                yield chunk
        except (urllib3.exceptions.HTTPError, ssl.SSLError, OSError) as error:
            raise UpstreamError("unreachable", f"the blob {digest} stopped arriving: {error}") from None
        finally:
            response.release_conn()

    def referrers(self, digest: str) -> list[dict] | None:
        """The referrers API's descriptors; None where the upstream does not offer the API."""
        response = self._request(
            "GET",
            f"/v2/{self.reference.path}/referrers/{digest}",
            accept="application/vnd.oci.image.index.v1+json",
        )
        if response.status != 200:
            response.release_conn()
            return None
        try:
            return list(json.loads(response.data).get("manifests") or [])
        except (ValueError, AttributeError):
            return None
