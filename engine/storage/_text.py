"""Text parsing shared by the interop readers, and number formatting for the writers."""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from engine import compressed
from engine.errors import EngineError
from engine.jobs import CancelToken, Progress, ProgressCallback
from engine.storage._common import (
    _CHUNK_ROWS,
    _FLOAT32_DIGITS,
    _REEXPORT_HINT,
    _err,
    _utf8_error,
)


def _text_lines(
    path: Path, f: BinaryIO, progress: ProgressCallback, cancel: CancelToken
) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without its line ending) for each non-blank line.

    Lines are decoded one at a time so a bad byte is reported with its line; a blank
    line is allowed only at the end of the file, where editors leave them.
    """
    size = max(os.fstat(f.fileno()).st_size, 1)
    offset = 0
    blank = 0
    for lineno, raw in enumerate(f, 1):
        if lineno % _CHUNK_ROWS == 0:
            cancel.raise_if_cancelled()
            progress(Progress(min(compressed.consumed(f) / size, 1.0), f"Reading {path.name}",
                              {"lines": lineno}))
        skip = 3 if lineno == 1 and raw.startswith(codecs.BOM_UTF8) else 0
        try:
            text = raw[skip:].decode("utf-8") if skip else raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _utf8_error(path, lineno, offset + skip + e.start) from None
        offset += len(raw)
        text = text.rstrip("\r\n")
        if not text.strip(" \t"):
            blank = blank or lineno
            continue
        if blank:
            raise _err(path, blank, "empty line in the middle of the file.",
                       "Delete the empty line.")
        yield lineno, text


def _overflow_checked_later() -> contextlib.AbstractContextManager[Any]:
    # Numbers beyond float32 become inf, which _MatrixBuilder reports with its line;
    # numpy's overflow warning would only repeat that without the line.
    return np.errstate(over="ignore")


class _MatrixBuilder:
    """Parses rows of number strings into float32 blocks, remembering lines for errors."""

    def __init__(self, path: Path, dim: int, first_column: int) -> None:
        self._path = path
        self._dim = dim
        self._first_column = first_column  # the 1-based column of the first number
        self._block = np.empty((_CHUNK_ROWS, dim), dtype=np.float32)
        self._lines: list[int] = []
        self._done: list[np.ndarray] = []

    def add(self, line: int, fields: list[str]) -> None:
        try:
            # numpy parses the strings itself: as fast as np.fromstring and, unlike it,
            # raises on a bad value instead of silently stopping.
            self._block[len(self._lines)] = fields
        except ValueError:
            raise self._bad_number(line, fields) from None
        self._lines.append(line)
        if len(self._lines) == _CHUNK_ROWS:
            self._flush()

    def _bad_number(self, line: int, fields: list[str]) -> EngineError:
        hint = "Values must be plain decimal numbers such as 0.25 or -1.5e-3."
        for j, value in enumerate(fields):
            try:
                float(value)
            except ValueError:
                return _err(self._path, line, f"{value[:40]!r} (column {j + self._first_column}) "
                            "is not a number.", hint)
        return _err(self._path, line, "the numbers on this line cannot be read.", hint)

    def _flush(self) -> None:
        n = len(self._lines)
        block = self._block[:n]
        finite = np.isfinite(block)
        if not finite.all():
            r, c = (int(x) for x in np.argwhere(~finite)[0])
            raise _err(
                self._path, self._lines[r], f"column {c + self._first_column} is {block[r, c]}, "
                "not a finite number (NaN, infinity, or too large for float32).",
                "Every value must be finite; NaN usually means training diverged. "
                "Retrain, or delete that line.",
            )
        self._done.append(block.copy())
        self._lines.clear()

    def finish(self) -> np.ndarray:
        self._flush()
        if not self._done:
            return np.empty((0, self._dim), dtype=np.float32)
        return self._done[0] if len(self._done) == 1 else np.concatenate(self._done)


def _parse_count_dim(
    path: Path, text: str, hint: str = "If the file has no header line, import it as 'glove'."
) -> tuple[int, int]:
    parts = text.split()
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise _err(
            path, 1, f"expected a header 'count dim' (two whole numbers), found {text[:60]!r}.",
            hint,
        )
    count, dim = int(parts[0]), int(parts[1])
    if dim < 1:
        raise _err(path, 1, "the header says the vectors have dimension 0.", _REEXPORT_HINT)
    return count, dim


def _float_rows(vectors: np.ndarray, sep: str) -> Iterator[list[str]]:
    """Blocks of formatted rows, so a large export never holds all its text at once."""
    fmt = sep.join([_FLOAT32_DIGITS] * vectors.shape[1])
    for start in range(0, vectors.shape[0], _CHUNK_ROWS):
        yield [fmt % tuple(row) for row in vectors[start:start + _CHUNK_ROWS].tolist()]
