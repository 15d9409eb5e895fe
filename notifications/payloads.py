"""The event data a notification carries, in Quay's shapes: what a webhook receives as its
JSON body and what the e-mail, Slack and in-app texts are written from."""

from __future__ import annotations

from django.conf import settings

from notifications.models import Event

# Quay's vulnerability priorities, most severe first: an event passes a notification whose
# event_config "level" is this severe or less severe than the finding.
SEVERITIES = ("Critical", "High", "Medium", "Low", "Negligible", "Unknown")

SUMMARIES: dict[str, str] = {
    Event.REPO_PUSH: "Repository {repository} updated",
    Event.REPO_MIRROR_SYNC_STARTED: "Repository Mirror started for {repository}",
    Event.REPO_MIRROR_SYNC_SUCCESS: "Repository Mirror success for {repository}",
    Event.REPO_MIRROR_SYNC_FAILED: "Repository Mirror failed for {repository}",
    Event.BUILD_QUEUED: "Build queued for repository {repository}",
    Event.BUILD_START: "Build started for repository {repository}",
    Event.BUILD_SUCCESS: "Build succeeded for repository {repository}",
    Event.BUILD_FAILURE: "Build failure for repository {repository}",
    Event.BUILD_CANCELLED: "Build cancelled for repository {repository}",
    Event.VULNERABILITY_FOUND: "Vulnerability detected in repository {repository}",
    Event.REPO_IMAGE_EXPIRY: "Repository {repository} image(s) expiring",
    Event.QUOTA_WARNING: "Quota warning for namespace {namespace}",
    Event.QUOTA_ERROR: "Quota exceeded for namespace {namespace}",
}

LEVELS: dict[str, str] = {
    Event.REPO_PUSH: "primary",
    Event.REPO_MIRROR_SYNC_SUCCESS: "success",
    Event.REPO_MIRROR_SYNC_FAILED: "error",
    Event.BUILD_SUCCESS: "success",
    Event.BUILD_FAILURE: "error",
    Event.VULNERABILITY_FOUND: "warning",
    Event.QUOTA_WARNING: "warning",
    Event.QUOTA_ERROR: "error",
}


def _site() -> str:
    return f"{settings.PREFERRED_URL_SCHEME}://{settings.SERVER_HOSTNAME or 'localhost'}"


def repository_event_data(namespace_name: str, repository_name: str, extra: dict | None = None) -> dict:
    full_name = f"{namespace_name}/{repository_name}"
    return {
        "repository": full_name,
        "namespace": namespace_name,
        "name": repository_name,
        "docker_url": f"{settings.SERVER_HOSTNAME or 'localhost'}/{full_name}",
        "homepage": f"{_site()}/repository/{full_name}",
        **(extra or {}),
    }


def namespace_event_data(namespace_name: str, extra: dict | None = None) -> dict:
    return {
        "namespace": namespace_name,
        "homepage": f"{_site()}/organization/{namespace_name}",
        **(extra or {}),
    }


def event_summary(event: str, data: dict) -> str:
    template = SUMMARIES.get(event, "{event}")
    return template.format(
        event=event, repository=data.get("repository", ""), namespace=data.get("namespace", "")
    )


def event_level(event: str) -> str:
    return LEVELS.get(event, "info")


def severity_index(value: object) -> int | None:
    """A severity by name (``High``) or by its place in SEVERITIES (0 = Critical)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < len(SEVERITIES) else None
    if isinstance(value, str) and value.capitalize() in SEVERITIES:
        return SEVERITIES.index(value.capitalize())
    return None


def event_config_passes(event: str, event_config: dict, data: dict) -> bool:
    """A notification's event filters: a vulnerability's minimum severity (``level``)."""
    if event != Event.VULNERABILITY_FOUND or "level" not in event_config:
        return True
    minimum = severity_index(event_config["level"])
    found = severity_index((data.get("vulnerability") or {}).get("priority", "Unknown"))
    return minimum is not None and found is not None and found <= minimum


def sample_event_data(
    event: str, namespace_name: str, repository_name: str | None, event_config: dict | None = None
) -> dict:
    """What a test delivery carries: the event's shape with made-up values."""
    extra: dict = {"updated_tags": ["latest"], "pushed_image_digests": ["sha256:" + "0" * 64]}
    if event == Event.REPO_IMAGE_EXPIRY:
        extra = {"tags": ["latest", "v1"], "expiring_in": f"{(event_config or {}).get('days')} days"}
    elif event == Event.VULNERABILITY_FOUND:
        extra = {
            "tags": ["latest"],
            "vulnerability": {"id": "CVE-TEST-0001", "description": "A test finding", "priority": "Critical"},
        }
    elif event in (Event.QUOTA_WARNING, Event.QUOTA_ERROR):
        extra = {"usage_bytes": 900, "limit_bytes": 1000, "threshold_percent": 90}
    elif event != Event.REPO_PUSH:
        extra = {"message": "TEST NOTIFICATION"}
    if repository_name is None:
        return namespace_event_data(namespace_name, extra)
    return repository_event_data(namespace_name, repository_name, extra)
