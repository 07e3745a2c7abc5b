"""The TensorFlow Embedding Projector's TSV pair: ``vectors.tsv`` (tab-separated numbers)
and ``metadata.tsv`` (the words, and any metadata columns)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import numpy as np

from engine import compressed
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.spaces.embedding_space import EmbeddingSpace
from engine.storage._common import (
    PathLike,
    _check_export_keys,
    _check_limit,
    _decode_utf8,
    _empty_file,
    _err,
    _open_read,
    _read_bytes,
)
from engine.storage._text import (
    _float_rows,
    _MatrixBuilder,
    _overflow_checked_later,
    _text_lines,
)
from engine.storage.atomic import _writing, atomic_writer

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


# ---- TensorFlow Embedding Projector -----------------------------------------------------
def _metadata_name(vectors_path: Path) -> Path:
    stem = vectors_path.stem
    if "vectors" in stem:
        return vectors_path.with_name(stem.replace("vectors", "metadata") + vectors_path.suffix)
    return vectors_path.with_name(f"{stem}_metadata{vectors_path.suffix}")


def _projector_import_paths(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        path = path / "vectors.tsv"
    elif "metadata" in path.stem:
        # Picking either file of the pair should work, so look for the vectors beside it.
        vectors = path.with_name(path.stem.replace("metadata", "vectors") + path.suffix)
        if vectors.is_file():
            return vectors, path
    candidates = list(dict.fromkeys([
        _metadata_name(path),
        path.with_name(f"{path.stem}_metadata.tsv"),
        path.with_name("metadata.tsv"),
    ]))
    for candidate in candidates:
        if candidate != path and candidate.is_file():
            return path, candidate
    if not path.is_file():
        _open_read(path).close()  # raises the not-found error
    raise _err(
        path, None, "no metadata file beside it (looked for "
        + ", ".join(c.name for c in candidates) + ").",
        "Put the words, one per line in the order of the vectors, in metadata.tsv next to it.",
    )


def import_tf_projector(
    path: PathLike,
    *,
    metadata: PathLike | None = None,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read an Embedding Projector pair: ``vectors.tsv`` (tab-separated numbers) and its
    ``metadata.tsv`` (one word per line; with several columns, a header row first).

    ``path`` is the vectors file or a folder holding ``vectors.tsv``; the metadata is
    ``metadata``, else found beside it. Metadata columns of whole numbers come back as
    ints, of other numbers as floats, the rest as text.
    """
    if metadata is None:
        vectors_path, metadata_path = _projector_import_paths(Path(path))
    else:
        vectors_path, metadata_path = Path(path), Path(metadata)
        if vectors_path.is_dir():
            vectors_path = vectors_path / "vectors.tsv"
    _check_limit(limit)
    matrix: _MatrixBuilder | None = None
    n = 0
    truncated = False
    with _open_read(vectors_path) as f, _overflow_checked_later(), \
            compressed.reading(vectors_path):
        for line, text in _text_lines(vectors_path, f, progress, cancel):
            if limit is not None and n >= limit:
                truncated = True
                break
            fields = text.rstrip(" \t").split("\t")
            if matrix is None:
                dim, first_line = len(fields), line
                matrix = _MatrixBuilder(vectors_path, dim, first_column=1)
            if len(fields) != dim:
                raise _err(
                    vectors_path, line, f"expected {dim} tab-separated numbers (as on line "
                    f"{first_line}), found {len(fields)}.",
                    "Every line of vectors.tsv must hold the same number of values.",
                )
            matrix.add(line, fields)
            n += 1
    if matrix is None:
        raise _empty_file(vectors_path)
    vectors = matrix.finish()
    keys, metadata = _read_projector_metadata(metadata_path, vectors_path, n, truncated)
    progress(Progress(1.0, f"Read {n:,} vectors from {vectors_path.name}"))
    return EmbeddingSpace(tuple(keys), vectors, metadata, "words",
                          {"source": str(vectors_path), "source_format": "tf-projector"})


def _read_projector_metadata(
    path: Path, vectors_path: Path, n: int, truncated: bool
) -> tuple[list[str], dict[str, list[Any]]]:
    data = _read_bytes(path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    lines = _decode_utf8(path, data).split("\n")
    if lines[-1] == "":
        lines.pop()
    lines = [x.removesuffix("\r") for x in lines]
    if not lines:
        raise _empty_file(path)
    # The projector's own rule: a header row exactly when there is more than one column.
    header = lines[0].split("\t") if "\t" in lines[0] else None
    first = 2 if header else 1
    rows = lines[first - 1:]
    hint = (f"{path.name} needs one line per vector of {vectors_path.name}, in the same "
            "order (plus a header row when it has several columns).")
    if len(rows) < n:
        raise _err(path, first + len(rows), f"only {len(rows)} rows of words, but "
                   f"{vectors_path.name} holds {n} vectors.", hint)
    if len(rows) > n and not truncated:
        raise _err(path, first + n, f"more rows than the {n} vectors in {vectors_path.name}.",
                   hint)
    rows = rows[:n]
    if header is None:
        keys = rows
        cells_by_column: list[list[str]] = []
    else:
        names = header[1:]
        dup = next((c for c in names if names.count(c) > 1), None)
        if dup is not None:
            raise _err(path, 1, f"the column {dup!r} appears twice in the header.",
                       "Give every column its own name.")
        keys = []
        cells_by_column = [[] for _ in names]
        for i, row in enumerate(rows):
            cells = row.split("\t")
            if len(cells) != len(header):
                raise _err(path, first + i, f"expected {len(header)} tab-separated columns "
                           f"(as in the header), found {len(cells)}.", hint)
            keys.append(cells[0])
            for column, cell in zip(cells_by_column, cells[1:], strict=True):
                column.append(cell)
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise _err(path, first + i, f"the word {key!r} already appeared on line "
                       f"{seen[key]}.", "Each word may appear only once; rename or delete one.")
        seen[key] = first + i
    metadata = {} if header is None else {
        name: _typed_column(cells) for name, cells in zip(header[1:], cells_by_column,
                                                          strict=True)
    }
    return keys, metadata


def _typed_column(cells: list[str]) -> list[Any]:
    if cells and all(_INT_RE.fullmatch(c) for c in cells):
        return [int(c) for c in cells]
    if cells and all(_FLOAT_RE.fullmatch(c) for c in cells):
        return [float(c) for c in cells]
    return cells


def _tsv_cell(value: Any) -> str:
    # The projector has no escaping; a tab or line break would shift every later cell.
    text = repr(float(value)) if isinstance(value, float | np.floating) else str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def export_tf_projector(space: EmbeddingSpace, path: PathLike) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for projector.tensorflow.org.

    ``path`` is a folder (created if needed) or the vectors file's name ending in
    ``.tsv``; the metadata goes beside it (``vectors.tsv`` -> ``metadata.tsv``,
    ``x.tsv`` -> ``x_metadata.tsv``). The metadata holds the word and then the space's
    metadata columns, with a header row when there is more than one column. Tabs and
    line breaks inside metadata values become spaces. Returns (vectors, metadata) paths.
    """
    path = Path(path)
    _check_export_keys(space, "\t\n\r", "the Embedding Projector's TSV",
                       "Rename keys that hold tabs or line breaks, or leave them empty.")
    if path.suffix.lower() == ".tsv":
        vectors_path, metadata_path = path, _metadata_name(path)
    else:
        vectors_path, metadata_path = path / "vectors.tsv", path / "metadata.tsv"
    names = list(space.metadata)
    with _writing(vectors_path.parent):
        vectors_path.parent.mkdir(parents=True, exist_ok=True)
    with _writing(metadata_path), atomic_writer(metadata_path, "w") as f:
        if names:
            f.write("\t".join(["word", *(_tsv_cell(n) for n in names)]) + "\n")
            columns = [space.metadata[n] for n in names]
            for i, key in enumerate(space.keys):
                f.write("\t".join([key, *(_tsv_cell(c[i]) for c in columns)]) + "\n")
        else:
            f.write("".join(f"{k}\n" for k in space.keys))
    with _writing(vectors_path), atomic_writer(vectors_path, "w") as f:
        for rows in _float_rows(space.vectors, "\t"):
            f.write("\n".join(rows) + "\n")
    return vectors_path, metadata_path
