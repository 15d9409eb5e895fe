"""Digests, and a SHA-256 whose running state can be saved between requests.

An upload's PATCHes may reach different server processes, so the running hash must live in
the database. hashlib cannot export its state; OpenSSL's SHA256_CTX is a plain 112-byte struct
that can, and libcrypto's SHA256_Update is the same fast code hashlib uses.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import re

DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
# Accepted in manifests as references to other content; we store only sha256 content ourselves.
ANY_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")

_CTX_SIZE = 112


def _load_libcrypto() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("crypto")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.SHA256_Init.argtypes = [ctypes.c_char_p]
        lib.SHA256_Update.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
        lib.SHA256_Final.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    except (OSError, AttributeError):
        return None
    return lib


_LIBCRYPTO = _load_libcrypto()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class ResumableSha256:
    """SHA-256 over a stream, with state() and from_state() to carry it across processes.

    Where libcrypto is missing, state() is None and the caller re-reads the stored bytes.
    """

    def __init__(self, state: bytes | None = None) -> None:
        self._ctx: ctypes.Array[ctypes.c_char] | None = None
        self._fallback = None
        if _LIBCRYPTO is not None:
            self._ctx = ctypes.create_string_buffer(_CTX_SIZE)
            if state is None:
                _LIBCRYPTO.SHA256_Init(self._ctx)
            else:
                if len(state) != _CTX_SIZE:
                    raise ValueError("saved hash state has the wrong size")
                ctypes.memmove(self._ctx, state, _CTX_SIZE)
        else:
            if state is not None:
                raise ValueError("this process cannot resume a saved hash state")
            self._fallback = hashlib.sha256()

    @classmethod
    def resumable(cls) -> bool:
        return _LIBCRYPTO is not None

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if self._fallback is not None:
            self._fallback.update(data)
            return
        if isinstance(data, bytes):
            _LIBCRYPTO.SHA256_Update(self._ctx, data, len(data))
            return
        view = memoryview(data)
        if view.readonly:
            raw = bytes(view)
            _LIBCRYPTO.SHA256_Update(self._ctx, raw, len(raw))
            return
        buffer = (ctypes.c_char * view.nbytes).from_buffer(view)
        _LIBCRYPTO.SHA256_Update(self._ctx, buffer, view.nbytes)

    def state(self) -> bytes | None:
        return None if self._ctx is None else self._ctx.raw

    def digest(self) -> str:
        if self._fallback is not None:
            return "sha256:" + self._fallback.hexdigest()
        # Final() clears the context; finish a copy so state() stays usable.
        copy = ctypes.create_string_buffer(self._ctx.raw, _CTX_SIZE)
        out = ctypes.create_string_buffer(32)
        _LIBCRYPTO.SHA256_Final(out, copy)
        return "sha256:" + out.raw.hex()
