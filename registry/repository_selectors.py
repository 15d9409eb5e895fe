"""Reads for the management API: a repository as a person may see it, listings and tag history.

A repository the caller may not read is answered exactly as one that does not exist, so a
private repository's name never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, TypedDict

from django.db.models import QuerySet, Sum
from django.utils import timezone

from orgs.errors import NotFound
from orgs.models import User
from registry.errors import NameInvalid
from registry.manifest_formats import INDEX_TYPES, manifest_parse
from registry.models import Manifest, Repository, RepositoryStar, Tag
from registry.names import repository_name_split
from registry.repository_roles import repositories_visible_to, repository_role
from registry.services.labels import image_config_read
from registry.tag_liveness import tag_active_q

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@dataclass(frozen=True)
class RepositoryAccess:
    repository: Repository
    role: str


def repository_get_readable(*, user: User | None, full_name: str) -> RepositoryAccess:
    """The repository and the caller's role on it; NotFound when missing or unreadable alike."""
    try:
        namespace, name = repository_name_split(full_name)
    except NameInvalid:
        raise NotFound(f"no repository {full_name!r}") from None
    repository = (
        Repository.objects.select_related("namespace").filter(namespace__name=namespace, name=name).first()
    )
    role = repository_role(user=user, repository=repository) if repository is not None else None
    if repository is None or role is None:
        raise NotFound(f"no repository {full_name!r}")
    return RepositoryAccess(repository=repository, role=role)


def repository_list_visible(
    *, user: User | None, namespace: str | None, public: bool
) -> QuerySet[Repository]:
    """Quay's listing: repositories the caller reads through ownership, admin or a grant, plus
    (``public``) every public one, narrowed to ``namespace`` when given."""
    visible = repositories_visible_to(user=user, include_public=public)
    if namespace:
        visible = visible.filter(namespace__name=namespace)
    return visible.select_related("namespace").order_by("namespace__name", "name")


def repository_list_starred(*, user: User) -> QuerySet[Repository]:
    """The repositories the user starred and still reads, by name: a star outlives neither the
    user's access nor the repository."""
    visible = repositories_visible_to(user=user, include_public=True)
    return visible.filter(stars__user=user).select_related("namespace").order_by("namespace__name", "name")


def repository_starred_ids(*, user: User | None, repositories: list[Repository]) -> set[int]:
    """Which of ``repositories`` the user starred, in one query (none for the anonymous)."""
    if user is None or not user.is_authenticated or not repositories:
        return set()
    starred = RepositoryStar.objects.filter(user=user, repository__in=repositories)
    return set(starred.values_list("repository_id", flat=True))


class TagSize(TypedDict):
    size: int | None  # None for a manifest without blobs (an index)


@dataclass(frozen=True)
class TagPage:
    tags: list[WithAnnotations[Tag, TagSize]]
    page: int
    has_additional: bool


def tag_history_page(
    *,
    repository: Repository,
    only_active: bool,
    specific_tag: str | None,
    name_filter: tuple[str, str] | None,
    limit: int,
    page: int,
) -> TagPage:
    """Tag rows newest first, each with its manifest and ``size`` (sum of the manifest's blobs).

    ``name_filter`` is Quay's ("like", text): names containing it, any case; or ("eq", name).
    """
    rows = Tag.objects.filter(repository=repository)
    if only_active:
        rows = rows.filter(tag_active_q(timezone.now()))
    if specific_tag:
        rows = rows.filter(name=specific_tag)
    if name_filter is not None:
        operation, value = name_filter
        rows = rows.filter(name__icontains=value) if operation == "like" else rows.filter(name=value)
    offset = (page - 1) * limit
    # One row beyond the page says whether another page follows.
    fetched = list(
        rows.select_related("manifest")
        .annotate(size=Sum("manifest__blobs__size"))
        .order_by("-start", "name", "pk")[offset : offset + limit + 1]
    )
    return TagPage(tags=fetched[:limit], page=page, has_additional=len(fetched) > limit)


def manifest_get_served(*, repository: Repository, digest: str) -> Manifest:
    """A manifest the repository serves (not deleted by digest); NotFound otherwise."""
    manifest = (
        Manifest.objects.select_related("repository__namespace")
        .filter(repository=repository, digest=digest, deleted__isnull=True)
        .first()
    )
    if manifest is None:
        raise NotFound(f"no manifest {digest[:100]!r} in {repository}")
    return manifest


def _layer_history(config: dict | None) -> list[dict]:
    """The config's history entries that made a layer, in layer order."""
    history = (config or {}).get("history")
    if not isinstance(history, list):
        return []
    return [entry for entry in history if isinstance(entry, dict) and not entry.get("empty_layer")]


def _rfc2822(created: object) -> str | None:
    if not isinstance(created, str):
        return None
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None
    return formatdate(moment.timestamp())


def manifest_summary(*, manifest: Manifest) -> dict:
    """Quay's manifest view: the exact bytes and, for an image, its layers, with the command,
    author and time of each from the image config's history where the config has one."""
    is_list = manifest.media_type in INDEX_TYPES
    layers = None
    if not is_list:
        parsed = manifest_parse(bytes(manifest.content), manifest.media_type)
        history = _layer_history(image_config_read(repository=manifest.repository, parsed=parsed))
        if len(history) != len(parsed.layers):
            history = [{}] * len(parsed.layers)
        layers = [
            {
                "index": index,
                "compressed_size": layer.size,
                "is_remote": bool(layer.urls),
                "urls": list(layer.urls) or None,
                "command": [entry["created_by"]] if isinstance(entry.get("created_by"), str) else None,
                "comment": entry.get("comment") if isinstance(entry.get("comment"), str) else None,
                "author": entry.get("author") if isinstance(entry.get("author"), str) else None,
                "blob_digest": layer.digest,
                "created_datetime": _rfc2822(entry.get("created")),
            }
            for index, (layer, entry) in enumerate(zip(parsed.layers, history, strict=True))
        ]
    return {
        "digest": manifest.digest,
        "is_manifest_list": is_list,
        "manifest_data": bytes(manifest.content).decode("utf-8", errors="replace"),
        "config_media_type": manifest.config_media_type or None,
        "layers": layers,
        "layers_compressed_size": sum(layer["compressed_size"] for layer in layers)
        if layers is not None
        else None,
    }
