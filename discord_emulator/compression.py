"""Gateway transport compression: one zlib or zstd stream per connection, flushed per message."""

from __future__ import annotations

import zlib
from typing import Protocol

ZLIB_SUFFIX = b"\x00\x00\xff\xff"


class Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...


class ZlibStream:
    """``zlib-stream``: a shared deflate context; every message ends with the Z_SYNC_FLUSH suffix."""

    def __init__(self) -> None:
        self._context = zlib.compressobj()

    def compress(self, data: bytes) -> bytes:
        return self._context.compress(data) + self._context.flush(zlib.Z_SYNC_FLUSH)


class ZstdStream:
    """``zstd-stream``: one zstd frame for the connection, a block flushed per message."""

    def __init__(self) -> None:
        import zstandard

        self._flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        self._context = zstandard.ZstdCompressor().compressobj()

    def compress(self, data: bytes) -> bytes:
        return self._context.compress(data) + self._context.flush(self._flush)


def compressor_for(name: str | None) -> Compressor | None:
    """The compressor for a ``compress`` query value; None for plain text frames."""
    if not name:
        return None
    if name == "zlib-stream":
        return ZlibStream()
    if name == "zstd-stream":
        return ZstdStream()
    raise ValueError(f"unsupported transport compression {name!r}")
