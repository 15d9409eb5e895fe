"""Writes for users and organizations."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from orgs.models import Namespace, Organization, Team, TeamMember, User
from orgs.names import InvalidName, namespace_name_validate


class NamespaceTaken(ValueError):
    pass


def _namespace_create(*, name: str, kind: str) -> Namespace:
    namespace_name_validate(name)
    try:
        with transaction.atomic():
            return Namespace.objects.create(name=name, kind=kind)
    except IntegrityError:
        raise NamespaceTaken(f"the name {name!r} is already taken by a user or organization") from None


@transaction.atomic
def user_create(*, username: str, password: str | None, email: str = "", superuser: bool = False) -> User:
    namespace = _namespace_create(name=username, kind=Namespace.Kind.USER)
    user = User(username=username, email=email, namespace=namespace)
    user.is_superuser = user.is_staff = superuser
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def organization_create(*, name: str, creator: User, email: str = "") -> Organization:
    namespace = _namespace_create(name=name, kind=Namespace.Kind.ORGANIZATION)
    organization = Organization.objects.create(namespace=namespace, email=email)
    owners = Team.objects.create(organization=organization, name="owners", role=Team.Role.ADMIN)
    TeamMember.objects.create(team=owners, user=creator)
    return organization


__all__ = ["InvalidName", "NamespaceTaken", "organization_create", "user_create"]
