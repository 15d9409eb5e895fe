"""An organization's OAuth applications: create, see the client id, reveal the secret once,
reset it, delete, and generate a token for oneself with chosen scopes (Quay's "Generate token").
The toolkit keeps only the secret's hash."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from orgs.models import OrganizationApplication
from orgs.oauth import oauth_token_generate
from orgs.request_context import request_actor
from orgs.selectors.applications import organization_application_get, organization_application_list
from orgs.services.applications import application_create, application_delete, application_secret_reset
from orgs.web.forms import ApplicationForm, ApplicationTokenForm
from orgs.web.http import FORM_ERRORS, page, secret_reveal_later, secret_reveal_take
from orgs.web.organizations import organization_admin_context
from quaysite.client_commands import login_commands
from quaysite.hosts import service_host

# The registry's user name for a login with an OAuth token, as in Quay.
OAUTH_TOKEN_USERNAME = "$oauthtoken"


@page
def application_index(request: HttpRequest, org: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            owned, secret = application_create(
                organization=context["org"], actor=request_actor(request), **form.cleaned_data
            )
        except FORM_ERRORS as error:
            form.add_error("redirect_uri", str(error))
        else:
            client_id = owned.application.client_id
            secret_reveal_later(request, subject=f"application:{client_id}", secret=secret)
            return redirect("ui-application", org=org, client_id=client_id)
    context.update(applications=organization_application_list(organization=context["org"]), form=form)
    return render(request, "ui/orgs/applications.html", context)


def _pkce_example() -> tuple[str, str]:
    """A fresh (verifier, S256 challenge) pair, so the shown URL works as pasted (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize_url(request: HttpRequest, owned: OrganizationApplication, challenge: str) -> str:
    """The consent page's address with what the toolkit demands here: PKCE is required."""
    params = {"response_type": "code", "client_id": owned.application.client_id, "scope": "repo:read"}
    redirect_uris = owned.application.redirect_uris.split()
    if redirect_uris:
        params["redirect_uri"] = redirect_uris[0]
    params.update(state=secrets.token_urlsafe(12), code_challenge=challenge, code_challenge_method="S256")
    authorize = request.build_absolute_uri(reverse("oauth2_provider:authorize"))
    return f"{authorize}?{urlencode(params)}"


@page
def application_detail(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    owned = organization_application_get(organization=context["org"], client_id=client_id)
    verifier, challenge = _pkce_example()
    context.update(
        owned=owned,
        secret=secret_reveal_take(request, subject=f"application:{client_id}"),
        authorize_url=_authorize_url(request, owned, challenge),
        code_verifier=verifier,
        token_url=request.build_absolute_uri(reverse("oauth2_provider:token")),
    )
    return render(request, "ui/orgs/application.html", context)


@page
def application_token(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    """Pick scopes, get a token of this application for oneself; shown once, like every secret."""
    context = organization_admin_context(request, org, "applications")
    owned = organization_application_get(organization=context["org"], client_id=client_id)
    subject = f"application-token:{client_id}"
    # Bound on every POST: ticking nothing sends no field at all, and that is an error to show.
    posted = request.POST if request.method == "POST" else None
    form = ApplicationTokenForm(posted, scopes=settings.OAUTH2_PROVIDER["SCOPES"])
    if posted is not None and form.is_valid():
        _, token = oauth_token_generate(
            application=owned.application,
            user=request_actor(request),
            scopes=form.cleaned_data["scopes"],
            actor=request_actor(request),
        )
        secret_reveal_later(request, subject=subject, secret=token)
        return redirect("ui-application-token", org=org, client_id=client_id)
    token = secret_reveal_take(request, subject=subject)
    context.update(
        owned=owned,
        form=form,
        token=token,
        login_commands=login_commands(host=service_host(request), username=OAUTH_TOKEN_USERNAME, token=token)
        if token
        else [],
    )
    return render(request, "ui/orgs/application_token.html", context)


@page
@require_POST
def application_reset(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    owned = organization_application_get(organization=context["org"], client_id=client_id)
    secret = application_secret_reset(owned=owned, actor=request_actor(request))
    secret_reveal_later(request, subject=f"application:{client_id}", secret=secret)
    messages.success(request, "New client secret made: the old one no longer works.")
    return redirect("ui-application", org=org, client_id=client_id)


@page
@require_POST
def application_remove(request: HttpRequest, org: str, client_id: str) -> HttpResponse:
    context = organization_admin_context(request, org, "applications")
    owned = organization_application_get(organization=context["org"], client_id=client_id)
    application_delete(owned=owned, actor=request_actor(request))
    messages.success(request, f"Application {owned.application.name} deleted; its tokens stop working.")
    return redirect("ui-org-applications", org=org)
