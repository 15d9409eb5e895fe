"""Writes for users: creation, sign-up, password, e-mail, enabling and disabling.

With an ``actor`` (None: the system), creating, enabling and disabling users needs a superuser;
a password or e-mail change needs the user themself or a superuser. Each change is recorded in
the audit log in its own transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from orgs.audit import audit_log_write
from orgs.errors import FeatureDisabled, InvalidInput, NameTaken
from orgs.models import Namespace, User
from orgs.names import user_name_validate
from orgs.services.authorization import require_self_or_superuser, require_superuser
from orgs.services.namespaces import namespace_create


def _password_check(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from None


def _email_check(email: str, user: User | None = None) -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an e-mail address") from None
    others = User.objects.filter(email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise NameTaken(f"the e-mail address {email!r} belongs to another user")


def _audit(kind: str, *, user: User, actor: User | None, **metadata: str) -> None:
    audit_log_write(
        kind=kind, performer=actor, namespace=user.namespace, metadata={"username": user.username, **metadata}
    )


def _user_insert(*, username: str, password: str | None, email: str, superuser: bool) -> User:
    user_name_validate(username)
    namespace = namespace_create(name=username, kind=Namespace.Kind.USER)
    user = User(username=username, email=email, namespace=namespace)
    user.is_superuser = user.is_staff = superuser
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    superuser: bool = False,
    actor: User | None = None,
) -> User:
    """For administrators and start-up: no sign-up switch, no password rules."""
    require_superuser(actor=actor)
    user = _user_insert(username=username, password=password, email=email, superuser=superuser)
    _audit("user_create", user=user, actor=actor, email=email)
    return user


@transaction.atomic
def user_signup(*, username: str, password: str, email: str = "") -> User:
    """Self-service sign-up, refused when FEATURE_USER_CREATION is off; the new user is the performer."""
    if not settings.FEATURE_USER_CREATION:
        raise FeatureDisabled("user creation is switched off on this registry")
    _password_check(password)
    if email:
        _email_check(email)
    user = _user_insert(username=username, password=password, email=email, superuser=False)
    _audit("user_create", user=user, actor=user, email=email)
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str, actor: User | None = None) -> User:
    """Sets a new password; the caller has checked the old one. Logins with the old one fail at once."""
    require_self_or_superuser(actor=actor, user=user)
    _password_check(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit("user_change_password", user=user, actor=actor)
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User | None = None) -> User:
    """A disabled user keeps its rows but can neither log in nor use any grant."""
    require_superuser(actor=actor)
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit("user_enable" if active else "user_disable", user=user, actor=actor)
    return user


@transaction.atomic
def user_set_email(*, user: User, email: str, actor: User | None = None) -> User:
    require_self_or_superuser(actor=actor, user=user)
    _email_check(email, user)
    previous = user.email
    user.email = email
    user.save(update_fields=["email"])
    _audit("user_change_email", user=user, actor=actor, email=email, previous_email=previous)
    return user
