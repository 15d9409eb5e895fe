"""What scanning adds to the web UI: a Security panel on the repository's page (each shown
tag's severity summary) through registry.web.panels, and a Security page per manifest."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from orgs.errors import NotFound
from orgs.web.http import public_page
from registry.selectors.manifests import manifest_get_served
from registry.web.panels import repository_page_panels
from registry.web.repositories import repository_context
from secscan.selectors import security_response, security_summaries, security_summary


def repository_security_panel(request: HttpRequest, context: dict) -> str:
    rows = context.get("tags") or []
    if not settings.FEATURE_SECURITY_SCANNER or not rows:
        return ""
    summaries = security_summaries(manifest_ids=sorted({row["tag"].manifest_id for row in rows}))
    tags = [{"tag": row["tag"], "summary": summaries[row["tag"].manifest_id]} for row in rows]
    return render_to_string(
        "ui/secscan/_repository.html", {"tags": tags, "full_name": context["full_name"]}, request=request
    )


@public_page
def manifest_security_page(request: HttpRequest, repository: str, digest: str) -> HttpResponse:
    if not settings.FEATURE_SECURITY_SCANNER:
        raise Http404("vulnerability scanning is off")
    context = repository_context(request, repository, "tags")
    try:
        manifest = manifest_get_served(repository=context["repository"], digest=digest)
    except NotFound as error:
        raise Http404(str(error)) from None
    report = security_response(manifest=manifest, vulnerabilities=True)
    features = (report["data"] or {}).get("Layer", {}).get("Features", [])
    context.update(
        manifest=manifest,
        summary=security_summary(manifest=manifest),
        vulnerable=[feature for feature in features if feature.get("Vulnerabilities")],
        clean=[feature for feature in features if not feature.get("Vulnerabilities")],
    )
    return render(request, "ui/secscan/manifest.html", context)


def panels_register() -> None:
    if repository_security_panel not in repository_page_panels:
        repository_page_panels.append(repository_security_panel)
