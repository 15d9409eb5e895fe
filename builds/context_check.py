"""Checks an uploaded build context before a build is queued: a tar archive (plain, gzip, bzip2
or xz) holding the Dockerfile inside the context directory, or a lone Dockerfile. Reads the
stream once, holding one member header at a time, never the archive."""

from __future__ import annotations

import posixpath
import tarfile
from typing import BinaryIO

from builds.errors import BuildInvalid

# A lone Dockerfile is text and small; anything larger that is no archive is refused.
LONE_DOCKERFILE_MAX = 1024 * 1024
_ARCHIVE_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def path_in_source(path: str, *, what: str) -> str:
    """``path`` relative to the source's root, normalized ("" for the root itself); refuses a
    path with ".." (it could leave the context) or a NUL."""
    if "\x00" in path:
        raise BuildInvalid(f"{what} {path!r} is not a path")
    parts = [part for part in path.strip().split("/") if part not in ("", ".")]
    if ".." in parts:
        raise BuildInvalid(f"{what} {path!r} leaves the build context")
    return "/".join(parts)


def dockerfile_in_context(*, context: str, dockerfile_path: str) -> None:
    if context and not (dockerfile_path == context or dockerfile_path.startswith(context + "/")):
        raise BuildInvalid(f"the Dockerfile /{dockerfile_path} is outside the context /{context}")


def _is_tar(head: bytes) -> bool:
    return head.startswith(_ARCHIVE_MAGIC) or head[257:262] == b"ustar"


def context_kind(stream: BinaryIO) -> str:
    """ "archive" or "dockerfile", from the first bytes of the upload (then rewound)."""
    head = stream.read(512)
    stream.seek(0)
    if _is_tar(head):
        return "archive"
    if not head or b"\x00" in head:
        raise BuildInvalid("the uploaded build context is neither a tar archive nor a Dockerfile")
    return "dockerfile"


def archive_check(stream: BinaryIO, *, context: str, dockerfile_path: str) -> None:
    """Raises BuildInvalid unless the archive reads to its end and holds ``dockerfile_path``
    as a regular file (both relative to the archive's root, normalized)."""
    found = False
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                name = posixpath.normpath(member.name.lstrip("/")).removeprefix("./")
                if name.startswith("../") or name == "..":
                    raise BuildInvalid(f"the archive's member {member.name!r} leaves the build context")
                if name == dockerfile_path and member.isfile():
                    found = True
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BuildInvalid(f"the uploaded build context is not a readable tar archive: {exc}") from None
    if not found:
        where = f" in the context /{context}" if context else ""
        raise BuildInvalid(f"no Dockerfile at /{dockerfile_path}{where} of the uploaded archive")


def lone_dockerfile_check(stream: BinaryIO, *, context: str, dockerfile_path: str) -> None:
    data = stream.read(LONE_DOCKERFILE_MAX + 1)
    if len(data) > LONE_DOCKERFILE_MAX:
        raise BuildInvalid("the uploaded build context is neither a tar archive nor a Dockerfile")
    try:
        data.decode()
    except UnicodeDecodeError:
        raise BuildInvalid("the uploaded build context is neither a tar archive nor a Dockerfile") from None
    if context or posixpath.basename(dockerfile_path) != dockerfile_path:
        raise BuildInvalid(
            "a lone Dockerfile has no directories: leave the context and Dockerfile path at the root"
        )
