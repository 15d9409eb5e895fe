"""Where apps that know more than identity plug into identity's services. orgs imports no app:
an app that keeps rows in a namespace registers here at start-up (its AppConfig.ready), and the
identity services call each hook from inside their transaction, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orgs.models import Namespace, User

# Before a namespace's rows go: remove what an app keeps in it (the registry: its repositories).
namespace_delete: list[Callable[[Namespace], None]] = []

# Why a user's namespace may not be deleted yet, or None (the registry: it still holds
# repositories, whose purge is garbage collection's work).
namespace_delete_refusal: list[Callable[[Namespace], str | None]] = []


def namespace_delete_run(namespace: Namespace) -> None:
    for hook in namespace_delete:
        hook(namespace)


def namespace_delete_refused(namespace: Namespace) -> str | None:
    return next((reason for hook in namespace_delete_refusal if (reason := hook(namespace))), None)


# Keys an app adds to a namespace's API responses (an organization's, for its members; the
# signed-in user's /api/v1/user/, for their own namespace): quota's "quotas" and "quota_report".
namespace_response_extras: list[Callable[[Namespace], dict]] = []


def namespace_response_extra(namespace: Namespace) -> dict:
    extra: dict = {}
    for hook in namespace_response_extras:
        extra.update(hook(namespace))
    return extra


@dataclass(frozen=True)
class PagePanel:
    """A block an app adds to a web page: its template, rendered with ``data`` as ``data``."""

    template: str
    data: dict


# Blocks an app adds to a namespace's web pages, for a viewer the page already let in: the
# organization's repositories tab (page "organization") and the signed-in user's account page
# ("account"). A hook returns None to add nothing (quota: its usage bar while the feature is on).
namespace_page_panels: list[Callable[[Namespace, User, str], PagePanel | None]] = []


def namespace_page_panels_for(namespace: Namespace, *, viewer: User, page: str) -> list[PagePanel]:
    return [panel for hook in namespace_page_panels if (panel := hook(namespace, viewer, page))]
