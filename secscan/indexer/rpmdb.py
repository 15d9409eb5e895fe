"""Installed packages from an RPM sqlite database (``rpmdb.sqlite``, rpm 4.16+).

The database is opened from memory (``sqlite3`` deserialize): nothing is written to disk. Its
``Packages`` table holds one header blob per package. No parser of bare header blobs installs
from PyPI (rpmfile reads whole .rpm files and trusts their counts), so the format is read here.

A header blob, all integers big-endian, as rpm's ``headerImport`` reads it:

- ``il`` (int32): the number of index entries; ``dl`` (int32): the size of the data store;
- ``il`` index entries of 16 bytes: ``tag``, ``type``, ``offset`` (into the store), ``count``;
- the data store, ``dl`` bytes.

Types used here: 4 INT32 (``count`` values), 6 STRING (one NUL-terminated string). Tags used:
1000 NAME, 1001 VERSION, 1002 RELEASE, 1003 EPOCH, 1022 ARCH, 1044 SOURCERPM. A blob whose counts
do not fit its length is skipped, never read past.
"""

from __future__ import annotations

import sqlite3
import struct

from secscan.indexer.stream import LayerInvalid

TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH, TAG_ARCH, TAG_SOURCERPM = 1000, 1001, 1002, 1003, 1022, 1044
TYPE_INT32, TYPE_STRING = 4, 6
ENTRY = struct.Struct(">iiii")
ENTRIES_MAX = 100_000
PACKAGES_MAX = 100_000


class HeaderInvalid(ValueError):
    pass


def header_parse(blob: bytes) -> dict[int, str | int]:
    """The string and int32 tags of one header blob (the first int of an INT32 array)."""
    if len(blob) < 8:
        raise HeaderInvalid("header shorter than its counts")
    il, dl = struct.unpack_from(">ii", blob, 0)
    if not 0 < il <= ENTRIES_MAX or dl < 0 or 8 + il * ENTRY.size + dl > len(blob):
        raise HeaderInvalid(f"header counts il={il} dl={dl} do not fit its {len(blob)} bytes")
    store_start = 8 + il * ENTRY.size
    store = blob[store_start : store_start + dl]
    values: dict[int, str | int] = {}
    for index in range(il):
        tag, kind, offset, count = ENTRY.unpack_from(blob, 8 + index * ENTRY.size)
        if not 0 <= offset < dl or count < 1:
            continue
        if kind == TYPE_STRING:
            end = store.find(b"\x00", offset)
            if end >= 0:
                values[tag] = store[offset:end].decode("utf-8", "replace")
        elif kind == TYPE_INT32 and offset + 4 <= dl:
            (values[tag],) = struct.unpack_from(">i", store, offset)
    return values


def source_name(sourcerpm: str) -> str:
    """``openssl-3.0.7-24.el9.src.rpm`` -> ``openssl`` (name-version-release.src.rpm)."""
    stem = sourcerpm.removesuffix(".rpm").rsplit(".", 1)[0]
    parts = stem.rsplit("-", 2)
    return parts[0] if len(parts) == 3 else ""


def rpm_packages(database: bytes) -> list[dict]:
    connection = sqlite3.connect(":memory:")
    try:
        try:
            connection.deserialize(database)
            rows = connection.execute("SELECT blob FROM Packages LIMIT ?", (PACKAGES_MAX,)).fetchall()
        except sqlite3.Error as error:
            raise LayerInvalid(f"unreadable rpm database: {error}") from None
    finally:
        connection.close()
    packages = []
    for (blob,) in rows:
        try:
            header = header_parse(bytes(blob))
        except HeaderInvalid:
            continue
        name, version = header.get(TAG_NAME), header.get(TAG_VERSION)
        if not isinstance(name, str) or not isinstance(version, str) or name == "gpg-pubkey":
            continue
        full = version
        if isinstance(header.get(TAG_RELEASE), str):
            full = f"{version}-{header[TAG_RELEASE]}"
        epoch = header.get(TAG_EPOCH)
        if isinstance(epoch, int) and epoch > 0:
            full = f"{epoch}:{full}"
        sourcerpm = header.get(TAG_SOURCERPM)
        source = source_name(sourcerpm) if isinstance(sourcerpm, str) else ""
        packages.append({"name": name, "version": full, "source": source or name})
    return packages


def header_build(tags: dict[int, str | int]) -> bytes:
    """A header blob holding ``tags`` (strings and int32s): what rpm writes, for tests and benches."""
    entries, store = [], b""
    for tag, value in sorted(tags.items()):
        if isinstance(value, int):
            store += b"\x00" * (-len(store) % 4)
            entries.append(ENTRY.pack(tag, TYPE_INT32, len(store), 1))
            store += struct.pack(">i", value)
        else:
            entries.append(ENTRY.pack(tag, TYPE_STRING, len(store), 1))
            store += value.encode() + b"\x00"
    return struct.pack(">ii", len(entries), len(store)) + b"".join(entries) + store
