"""Digests (sha256 and sha512), and a hash whose running state can be saved between requests.

An upload's PATCHes may reach different server processes, so the running hash must live in
the database. hashlib cannot export its state; OpenSSL's SHA256_CTX and SHA512_CTX are plain
structs (112 and 216 bytes) that can, and libcrypto's Update functions are the same fast code
hashlib uses.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import re
from dataclasses import dataclass

# Content we store ourselves: the two algorithms the OCI image spec registers.
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}")
# Accepted in manifests as references to other content (compare with fullmatch, never match:
# `$` would let a trailing newline through). DIGEST_MAX bounds what reaches the digest columns.
ANY_DIGEST_RE = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
DIGEST_MAX = 255


@dataclass(frozen=True)
class _Algorithm:
    name: str
    context_size: int
    output_size: int


ALGORITHMS = {"sha256": _Algorithm("sha256", 112, 32), "sha512": _Algorithm("sha512", 216, 64)}


def is_stored_digest(digest: str) -> bool:
    """A digest we can check content against and store content under."""
    return DIGEST_RE.fullmatch(digest) is not None


def is_any_digest(digest: str) -> bool:
    """A well-formed digest of any algorithm; a registered algorithm's (sha256, sha512) must
    also have its encoding, as the image spec requires (sha256:zz is no digest)."""
    if len(digest) > DIGEST_MAX or ANY_DIGEST_RE.fullmatch(digest) is None:
        return False
    return digest_algorithm(digest) not in ALGORITHMS or is_stored_digest(digest)


def digest_algorithm(digest: str) -> str:
    return digest.partition(":")[0]


def _load_libcrypto() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("crypto")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        for prefix in ("SHA256", "SHA512"):
            getattr(lib, f"{prefix}_Init").argtypes = [ctypes.c_char_p]
            getattr(lib, f"{prefix}_Update").argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
            getattr(lib, f"{prefix}_Final").argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    except (OSError, AttributeError):
        return None
    return lib


_LIBCRYPTO = _load_libcrypto()


def content_digest(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:" + hashlib.new(algorithm, data).hexdigest()


def sha256_digest(data: bytes) -> str:
    return content_digest(data, "sha256")


class ResumableHash:
    """sha256 or sha512 over a stream, with state() and the state argument to carry it across
    processes. Where libcrypto is missing, state() is None and the caller re-reads the bytes."""

    def __init__(self, algorithm: str = "sha256", state: bytes | None = None) -> None:
        self.algorithm = ALGORITHMS[algorithm]
        prefix = algorithm.upper()
        self._ctx: ctypes.Array[ctypes.c_char] | None = None
        self._fallback = None
        if _LIBCRYPTO is not None:
            self._update = getattr(_LIBCRYPTO, f"{prefix}_Update")
            self._final = getattr(_LIBCRYPTO, f"{prefix}_Final")
            self._ctx = ctypes.create_string_buffer(self.algorithm.context_size)
            if state is None:
                getattr(_LIBCRYPTO, f"{prefix}_Init")(self._ctx)
            else:
                if len(state) != self.algorithm.context_size:
                    raise ValueError("saved hash state has the wrong size")
                ctypes.memmove(self._ctx, state, self.algorithm.context_size)
        else:
            if state is not None:
                raise ValueError("this process cannot resume a saved hash state")
            self._fallback = hashlib.new(algorithm)

    @classmethod
    def resumable(cls) -> bool:
        return _LIBCRYPTO is not None

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if self._fallback is not None:
            self._fallback.update(data)
            return
        if isinstance(data, bytes):
            self._update(self._ctx, data, len(data))
            return
        view = memoryview(data)
        if view.readonly:
            raw = bytes(view)
            self._update(self._ctx, raw, len(raw))
            return
        buffer = (ctypes.c_char * view.nbytes).from_buffer(view)
        self._update(self._ctx, buffer, view.nbytes)

    def state(self) -> bytes | None:
        return None if self._ctx is None else self._ctx.raw

    def digest(self) -> str:
        prefix = self.algorithm.name + ":"
        if self._fallback is not None:
            return prefix + self._fallback.hexdigest()
        assert self._ctx is not None  # __init__ makes a context whenever it makes no fallback
        # Final() clears the context; finish a copy so state() stays usable.
        copy = ctypes.create_string_buffer(self._ctx.raw, self.algorithm.context_size)
        out = ctypes.create_string_buffer(self.algorithm.output_size)
        self._final(out, copy)
        return prefix + out.raw.hex()
