"""Quay's push webhook endpoint (/webhooks/push/trigger/{uuid}, and the older
/webhooks/push/repo/{repository}/trigger/{uuid}): a plain Django view, authenticated by the
service's signature or token over the raw body, never a session."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from builds.errors import BuildError, BuildInvalid, BuildNotFound, BuildsQueuedTooMany
from builds.triggers.errors import TriggerDisabled, WebhookUnauthorized
from builds.triggers.services import trigger_webhook_receive
from orgs.errors import FeatureDisabled, IdentityError
from quaysite.api_errors import api_error_body
from quaysite.hosts import service_host

# Bodies past this are no push payload (GitHub caps its own at 25 MB; pushes are kilobytes).
BODY_MAX = 5 * 1024 * 1024

STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (WebhookUnauthorized, 403),
    (BuildNotFound, 404),
    (TriggerDisabled, 400),
    (BuildsQueuedTooMany, 429),
    (BuildInvalid, 400),
    (FeatureDisabled, 404),
    (BuildError, 400),
    (IdentityError, 400),
)


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(api_error_body(status, detail), status=status)


@csrf_exempt
def webhook_push(request: HttpRequest, trigger_uuid: str, repository: str = "") -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    if int(request.headers.get("Content-Length") or 0) > BODY_MAX:
        return _error(413, f"a push payload is at most {BODY_MAX} bytes")
    try:
        outcome = trigger_webhook_receive(
            trigger_uuid=trigger_uuid,
            headers=request.headers,
            body=request.body,
            registry_host=service_host(request),
        )
    except (BuildError, IdentityError) as exc:
        status = next(code for kind, code in STATUSES if isinstance(exc, kind))
        return _error(status, str(exc))
    if outcome.build is None:
        return JsonResponse({"build": None, "skipped": outcome.skipped})
    return JsonResponse({"build": str(outcome.build.uuid), "skipped": None}, status=201)
