"""CSV tables: neighbour lists, and 2-D/3-D coordinates (written and read back)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.spaces.embedding_space import EmbeddingSpace
from engine.storage._common import (
    _FLOAT32_DIGITS,
    PathLike,
    _decode_utf8,
    _empty_file,
    _err,
    _read_bytes,
)
from engine.storage.atomic import _writing, atomic_writer


# ---- CSV -------------------------------------------------------------------------------
def export_neighbours_csv(rows: Iterable[tuple[str, int, str, float]], path: PathLike) -> Path:
    """Write ``query,rank,word,score`` rows (scores rounded to 6 decimals)."""
    path = Path(path)
    with _writing(path), atomic_writer(path, "w") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["query", "rank", "word", "score"])
        for query, rank, word, score in rows:
            writer.writerow([query, int(rank), word, repr(round(float(score), 6))])
    return path


def export_coordinates_csv(
    keys: Sequence[str],
    coords: np.ndarray,
    path: PathLike,
    extra_columns: dict[str, list[Any]] | None = None,
) -> Path:
    """Write ``word,x,y[,z]`` and then any ``extra_columns``, one row per key."""
    path = Path(path)
    coords = np.asarray(coords)
    extra = dict(extra_columns or {})
    if coords.ndim != 2 or coords.shape[1] not in (2, 3) or coords.shape[0] != len(keys):
        raise EngineError(
            f"Coordinates of shape {coords.shape} do not fit {len(keys)} keys.",
            "Pass one row of 2 or 3 numbers per key.",
        )
    if not np.isfinite(coords).all():
        bad = int(np.argwhere(~np.isfinite(coords))[0][0])
        raise EngineError(f"The coordinates of {keys[bad]!r} hold NaN or infinity.",
                          "Recompute the projection.")
    axes = ["x", "y", "z"][: coords.shape[1]]
    for name, values in extra.items():
        if name.lower() in {"word", *axes}:
            raise EngineError(f"Extra column {name!r} clashes with a coordinate column.",
                              "Rename the extra column.")
        if len(values) != len(keys):
            raise EngineError(f"Extra column {name!r} has {len(values)} values for "
                              f"{len(keys)} keys.", "Pass one value per key.")
    # float64 keeps repr's exact round trip; float32 needs 9 digits to come back unchanged.
    fmt: Callable[[float], str] = (
        repr if coords.dtype == np.float64 else (lambda v: _FLOAT32_DIGITS % v)
    )
    columns = list(extra.values())
    with _writing(path), atomic_writer(path, "w") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["word", *axes, *extra])
        for i, (key, row) in enumerate(zip(keys, coords.tolist(), strict=True)):
            writer.writerow([key, *map(fmt, row), *(c[i] for c in columns)])
    return path


def load_coordinates_csv(
    path: PathLike, space: EmbeddingSpace | None = None
) -> tuple[tuple[str, ...], np.ndarray]:
    """Read a ``word,x,y[,z]`` CSV (extra columns are ignored) as keys and an N x 2 or
    N x 3 float32 array. With ``space``, every word must be one of its keys."""
    path = Path(path)
    data = _read_bytes(path)
    text = _decode_utf8(path, data, "utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise _empty_file(path)
        names = [h.strip().lower() for h in header]
        if len(names) < 3 or names[0] not in ("word", "key") or names[1:3] != ["x", "y"]:
            raise _err(path, 1, f"expected a header row starting with word,x,y (and "
                       f"optionally z), found {','.join(header)[:80]!r}.",
                       "Export the coordinates again, or add the header row.")
        axes = 3 if len(names) > 3 and names[3] == "z" else 2
        keys: list[str] = []
        rows: list[list[float]] = []
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not cells:
                continue
            if len(cells) != len(header):
                raise _err(path, line, f"expected {len(header)} columns (as in the header), "
                           f"found {len(cells)}.", "Each row needs a value for every column.")
            word = cells[0]
            if not word:
                raise _err(path, line, "the word is empty.", "Every row must name a word.")
            if word in seen:
                raise _err(path, line, f"the word {word!r} already appeared on line "
                           f"{seen[word]}.", "Each word may appear only once.")
            if space is not None and word not in space:
                close = space.closest_spellings(word)
                hint = "The coordinates may belong to another space; load that one first."
                if close:
                    hint = "Did you mean: " + ", ".join(close) + "? " + hint
                raise _err(path, line, f"{word!r} is not a key of the current space.", hint)
            values = []
            for j in range(1, 1 + axes):
                try:
                    value = float(cells[j])
                except ValueError:
                    raise _err(path, line, f"{names[j]} = {cells[j][:40]!r} is not a number.",
                               "Coordinates must be plain decimal numbers.") from None
                if not math.isfinite(value):
                    raise _err(path, line, f"{names[j]} = {cells[j]} is not a finite number.",
                               "Recompute the projection.")
                values.append(value)
            seen[word] = line
            keys.append(word)
            rows.append(values)
    except csv.Error as e:
        raise _err(path, reader.line_num, f"not valid CSV ({e}).",
                   "Export the coordinates again.") from None
    if not keys:
        raise _err(path, 2, "no coordinates after the header row.",
                   "Export the coordinates again.")
    return tuple(keys), np.asarray(rows, dtype=np.float32)
