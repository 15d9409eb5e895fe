"""The namespace row users and organizations share, so a name is taken once."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from orgs.errors import NamespaceTaken
from orgs.models import Namespace
from orgs.names import namespace_name_validate


def namespace_create(*, name: str, kind: str) -> Namespace:
    namespace_name_validate(name)
    try:
        with transaction.atomic():
            return Namespace.objects.create(name=name, kind=kind)
    except IntegrityError:
        raise NamespaceTaken(f"the name {name!r} is already taken by a user or organization") from None
