"""Every vectors format behind one entry point: guessing a file's format, importing and
exporting by format name."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

from engine import compressed
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from engine.spaces.embedding_space import EmbeddingSpace
from engine.storage._common import FORMATS, Format, PathLike, _check_limit, _open_read
from engine.storage.native import MANIFEST_FILE, load_space, save_space
from engine.storage.projector import export_tf_projector, import_tf_projector
from engine.storage.word2vec_binary import export_word2vec_binary, import_word2vec_binary
from engine.storage.word_text import (
    export_fasttext_vec,
    export_glove,
    export_word2vec_text,
    import_fasttext_vec,
    import_glove,
    import_word2vec_text,
)


# ---- dispatch --------------------------------------------------------------------------
def _looks_like_count_dim(line: bytes) -> bool:
    parts = line.removeprefix(codecs.BOM_UTF8).split()
    return len(parts) == 2 and all(p.isdigit() for p in parts)


def detect_format(path: PathLike) -> Format:
    """Guess a vectors file's format from its name and first 4 KiB.

    A folder with ``manifest.json`` is native and one with ``vectors.tsv`` a projector
    export; ``.bin``, or a ``count dim`` header followed by bytes that are not text, is
    word2vec binary; another ``count dim`` header is word2vec text (fastText for
    ``.vec``); ``.tsv`` is the projector's; anything else is read as GloVe.
    """
    path = Path(path)
    if path.is_dir():
        if (path / MANIFEST_FILE).is_file():
            return "native"
        if (path / "vectors.tsv").is_file():
            return "tf-projector"
        raise EngineError(
            f"{path} is a folder holding neither {MANIFEST_FILE} nor vectors.tsv.",
            "Pick a saved space folder, or the vectors file itself.",
        )
    suffix = compressed.inner_suffix(path)  # vectors.bin.gz holds word2vec binary
    if suffix == ".bin":
        return "word2vec-binary"
    if suffix == ".tsv":
        return "tf-projector"
    with _open_read(path) as f, compressed.reading(path):
        head = f.read(4096)
    first, _, rest = head.partition(b"\n")
    if _looks_like_count_dim(first):
        try:
            # An incremental decoder tolerates a character cut in half at the 4 KiB mark.
            codecs.getincrementaldecoder("utf-8")().decode(rest, final=False)
            is_text = b"\0" not in rest
        except UnicodeDecodeError:
            is_text = False
        if not is_text:
            return "word2vec-binary"
        return "fasttext-vec" if suffix == ".vec" else "word2vec-text"
    return "glove"


def _check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise EngineError(f"Unknown vectors format {fmt!r}.", "Use one of: " + ", ".join(FORMATS))
    return fmt  # type: ignore[return-value]


_IMPORTERS: dict[str, Callable[..., EmbeddingSpace]] = {
    "word2vec-text": import_word2vec_text,
    "word2vec-binary": import_word2vec_binary,
    "glove": import_glove,
    "fasttext-vec": import_fasttext_vec,
    "tf-projector": import_tf_projector,
}


def import_vectors(
    path: PathLike,
    format: Format | None = None,
    *,
    limit: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """Read vectors in any supported format (``format=None`` guesses, see detect_format).

    ``limit`` keeps the first ``limit`` vectors (files are usually sorted by frequency).
    Either a complete space comes back or an EngineError names the file and line.
    """
    fmt = detect_format(path) if format is None else _check_format(format)
    if fmt == "native":
        _check_limit(limit)
        space = load_space(path)
        return space if limit is None else space.restricted(limit)
    return _IMPORTERS[fmt](path, limit=limit, progress=progress, cancel=cancel)


def export_vectors(space: EmbeddingSpace, path: PathLike, format: Format) -> Path:
    """Write ``space`` in ``format``; returns the path written (the vectors file for
    ``tf-projector``, whose metadata goes beside it)."""
    fmt = _check_format(format)
    if fmt == "native":
        return save_space(space, path)
    if fmt == "tf-projector":
        return export_tf_projector(space, path)[0]
    writers: dict[str, Callable[[EmbeddingSpace, PathLike], Path]] = {
        "word2vec-text": export_word2vec_text,
        "word2vec-binary": export_word2vec_binary,
        "glove": export_glove,
        "fasttext-vec": export_fasttext_vec,
    }
    return writers[fmt](space, path)
