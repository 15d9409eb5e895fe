"""The registry's per-request reads, one SQL statement each.

A manifest GET or blob HEAD is the registry's most frequent request, and every layer of a push
looks up its repository and upload. Building these joins with the ORM cost more CPU than the
rest of the request together, so they are written once as SQL (plain joins that PostgreSQL and
SQLite both run) and the rows become model instances without another query.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from orgs.models import Namespace
from registry.models import Blob, BlobPlacement, BlobUpload, Manifest, Repository, RepositoryBlob, Tag
from registry.tag_liveness import tag_active_sql


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_REPOSITORY_JOIN = (
    f"JOIN {_table(Repository)} r ON r.id = {{alias}}.repository_id "
    f"JOIN {_table(Namespace)} n ON n.id = r.namespace_id "
)
MANIFEST_BY_TAG = (
    f"SELECT m.digest, m.media_type, m.content FROM {_table(Tag)} t "
    f"JOIN {_table(Manifest)} m ON m.id = t.manifest_id "
    + _REPOSITORY_JOIN.format(alias="t")
    + f"WHERE n.name = %s AND r.name = %s AND t.name = %s AND {tag_active_sql('t')} "
    "LIMIT 1"
)
MANIFEST_BY_DIGEST = (
    f"SELECT m.digest, m.media_type, m.content FROM {_table(Manifest)} m "
    + _REPOSITORY_JOIN.format(alias="m")
    + "WHERE n.name = %s AND r.name = %s AND m.digest = %s AND m.deleted IS NULL LIMIT 1"
)
REPOSITORY_BY_NAME = (
    f"SELECT r.id, r.namespace_id, r.is_public, r.state, r.mirror_robot_id FROM {_table(Repository)} r "
    f"JOIN {_table(Namespace)} n ON n.id = r.namespace_id WHERE n.name = %s AND r.name = %s"
)
UPLOAD_BY_UUID = (
    f"SELECT u.id, u.location, u.{connection.ops.quote_name('offset')}, u.segments, u.hash_state, "
    "u.digest_algorithm, "
    f"r.id, r.namespace_id, r.is_public, r.state, r.mirror_robot_id FROM {_table(BlobUpload)} u "
    + _REPOSITORY_JOIN.format(alias="u")
    + "WHERE n.name = %s AND r.name = %s AND u.uuid = %s"
)
BLOB_IN_REPOSITORY = (
    f"SELECT b.size, p.location FROM {_table(RepositoryBlob)} rb "
    f"JOIN {_table(Blob)} b ON b.id = rb.blob_id "
    f"JOIN {_table(BlobPlacement)} p ON p.blob_id = b.id "
    + _REPOSITORY_JOIN.format(alias="rb")
    + "WHERE n.name = %s AND r.name = %s AND b.digest = %s"
)


def _one(sql: str, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def manifest_row_by_tag(*, namespace: str, name: str, tag: str) -> tuple[str, str, bytes] | None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    row = _one(MANIFEST_BY_TAG, [namespace, name, tag, now])
    return (row[0], row[1], bytes(row[2])) if row else None


def manifest_row_by_digest(*, namespace: str, name: str, digest: str) -> tuple[str, str, bytes] | None:
    row = _one(MANIFEST_BY_DIGEST, [namespace, name, digest])
    return (row[0], row[1], bytes(row[2])) if row else None


def blob_rows_in_repository(*, namespace: str, name: str, digest: str) -> list[tuple[int, str]]:
    """The blob's size and one row per location holding it (one per configured location at most)."""
    with connection.cursor() as cursor:
        cursor.execute(BLOB_IN_REPOSITORY, [namespace, name, digest])
        return cursor.fetchall()


def _repository(name: str, row: tuple) -> Repository:
    pk, namespace_id, is_public, state, mirror_robot_id = row
    return Repository(
        pk=pk,
        namespace_id=namespace_id,
        name=name,
        is_public=bool(is_public),
        state=state,
        mirror_robot_id=mirror_robot_id,
    )


def repository_by_name(*, namespace: str, name: str) -> Repository | None:
    row = _one(REPOSITORY_BY_NAME, [namespace, name])
    return _repository(name, row) if row else None


def upload_by_uuid(*, namespace: str, name: str, upload_uuid: str) -> BlobUpload | None:
    row = _one(UPLOAD_BY_UUID, [namespace, name, upload_uuid])
    if row is None:
        return None
    pk, location, offset, segments, hash_state, algorithm, *repository_row = row
    return BlobUpload(
        pk=pk,
        uuid=upload_uuid,
        repository=_repository(name, tuple(repository_row)),
        location=location,
        offset=offset,
        segments=segments,
        hash_state=bytes(hash_state) if hash_state is not None else None,
        digest_algorithm=algorithm,
    )
