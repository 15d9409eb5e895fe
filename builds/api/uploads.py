"""The PUT of a build context to a filedrop's URL, and the builder agent's endpoints: plain
Django views, authenticated by what the URL or the bearer token carries rather than a session."""

from __future__ import annotations

import json

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from builds.errors import BuildInvalid, BuildNotFound
from builds.filedrop_urls import filedrop_signature_valid
from builds.reports import ReportInvalid, build_report_apply
from builds.selectors import build_context_open, build_for_agent
from builds.services.filedrop import filedrop_get, filedrop_store
from quaysite.api_errors import api_error_body
from registry.v2.http import body_chunks


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(api_error_body(status, detail), status=status)


@csrf_exempt
def filedrop_upload(request: HttpRequest, file_id: str) -> HttpResponse:
    if request.method != "PUT":
        return HttpResponse(status=405, headers={"Allow": "PUT"})
    if not filedrop_signature_valid(file_id, request.GET.get("signature", "")):
        return _error(
            403, "the upload URL is not valid, or has expired: ask POST /api/v1/filedrop/ for another"
        )
    try:
        filedrop_store(file_drop=filedrop_get(file_id=file_id), chunks=body_chunks(request))
    except BuildNotFound as exc:
        return _error(404, str(exc))
    except BuildInvalid as exc:
        return _error(400, str(exc))
    return HttpResponse(status=200)


def _agent_build(request: HttpRequest, build_uuid: str) -> tuple | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return build_for_agent(build_uuid=build_uuid, token=token.strip())


@csrf_exempt
def agent_report(request: HttpRequest, build_uuid: str) -> HttpResponse:
    """A builder's report (builds.reports); the answer says whether to stop."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    found = _agent_build(request, build_uuid)
    if found is None:
        return _error(401, "the build's agent token is missing or not valid")
    build, attempt = found
    try:
        answer = build_report_apply(build=build, attempt=attempt, report=json.loads(request.body or b"null"))
    except (ValueError, ReportInvalid) as exc:
        return _error(400, f"not a report: {exc}")
    return JsonResponse(answer.as_json())


@csrf_exempt
def agent_context(request: HttpRequest, build_uuid: str) -> HttpResponseBase:
    """The build's uploaded context, for a builder that cannot read the registry's storage."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    found = _agent_build(request, build_uuid)
    if found is None:
        return _error(401, "the build's agent token is missing or not valid")
    stream = build_context_open(build=found[0])
    if stream is None:
        return _error(404, "the build has no uploaded context")
    return FileResponse(stream, content_type="application/octet-stream")
