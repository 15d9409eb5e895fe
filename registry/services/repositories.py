"""Repositories: lookup by full name and creation on first push."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from orgs.models import Namespace, User
from orgs.services import repository_defaults_apply
from registry import selectors
from registry.errors import NameUnknown
from registry.models import Repository
from registry.names import repository_name_split


def repository_get(*, full_name: str) -> Repository:
    namespace, name = repository_name_split(full_name)
    repository = selectors.repository_by_name(namespace=namespace, name=name)
    if repository is None:
        raise NameUnknown(detail={"name": full_name})
    return repository


def repository_get_or_create(*, full_name: str, creator: User | None = None) -> Repository:
    """For a push the token allowed: the token endpoint already checked the right to create.

    A new repository gets its creator's admin grant and its organization's default permissions
    in the same transaction, so nobody sees it without them.
    """
    try:
        return repository_get(full_name=full_name)
    except NameUnknown:
        pass
    namespace_name, name = repository_name_split(full_name)
    namespace = Namespace.objects.filter(name=namespace_name).first()
    if namespace is None:
        raise NameUnknown(detail={"name": full_name})
    with transaction.atomic():
        try:
            with transaction.atomic():
                repository = Repository.objects.create(namespace=namespace, name=name, is_public=False)
        except IntegrityError:
            # Another request created it first.
            return repository_get(full_name=full_name)
        repository_defaults_apply(repository=repository, creator=creator)
    return repository
