"""What every page shares: domain errors become 403/404 pages, and secrets shown once.

The services decide who may do what; a page turns their refusals into the same statuses the API
answers, so a person who types an address they may not use sees a refusal and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from orgs.errors import (
    AlreadyTeamMember,
    FeatureDisabled,
    InvalidInput,
    NameTaken,
    NotFound,
    NotPermitted,
    OwnersTeamProtected,
)
from quaysite.readonly import MESSAGE as READ_ONLY_MESSAGE
from quaysite.readonly import READ_METHODS, registry_read_only

# Errors that say what is wrong with the submitted values: shown beside the form's fields.
FORM_ERRORS = (InvalidInput, NameTaken, OwnersTeamProtected, AlreadyTeamMember)

_REVEAL_KEY = "ui-reveal"

View = Callable[..., HttpResponse]


def refusals_as_http(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        # The middleware refuses /v2/ and /api/v1/ writes in read-only mode; pages do it here.
        if request.method not in READ_METHODS and registry_read_only():
            return render(request, "ui/read_only.html", {"message": READ_ONLY_MESSAGE}, status=503)
        try:
            return view(request, *args, **kwargs)
        except (NotPermitted, FeatureDisabled) as error:
            raise PermissionDenied(str(error)) from error
        except NotFound as error:
            raise Http404(str(error)) from error

    return wrapped


def page(view: View) -> View:
    """A page for signed-in people."""
    return login_required(refusals_as_http(view))


def public_page(view: View) -> View:
    """A page anonymous visitors may see too (public repositories)."""
    return refusals_as_http(view)


def secret_reveal_later(request: HttpRequest, *, subject: str, secret: str) -> None:
    """Keeps a new token for the next page only: a reload or a later visit no longer shows it."""
    request.session[_REVEAL_KEY] = {"subject": subject, "secret": secret}


def secret_reveal_take(request: HttpRequest, *, subject: str) -> str | None:
    held = request.session.get(_REVEAL_KEY)
    if not held or held.get("subject") != subject:
        return None
    del request.session[_REVEAL_KEY]
    return held["secret"]
