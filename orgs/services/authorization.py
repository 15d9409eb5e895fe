"""Who may call a management service: the checks every mutating service runs on its ``actor``.

``actor=None`` is the system (start-up, the superuser console's internals, tests of the raw
service) and may do anything. A person may only act where they are admin; a superuser counts as
admin only when FEATURE_SUPERUSERS_FULL_ACCESS is on, as the selectors decide. A disabled user,
or a request without login (a view passes Django's AnonymousUser), is admin of nothing.
"""

from __future__ import annotations

from orgs.errors import NotPermitted
from orgs.models import Namespace, User
from orgs.selectors.identity import is_superuser, namespace_role


def require_namespace_admin(*, actor: User | None, namespace: Namespace) -> None:
    """The user themself for a user namespace, an organization admin for an organization."""
    if actor is not None and namespace_role(user=actor, namespace=namespace) != "admin":
        raise NotPermitted(f"{actor} is not an administrator of {namespace}")


def require_superuser(*, actor: User | None) -> None:
    """The superuser console's actions (creating and disabling users) need no full access."""
    if actor is not None and not is_superuser(actor):
        raise NotPermitted(f"{actor} is not a superuser")


def require_self(*, actor: User | None, user: User) -> None:
    """For a user's own credentials: a superuser creating one would be acting as someone else."""
    if actor is not None and (not actor.is_active or actor.pk != user.pk):
        raise NotPermitted(f"only {user} may do this for their account")


def require_self_or_superuser(*, actor: User | None, user: User) -> None:
    if actor is None or is_superuser(actor):
        return
    if not actor.is_active or actor.pk != user.pk:
        raise NotPermitted(f"{actor} may not change the account {user}")
