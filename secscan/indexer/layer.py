"""One layer's findings: the package databases and manifests it holds, the os-release it
carries, and the paths it deletes (whiteouts), read in one streaming pass over the tar.

A layer's result depends on its bytes alone, so it is kept by the layer's digest and reused by
every image that shares the layer; what an image has installed comes from stacking its layers'
results (``secscan.indexer.stack``), not from reading the layers again.
"""

from __future__ import annotations

import posixpath
import re
import tarfile
from typing import BinaryIO

from secscan.indexer.packages import PARSERS, os_release
from secscan.indexer.stream import UNCOMPRESSED_MAX, BoundedLayerReader, BoundedTarInfo, LayerInvalid

# Bumped when what the indexer finds changes: older layer results are indexed again.
INDEXER_VERSION = 1
MEMBERS_MAX = 1_000_000
PATH_LENGTH_MAX = 4096
PATH_DEPTH_MAX = 128
FILE_MAX = 16 << 20
RPMDB_MAX = 256 << 20
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"

OS_RELEASE_PATHS = frozenset({"etc/os-release", "usr/lib/os-release"})
EXACT_PATHS = {
    "var/lib/dpkg/status": "dpkg",
    "lib/apk/db/installed": "apk",
    "var/lib/rpm/rpmdb.sqlite": "rpm",
    "usr/lib/sysimage/rpm/rpmdb.sqlite": "rpm",
}
PATTERNS = (
    # Distroless images keep one status file per package.
    (re.compile(r"var/lib/dpkg/status\.d/[^/.]+"), "dpkg"),
    (re.compile(r"(.*/)?[^/]+\.dist-info/METADATA"), "python"),
    (re.compile(r"(.*/)?[^/]+\.egg-info(/PKG-INFO)?"), "python"),
    (re.compile(r"(.*/)?node_modules/(@[^/]+/)?[^/]+/package\.json"), "npm"),
)


def path_normalize(name: str) -> str:
    return posixpath.normpath("/" + name).lstrip("/")


def path_kind(path: str) -> str | None:
    if path in OS_RELEASE_PATHS:
        return "os"
    if path in EXACT_PATHS:
        return EXACT_PATHS[path]
    for pattern, kind in PATTERNS:
        if pattern.fullmatch(path):
            return kind
    return None


def _member_check(member: tarfile.TarInfo) -> None:
    if len(member.name) > PATH_LENGTH_MAX or member.name.count("/") > PATH_DEPTH_MAX:
        raise LayerInvalid(f"path too deep or long ({len(member.name)} characters): {member.name[:120]}...")
    if member.size < 0 or member.size > UNCOMPRESSED_MAX:
        raise LayerInvalid(f"member {member.name[:200]!r} declares an absurd size of {member.size} bytes")


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo, kind: str) -> bytes:
    limit = RPMDB_MAX if kind == "rpm" else FILE_MAX
    if member.size > limit:
        raise LayerInvalid(f"{member.name!r} declares {member.size} bytes, over the {limit} read limit")
    handle = archive.extractfile(member)
    if handle is None:
        return b""
    return handle.read(limit + 1)


def layer_index(raw: BinaryIO, **bounds: float) -> dict:
    """Reads a layer (gzip or plain tar) and returns what it holds; raises LayerInvalid."""
    files: dict[str, dict] = {}
    whiteouts: list[str] = []
    opaque: list[str] = []
    reader = BoundedLayerReader(raw, **bounds)  # type: ignore[arg-type]
    try:
        with tarfile.open(fileobj=reader, mode="r|", tarinfo=BoundedTarInfo) as archive:
            count = 0
            while (member := archive.next()) is not None:
                # tarfile keeps every header it read; a layer of millions of tiny files would
                # hold them all. Only the current member is ever needed in stream mode.
                archive.members.clear()  # type: ignore[attr-defined]  # not in typeshed
                count += 1
                if count > MEMBERS_MAX:
                    raise LayerInvalid(f"more than {MEMBERS_MAX} members")
                _member_check(member)
                path = path_normalize(member.name)
                base = posixpath.basename(path)
                if base == OPAQUE:
                    opaque.append(posixpath.dirname(path))
                    continue
                if base.startswith(WHITEOUT):
                    whiteouts.append(posixpath.join(posixpath.dirname(path), base[len(WHITEOUT) :]))
                    continue
                kind = path_kind(path)
                if kind is None or not member.isreg():
                    continue
                data = _read_member(archive, member, kind)
                if kind == "os":
                    files[path] = {"kind": "os", "os": os_release(data)}
                else:
                    files[path] = {"kind": kind, "packages": PARSERS[kind](data)}
    except (tarfile.TarError, EOFError, OSError, UnicodeError) as error:
        raise LayerInvalid(f"corrupt layer: {error}") from None
    return {
        "files": files,
        "whiteouts": whiteouts,
        "opaque": opaque,
        "bytes": reader.uncompressed_read,
        "compressed_bytes": reader.compressed_read,
    }
