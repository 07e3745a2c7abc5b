"""word2vec binary: a ``count dim`` header line, then per word its UTF-8 bytes, a space
and D little-endian float32 values."""

from __future__ import annotations

import mmap
import os
from pathlib import Path

import numpy as np

from engine import compressed
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.spaces.embedding_space import EmbeddingSpace
from engine.storage._common import (
    _CHUNK_ROWS,
    _REEXPORT_HINT,
    PathLike,
    _check_export_keys,
    _check_limit,
    _empty_file,
    _err,
    _open_read,
    _read_bytes,
)
from engine.storage._text import _parse_count_dim
from engine.storage.atomic import _writing, atomic_writer
from engine.storage.word_text import _WORD_TEXT_HINT

# word2vec binary words are short; a "word" longer than this means the file is not
# word2vec binary or the header's dim is wrong.
_MAX_WORD_BYTES = 4096


# ---- word2vec binary -------------------------------------------------------------------
def import_word2vec_binary(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read word2vec binary: ``count dim\\n``, then per word ``word<space>`` + D float32.

    A newline after each vector (the C tool and gensim write one) is optional. Line
    numbers in errors count the header as line 1 and word ``i`` as line ``i + 1``.
    """
    path = Path(path)
    _check_limit(limit)
    if compressed.compression_of(path):
        # No mmap through a decompressor: the whole file is decompressed into memory.
        data = _read_bytes(path)
        if not data:
            raise _empty_file(path)
        words, vectors = _parse_word2vec_binary(path, data, len(data), limit, progress,
                                                cancel)
    else:
        with _open_read(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise _empty_file(path)
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                words, vectors = _parse_word2vec_binary(path, data, size, limit, progress,
                                                        cancel)
    progress(Progress(1.0, f"Read {len(words):,} vectors from {path.name}"))
    return EmbeddingSpace(tuple(words), vectors, {}, "words",
                          {"source": str(path), "source_format": "word2vec-binary"})


def _parse_word2vec_binary(
    path: Path,
    data: mmap.mmap | bytes,
    size: int,
    limit: int | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[list[str], np.ndarray]:
    end_of_header = data.find(b"\n", 0, 256)
    if end_of_header < 0:
        raise _err(path, 1, "no 'count dim' header line.", "Is this a word2vec binary file?")
    try:
        header = data[:end_of_header].decode("ascii")
    except UnicodeDecodeError:
        raise _err(path, 1, "the header is not 'count dim'.",
                   "Is this a word2vec binary file?") from None
    count, dim = _parse_count_dim(path, header, "Is this a word2vec binary file?")
    n = count if limit is None else min(count, limit)
    pos = end_of_header + 1
    record = 4 * dim
    # Each record takes at least a 1-byte word, a space and its floats; allocate no more
    # than the file can hold, so a header with a huge count cannot exhaust memory.
    vectors = np.empty((min(n, (size - pos) // (record + 2) + 1), dim), dtype=np.float32)
    words: list[str] = []
    seen: dict[str, int] = {}
    for i in range(n):
        line = i + 2
        if i % _CHUNK_ROWS == 0 and i:
            cancel.raise_if_cancelled()
            progress(Progress(pos / size, f"Reading {path.name}", {"words": i}))
        while pos < size and data[pos] in (0x0A, 0x0D):
            pos += 1
        if pos >= size:
            raise _err(path, line, f"the header announces {count} words, but the file ends "
                       f"after {i}.", _REEXPORT_HINT)
        space_at = data.find(b" ", pos, min(size, pos + _MAX_WORD_BYTES))
        if space_at < 0:
            raise _err(
                path, line, f"word {i + 1} (byte offset {pos}) has no space after it"
                + (" before the end of the file." if size - pos < _MAX_WORD_BYTES else "."),
                _REEXPORT_HINT + " If the file is intact, the header's dim may be wrong.",
            )
        raw = data[pos:space_at]
        if not raw or b"\n" in raw:
            raise _err(
                path, line, f"word {i + 1} (byte offset {pos}) is empty or holds a line break.",
                "The header's dim may be wrong, or the file is not word2vec binary.",
            )
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _err(
                path, line, f"word {i + 1} is not valid UTF-8 (byte offset {pos + e.start} in "
                "the file).", "Words must be UTF-8; export the file again as UTF-8.",
            ) from None
        start = space_at + 1
        if start + record > size:
            raise _err(
                path, line, f"the file ends inside the vector of word {i + 1} ({word!r}): "
                f"{start + record - size} bytes are missing (the header announces {count} "
                f"words of {dim} numbers).", _REEXPORT_HINT,
            )
        if word in seen:
            raise _err(path, line, f"the word {word!r} already appeared on line {seen[word]}.",
                       "Each word may appear only once; export the file again.")
        seen[word] = line
        words.append(word)
        vectors[i] = np.frombuffer(data[start:start + record], dtype="<f4")
        pos = start + record
    if n == count:
        tail = data[pos:pos + 64].strip(b" \t\r\n\0")
        if tail:
            raise _err(
                path, count + 2, f"the header on line 1 announces {count} words of {dim} "
                f"numbers, but more data follows at byte offset {pos}.",
                "The header's count or dim is wrong; export the file again.",
            )
    if n == 0:
        raise _err(path, 1, "the file holds a header but no vectors.",
                   "Pick a file that holds vectors.")
    vectors = vectors[:n]
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        r = int(np.argmin(finite))
        raise _err(path, r + 2, f"the vector of {words[r]!r} holds NaN or infinity.",
                   "Every value must be finite; retrain, or remove that word.")
    return words, vectors


def export_word2vec_binary(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write word2vec binary as the C tool and gensim do (a newline after each vector)."""
    path = Path(path)
    _check_export_keys(space, " \t\n\r", "word2vec binary", _WORD_TEXT_HINT)
    vectors = np.ascontiguousarray(space.vectors, dtype="<f4")
    with _writing(path), atomic_writer(path, "wb") as f:
        f.write(f"{len(space)} {space.dim}\n".encode("ascii"))
        for start in range(0, len(space), _CHUNK_ROWS):
            parts: list[bytes] = []
            stop = start + _CHUNK_ROWS
            for key, row in zip(space.keys[start:stop], vectors[start:stop], strict=True):
                parts += (key.encode("utf-8"), b" ", row.tobytes(), b"\n")
            f.write(b"".join(parts))
    return path
