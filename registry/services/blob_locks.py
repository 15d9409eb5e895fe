"""Keeps garbage collection and pushes from racing over one blob.

A push that is about to rely on a blob's stored bytes, or to add the first reference to it (an
upload that finds the bytes already stored, a cross-repository mount), takes the blob's guard
in its transaction; GC deletes a blob's rows and then its bytes only while it holds the
blob's deletion lock, which excludes every guard. So either the push commits first, and GC's
re-check sees its reference and keeps the blob, or GC finishes first, and the push finds no
blob: an upload then stores its own bytes, a mount falls back to an upload.

On PostgreSQL these are advisory locks on the digest: shared for pushes, held to the end of
their transaction; exclusive and session-wide for GC, because it must keep the lock from before
its row deletion until after the commit and the storage delete. SQLite runs one write
transaction at a time (BEGIN IMMEDIATE), so there GC's whole deletion, bytes included, is one
transaction; a crash between its storage delete and its commit would leave rows without bytes,
a risk PostgreSQL deployments do not have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


def _key(digest: str) -> int:
    # 60 bits of the hash: a collision only makes two unrelated blobs wait for each other.
    return int(digest.split(":", 1)[1][:15], 16)


def blob_reference_guard(digest: str) -> None:
    """Until the caller's transaction ends, GC cannot delete this blob's rows or bytes."""
    if not connection.in_atomic_block:
        raise RuntimeError("blob_reference_guard needs a transaction to hold it")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_key(digest)])


@contextmanager
def blob_deletion_lock(digests: list[str]) -> Iterator[set[str]]:
    """Yields the digests this process alone may now delete: those no push holds."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            yield set(digests)
        return
    keys = {digest: _key(digest) for digest in digests}
    with connection.cursor() as cursor:
        # One statement for the batch; pg_try_advisory_lock runs once per row of the array.
        cursor.execute(
            "SELECT k FROM unnest(%s::bigint[]) AS k WHERE pg_try_advisory_lock(k)", [list(keys.values())]
        )
        acquired = [row[0] for row in cursor.fetchall()]
    try:
        held = set(acquired)
        yield {digest for digest, key in keys.items() if key in held}
    finally:
        if acquired:
            with connection.cursor() as cursor:
                # Once per acquisition: two digests sharing a key took the session lock twice.
                cursor.execute("SELECT pg_advisory_unlock(k) FROM unnest(%s::bigint[]) AS k", [acquired])
