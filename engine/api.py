"""Requests and results: the small frozen objects the GUI and CLI exchange with the engine.

A client builds a request on its own thread, the engine computes it elsewhere, and a
result comes back. Spaces are named by path; ``None`` means the default word space
shipped in ``resources/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.jobs import Progress
from engine.spaces import EmbeddingSpace, Scored

__all__ = [
    "Analogy", "AnalogyAnswer", "BuildCorpus", "EngineError", "Evaluate", "ExportVectors",
    "ImportVectors", "LoadSpace", "Neighbours", "NeighboursAnswer", "Progress", "Project",
    "Scored", "TrainWords", "VectorOf",
]


# ---- requests -------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadSpace:
    path: Path | None = None
    format: str | None = None  # None: native folder or autodetected interop format


@dataclass(frozen=True)
class Neighbours:
    word: str
    k: int = 10
    metric: str = "cosine"
    space: Path | None = None


@dataclass(frozen=True)
class Analogy:
    """``a - b + c``: Analogy("rome", "italy", "germany") asks for berlin."""

    a: str
    b: str
    c: str
    k: int = 5
    method: str = "add"
    space: Path | None = None


@dataclass(frozen=True)
class VectorOf:
    word: str
    space: Path | None = None


@dataclass(frozen=True)
class Evaluate:
    space: Path | None = None
    vocab_limit: int = 30_000


@dataclass(frozen=True)
class Project:
    method: str = "pca"
    dims: int = 2
    seed: int = 0
    limit: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    space: Path | None = None


@dataclass(frozen=True)
class BuildCorpus:
    out: Path | None = None  # None: the default cache location


@dataclass(frozen=True)
class TrainWords:
    corpus: Path | None  # None: the default corpus (built first if missing)
    out: Path
    settings: Any  # engine.words.trainer.SkipGramSettings
    resume: bool = True


@dataclass(frozen=True)
class ImportVectors:
    path: Path
    format: str | None = None


@dataclass(frozen=True)
class ExportVectors:
    path: Path
    format: str
    space: Path | None = None


# ---- results --------------------------------------------------------------------------
@dataclass(frozen=True)
class NeighboursAnswer:
    word: str
    items: tuple[Scored, ...]


@dataclass(frozen=True)
class AnalogyAnswer:
    a: str
    b: str
    c: str
    method: str
    items: tuple[Scored, ...]


@dataclass(frozen=True)
class SpaceLoaded:
    path: Path | None
    space: EmbeddingSpace
