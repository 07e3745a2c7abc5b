"""Reading ``.gz``, ``.bz2`` and ``.xz`` files as if they were plain.

Corpora and published vectors usually come compressed (``GoogleNews-vectors-negative300
.bin.gz``, ``wiki.en.vec.gz``, ``text8.xz``). The suffix decides: a file named ``*.gz``
is read through gzip, and so on; any other file is read as it is. Progress is measured
on the compressed bytes consumed, which is what the file's size on disk counts.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from engine.errors import EngineError

_BUFFER_BYTES = 1 << 20
_OPENERS = {".gz": gzip.GzipFile, ".bz2": bz2.BZ2File, ".xz": lzma.LZMAFile}

# What the decompressors raise on damaged or truncated input.
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (
    EOFError, OSError, lzma.LZMAError, zlib.error,
)


def compression_of(path: Path | str) -> str | None:
    """``".gz"``, ``".bz2"`` or ``".xz"`` when ``path`` names a compressed file."""
    suffix = Path(path).suffix.lower()
    return suffix if suffix in _OPENERS else None


def inner_suffix(path: Path | str) -> str:
    """The suffix that says what the file holds: ``.bin`` for ``vectors.bin.gz``."""
    path = Path(path)
    if compression_of(path):
        path = path.with_suffix("")
    return path.suffix.lower()


def open_binary(path: Path | str) -> BinaryIO:
    """``path`` opened for binary reading, decompressed on the fly when its suffix says
    so. The caller closes it (closing it closes the raw file too)."""
    path = Path(path)
    # A large buffer: few read() calls, so few GIL releases. A thread that releases and
    # re-takes the GIL for every 8 KiB read starves a GUI thread waiting for it (the
    # "convoy effect"): measured 70-110 ms stalls while a corpus was read.
    raw = open(path, "rb", buffering=_BUFFER_BYTES)  # noqa: SIM115 - handed to the caller
    kind = compression_of(path)
    if kind is None:
        return raw
    stream = _OPENERS[kind](fileobj=raw) if kind == ".gz" else _OPENERS[kind](raw)
    stream._raw_file = raw  # type: ignore[attr-defined]  # for consumed()
    original_close = stream.close

    def close() -> None:
        try:
            original_close()
        finally:
            raw.close()

    stream.close = close  # type: ignore[method-assign]
    return stream


def consumed(f: BinaryIO) -> int:
    """Bytes of the file on disk read so far (compressed bytes for a compressed file)."""
    return getattr(f, "_raw_file", f).tell()


def damaged(path: Path | str, where: str = "") -> EngineError:
    """The error for a compressed file that cannot be decompressed to the end."""
    kind = compression_of(path) or "compressed"
    return EngineError(
        f"{path}: the {kind.lstrip('.')} data is damaged or cut short{where}.",
        "Download or copy the file again, or decompress it yourself to see what is wrong.",
    )


@contextmanager
def reading(path: Path | str) -> Iterator[None]:
    """Turn a decompression failure inside the block into ``damaged(path)``; plain files
    pass through (their errors are the callers' to report)."""
    if compression_of(path) is None:
        yield
        return
    try:
        yield
    except EngineError:
        raise
    except DECOMPRESSION_ERRORS as e:
        raise damaged(path) from e
