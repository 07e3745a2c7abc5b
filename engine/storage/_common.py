"""Helpers the storage modules share: path and format types, error messages that name
the file and line, reading (compressed files included) and checks on keys and limits."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np

from engine import compressed
from engine.errors import EngineError
from engine.spaces.embedding_space import EmbeddingSpace

PathLike = str | os.PathLike[str]
Format = Literal[
    "word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "tf-projector", "native"
]
FORMATS: tuple[Format, ...] = (
    "word2vec-text", "word2vec-binary", "glove", "fasttext-vec", "tf-projector", "native"
)

# Rows parsed per numpy block, and how often long reads poll for cancel and report
# progress: ~10 ms of work at the speeds measured on a 60k x 100 GloVe file.
_CHUNK_ROWS = 8192
# 9 significant digits are the fewest that always give back the same float32.
_FLOAT32_DIGITS = "%.9g"

_READ_HINT = "Check the path and that you may read the file."
_REEXPORT_HINT = "The file may be damaged or truncated: re-download it or export it again."


# ---- errors ----------------------------------------------------------------------------
def _err(path: Path, line: int | None, what: str, hint: str = "") -> EngineError:
    where = f"{path}, line {line}" if line is not None else str(path)
    return EngineError(f"{where}: {what}", hint)


def _utf8_error(path: Path, line: int, byte_offset: int) -> EngineError:
    return _err(
        path, line, f"not valid UTF-8 text (byte offset {byte_offset} in the file).",
        "Words must be UTF-8. Re-save the file as UTF-8, or export it again from the tool "
        "that made it.",
    )


def _decode_utf8(path: Path, data: bytes, encoding: str = "utf-8") -> str:
    """``data`` as text; bad UTF-8 is an error naming its line and byte offset."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise _utf8_error(path, data.count(b"\n", 0, e.start) + 1, e.start) from None


def _empty_file(path: Path) -> EngineError:
    return _err(path, 1, "the file is empty.", "Pick a file that holds vectors.")


def _open_read(path: Path) -> BinaryIO:
    """``path`` for binary reading; ``.gz``/``.bz2``/``.xz`` files come decompressed."""
    try:
        return compressed.open_binary(path)
    except FileNotFoundError:
        raise _err(path, None, "no such file.", _READ_HINT) from None
    except IsADirectoryError:
        raise _err(path, None, "is a folder, not a file.", "Pick the file itself.") from None
    except OSError as e:
        raise _err(path, None, f"cannot be read ({e.strerror or e}).", _READ_HINT) from None


def _read_bytes(path: Path) -> bytes:
    with _open_read(path) as f, compressed.reading(path):
        return f.read()


# ---- checks ----------------------------------------------------------------------------
def _check_keys(keys: Sequence[str], forbidden: str, where: str, hint: str) -> None:
    for i, key in enumerate(keys):
        if not isinstance(key, str):
            raise EngineError(f"Key number {i + 1} is {type(key).__name__}, not text.", hint)
        if any(c in key for c in forbidden):
            raise EngineError(
                f"The key {key!r} (number {i + 1}) contains "
                f"{_describe_chars(key, forbidden)}, which {where} cannot hold.",
                hint,
            )


def _describe_chars(text: str, forbidden: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return"}
    found = [names.get(c, repr(c)) for c in forbidden if c in text]
    return " and ".join(found) if found else "an empty word"


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool | np.bool_)


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not _is_bool(v)


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not _is_int(limit) or limit < 1):
        raise EngineError(f"limit must be a whole number >= 1, not {limit!r}.",
                          "Leave limit out to read every vector.")


def _check_export_keys(space: EmbeddingSpace, forbidden: str, where: str, hint: str) -> None:
    if "" in space.key_to_index:
        raise EngineError(f"The space has an empty key, which {where} cannot hold.", hint)
    _check_keys(space.keys, forbidden, where, hint)
