"""word2vec text, GloVe and fastText ``.vec``: one ``word v1 ... vD`` line per key,
with a ``count dim`` header line except in GloVe."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from engine import compressed
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.spaces.embedding_space import EmbeddingSpace
from engine.storage._common import (
    _REEXPORT_HINT,
    Format,
    PathLike,
    _check_export_keys,
    _check_limit,
    _empty_file,
    _err,
    _open_read,
)
from engine.storage._text import (
    _float_rows,
    _MatrixBuilder,
    _overflow_checked_later,
    _parse_count_dim,
    _text_lines,
)
from engine.storage.atomic import _writing, atomic_writer


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_word_line(
    path: Path, line: int, text: str, dim: int, note: str
) -> tuple[str, list[str]]:
    # Files from some tools separate with tabs or several spaces; words never hold tabs.
    if "\t" in text:
        text = text.replace("\t", " ")
    fields = text.rstrip(" ").split(" ")
    if "" in fields:
        fields = [x for x in fields if x]
    found = len(fields) - 1
    if found == dim:
        return fields[0], fields[1:]
    if found > dim > 0:
        head = fields[: len(fields) - dim]
        # Large GloVe releases hold words with spaces (". . ."): extra leading fields that
        # are not numbers belong to the word. If they are numbers, the row is too long.
        if not any(_is_number(x) for x in head[1:]):
            return " ".join(head), fields[len(fields) - dim:]
    raise _err(
        path, line, f"expected a word followed by {dim} numbers{note}, found {found} values "
        "after the word.",
        "Every line must hold a word and the same number of values.",
    )


def _read_word_text(
    path: PathLike,
    fmt: Format,
    header: bool,
    limit: int | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> EmbeddingSpace:
    path = Path(path)
    _check_limit(limit)
    with _open_read(path) as f, _overflow_checked_later(), compressed.reading(path):
        lines = _text_lines(path, f, progress, cancel)
        first = next(lines, None)
        if first is None:
            raise _empty_file(path)
        count: int | None = None
        note = ""
        if header:
            count, dim = _parse_count_dim(path, first[1])
            note = f" (the header on line {first[0]} says dim {dim})"
            body: Iterable[tuple[int, str]] = lines
        else:
            dim = _glove_dim(path, first)
            body = _chain_one(first, lines)
        words: list[str] = []
        seen: dict[str, int] = {}
        matrix = _MatrixBuilder(path, dim, first_column=2)
        for line, text in body:
            if limit is not None and len(words) >= limit:
                break
            if count is not None and len(words) == count:
                raise _err(
                    path, line, f"the header on line 1 announces {count} words, but the file "
                    "holds more.", "Fix the count in the header, or export the file again.",
                )
            word, values = _split_word_line(path, line, text, dim, note)
            if word in seen:
                raise _err(path, line, f"the word {word!r} already appeared on line "
                           f"{seen[word]}.", "Each word may appear only once; delete or rename "
                           "one of them.")
            seen[word] = line
            words.append(word)
            matrix.add(line, values)
        if not words:
            raise _err(path, 1, "the file holds a header but no vectors.",
                       "Pick a file that holds vectors.")
        if count is not None and len(words) < count and (limit is None or len(words) < limit):
            raise _err(
                path, 1, f"the header announces {count} words, but the file holds only "
                f"{len(words)}.", _REEXPORT_HINT,
            )
        vectors = matrix.finish()
    progress(Progress(1.0, f"Read {len(words):,} vectors from {path.name}"))
    return EmbeddingSpace(tuple(words), vectors, {}, "words",
                          {"source": str(path), "source_format": fmt})


def _chain_one(first: tuple[int, str], rest: Iterator[tuple[int, str]]
               ) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _glove_dim(path: Path, first: tuple[int, str]) -> int:
    fields = [x for x in first[1].replace("\t", " ").split(" ") if x]
    if len(fields) < 2:
        raise _err(path, first[0], f"expected a word followed by numbers, found {first[1][:60]!r}.",
                   "Each line must hold a word and its vector, separated by spaces.")
    return len(fields) - 1


# ---- word2vec text / GloVe / fastText -----------------------------------------------------
def import_word2vec_text(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read word2vec text: a ``count dim`` header, then ``word v1 ... vD`` per line."""
    return _read_word_text(path, "word2vec-text", True, limit, progress, cancel)


def import_fasttext_vec(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read a fastText ``.vec`` file (word2vec text; fastText ends lines with a space)."""
    return _read_word_text(path, "fasttext-vec", True, limit, progress, cancel)


def import_glove(
    path: PathLike,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read GloVe text: ``word v1 ... vD`` per line, no header."""
    return _read_word_text(path, "glove", False, limit, progress, cancel)


_WORD_TEXT_HINT = ("Export as 'tf-projector' or 'native', which allow spaces in keys, "
                   "or rename those keys.")


def _write_word_text(space: EmbeddingSpace, path: PathLike, header: bool, end: str) -> Path:
    path = Path(path)
    _check_export_keys(space, " \t\n\r", "word2vec and GloVe text", _WORD_TEXT_HINT)
    with _writing(path), atomic_writer(path, "w") as f:
        if header:
            f.write(f"{len(space)} {space.dim}\n")
        start = 0
        for rows in _float_rows(space.vectors, " "):
            keys = space.keys[start:start + len(rows)]
            f.write("".join(f"{k} {r}{end}" for k, r in zip(keys, rows, strict=True)))
            start += len(rows)
    return path


def export_word2vec_text(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write word2vec text (``count dim`` header, one ``word v1 ... vD`` line per key)."""
    return _write_word_text(space, path, header=True, end="\n")


def export_fasttext_vec(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write a fastText-style ``.vec`` file: word2vec text with a space ending each line."""
    return _write_word_text(space, path, header=True, end=" \n")


def export_glove(space: EmbeddingSpace, path: PathLike) -> Path:
    """Write GloVe text: one ``word v1 ... vD`` line per key, no header."""
    return _write_word_text(space, path, header=False, end="\n")
