"""Where apps that know more than identity plug into identity's services. orgs imports no app:
an app that keeps rows in a namespace registers here at start-up (its AppConfig.ready), and the
identity services call each hook from inside their transaction, once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from orgs.models import Namespace

if TYPE_CHECKING:
    from orgs.authentication import Login

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


# Registry logins under a reserved username ("$buildtoken": a build's push or pull), each checked
# by the app that issues such passwords: the Login (often narrowed), or None to refuse.
login_verifiers: dict[str, Callable[[str], Login | None]] = {}
