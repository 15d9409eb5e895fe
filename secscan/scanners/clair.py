"""Clair v4 over its HTTP API, as Quay calls it: ``POST /indexer/api/v1/index_report`` with the
manifest's digest and each layer's URL (and the headers that fetch it), then
``GET /matcher/api/v1/vulnerability_report/{digest}``. With ``SECURITY_SCANNER_V4_PSK`` (base64)
every request carries a JWT signed HS256 with the decoded key, ``iss: quay``, five minutes long.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urljoin

import jwt
import urllib3
from django.conf import settings

from registry.v2.tokens import Subject, token_issue
from secscan.scanners.base import ManifestRef, Scanner, ScannerUnavailable, ScanReport

# Indexing fetches every layer before Clair answers: Quay waits up to ten minutes too.
REQUEST_TIMEOUT = urllib3.Timeout(connect=10, read=600)
INDEX_STATES_FAILED = ("IndexError",)
# Quay's: each request's JWT lives five minutes.
JWT_LIFETIME = 300


class ClairScanner(Scanner):
    name = "clairv4"

    def __init__(self, endpoint: str, psk: str = "") -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self.key = base64.b64decode(psk) if psk else b""
        self.http = urllib3.PoolManager(timeout=REQUEST_TIMEOUT, retries=False)

    def _token(self) -> str:
        now = int(time.time())
        return jwt.encode({"iss": "quay", "iat": now, "exp": now + JWT_LIFETIME}, self.key, algorithm="HS256")

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self._token()}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, urljoin(self.endpoint, path), body=payload, headers=headers)
        except urllib3.exceptions.HTTPError as error:
            raise ScannerUnavailable(f"Clair unreachable: {error}") from None
        try:
            document = json.loads(response.data) if response.data else {}
        except ValueError:
            document = {}
        if response.status >= 500 or response.status in (401, 403):
            raise ScannerUnavailable(f"Clair answered {response.status} to {method} {path}")
        return response.status, document if isinstance(document, dict) else {}

    def _layer_source(self, manifest: ManifestRef, digest: str) -> dict:
        # Clair fetches each layer from this registry, with a pull token for this repository only.
        token, _ = token_issue(
            service=settings.SERVER_HOSTNAME or "localhost",
            subject=Subject(name="$securityscanner"),
            access=[{"type": "repository", "name": manifest.repository, "actions": ["pull"]}],
            repository_ids={manifest.repository: manifest.repository_id},
        )
        host = settings.SERVER_HOSTNAME or "localhost"
        return {
            "hash": digest,
            "uri": f"{settings.PREFERRED_URL_SCHEME}://{host}/v2/{manifest.repository}/blobs/{digest}",
            "headers": {"Authorization": [f"Bearer {token}"], "Accept": ["application/gzip"]},
        }

    def scan(self, manifest: ManifestRef) -> ScanReport:
        body = {
            "hash": manifest.digest,
            "layers": [self._layer_source(manifest, layer.digest) for layer in manifest.layers],
        }
        status, index = self._request("POST", "indexer/api/v1/index_report", body)
        if status == 400:
            return ScanReport(failed=f"Clair refused the manifest: {index.get('message', index)}")
        if index.get("state") in INDEX_STATES_FAILED or index.get("err"):
            return ScanReport(
                failed=f"Clair could not index the manifest: {index.get('err') or index.get('state')}"
            )
        status, report = self._request("GET", f"matcher/api/v1/vulnerability_report/{manifest.digest}")
        if status != 200:
            raise ScannerUnavailable(f"Clair has no vulnerability report for {manifest.digest} ({status})")
        try:
            return ScanReport(features=clair_features(report))
        except (KeyError, TypeError, IndexError) as error:
            return ScanReport(
                failed=f"Clair's vulnerability report is not in the documented shape: {error!r}"
            )


def clair_features(report: dict) -> list[dict]:
    """A Clair ``VulnerabilityReport`` as Quay's Features (one per package, deduplicated
    vulnerabilities by name, "0" as no fix)."""
    features = []
    vulnerabilities = report.get("vulnerabilities") or {}
    for package_id, package in (report.get("packages") or {}).items():
        environments = (report.get("environments") or {}).get(package_id) or [{}]
        seen: dict[str, dict] = {}
        for vulnerability_id in (report.get("package_vulnerabilities") or {}).get(package_id, []):
            vulnerability = vulnerabilities[vulnerability_id]
            name = vulnerability.get("name", "")
            if name in seen:
                continue
            fixed = vulnerability.get("fixed_in_version") or ""
            seen[name] = {
                "Severity": vulnerability.get("normalized_severity") or "Unknown",
                "NamespaceName": vulnerability.get("updater", ""),
                "Link": vulnerability.get("links", ""),
                "FixedBy": "" if fixed == "0" else fixed,
                "Description": vulnerability.get("description", ""),
                "Name": name,
                "Metadata": {
                    "UpdatedBy": vulnerability.get("updater", ""),
                    "RepoName": (vulnerability.get("repository") or {}).get("name"),
                    "DistroName": (vulnerability.get("distribution") or {}).get("name"),
                    "DistroVersion": (vulnerability.get("distribution") or {}).get("version"),
                },
            }
        features.append(
            {
                "Name": package["name"],
                "VersionFormat": package.get("kind", ""),
                "NamespaceName": "",
                "AddedBy": environments[0].get("introduced_in", ""),
                "Version": package["version"],
                "Vulnerabilities": list(seen.values()),
            }
        )
    return sorted(features, key=lambda feature: (feature["Name"], feature["Version"]))
