"""Requests and results: the small frozen objects the GUI and CLI exchange with the engine.

A client builds a request on its own thread, the engine computes it elsewhere, and a
result comes back. Spaces are named by path; ``None`` means the default word space
shipped in ``resources/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.jobs import Progress
from engine.placement import Placement
from engine.spaces import EmbeddingSpace, Scored
from engine.spaces.named import NamedSpace

__all__ = [
    "Align", "AlignedLayout", "Analogy", "AnalogyAnswer", "BuildAtlas", "BuildAudioDataset",
    "BuildCorpus", "EvaluateAudioModels", "RankAudio", "RankTake", "SoundsLike",
    "TrainAudioModels",
    "BuildImageDataset", "BuildImageModels", "Cluster", "Clusters", "Compare", "Comparison",
    "EngineError",
    "Evaluate", "EvaluateImageModels", "ExportVectors", "ImportVectors", "LabelImages",
    "ListSpaces", "LoadAtlas", "LoadSpace", "NamedSpace", "Neighbourhood", "NeighbourhoodOf",
    "Neighbours", "NeighboursAnswer", "Place", "Placement", "PrepareImageEncoder",
    "PrepareTraining", "Progress", "Project",
    "Scored", "TrainImageModels", "TrainWords", "VectorOf",
]


# ---- requests -------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadSpace:
    path: Path | None = None
    format: str | None = None  # None: native folder or autodetected interop format


@dataclass(frozen=True)
class ListSpaces:
    """The named spaces (default, pretrained), whether each is installed and, if not, how
    to install it. The result is a tuple of ``NamedSpace``."""


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
    cached_only: bool = False  # fail fast unless a cached or shipped layout exists


@dataclass(frozen=True)
class Cluster:
    """Spherical k-means of the whole space into ``k`` clusters (engine/clustering.py)."""

    k: int = 20
    seed: int = 0
    space: Path | None = None


@dataclass(frozen=True)
class NeighbourhoodOf:
    """``words`` and each one's ``k`` nearest neighbours (cosine), e.g. to isolate them."""

    words: tuple[str, ...]
    k: int = 10
    space: Path | None = None


@dataclass(frozen=True)
class BuildCorpus:
    out: Path | None = None  # None: the default cache location


@dataclass(frozen=True)
class Align:
    """Orthogonal Procrustes from ``space`` to ``to`` on their shared words
    (engine/words/align.py); ``out``: also save the aligned space there. The result is an
    ``engine.words.align.Alignment``."""

    space: Path | None
    to: Path | None
    out: Path | None = None
    vocab_limit: int | None = 30_000
    test_words: int = 2_000
    seed: int = 0
    method: str = "orthogonal"  # or "linear" (least squares), for comparison


@dataclass(frozen=True)
class AlignedLayout:
    """``space`` aligned to ``other`` and both projected on the same axes (PCA of
    ``other``): the result is an ``engine.words.align.SharedLayout``."""

    space: Path | None
    other: Path | None
    dims: int = 2
    vocab_limit: int | None = 30_000
    seed: int = 0


@dataclass(frozen=True)
class Compare:
    """The same ``query`` (a ``Neighbours`` or ``Analogy``) in its own space and in
    ``other``; the result is a ``Comparison``."""

    query: Any
    other: Path | None


@dataclass(frozen=True)
class BuildImageDataset:
    """The default labelled picture set (engine/images/dataset.py), or with ``source`` a
    user's folder (one sub-folder per label) or CSV of path,label(s)
    (engine/images/user_sets.py); the result is a small report (path, counts per
    split, what was skipped)."""

    out: Path | None = None
    source: Path | None = None
    seed: int = 0
    zero_shot_share: float = 0.15  # of the labels, held out whole
    test_share: float = 0.2  # of the other labels' pictures


@dataclass(frozen=True)
class BuildAudioDataset:
    """The default spoken-word set (engine/audio/dataset.py): the vocabulary said by
    Debian's speech synthesisers, with held-out voices and words; a dict report."""

    out: Path | None = None
    n_heard: int = 2000
    n_held_out: int = 500
    seed: int = 0
    espeak_per_word: int = 16
    # A user's own clips instead (a folder named by word or a CSV of path,word[,speaker];
    # engine/audio/clip_sets.py); ``out`` None: kept in the cache.
    source: Path | None = None


@dataclass(frozen=True)
class TrainAudioModels:
    """Train the acoustic model, then the letter model, on a spoken-word set's training
    split (engine/audio/training.py) and save them to ``out`` (None: the shipped models
    in resources/audio/default-models); progress carries losses and validation top-1.
    The result is a dict report (with the evaluation when ``evaluate``). ``dataset``: a
    spoken-word set, or a user's own clips (made into one in the cache first)."""

    dataset: Path | None = None
    out: Path | None = None
    epochs: int = 12
    letter_epochs: int = 30
    seed: int = 0
    evaluate: bool = True


@dataclass(frozen=True)
class EvaluateAudioModels:
    """Score audio models on a spoken-word set's held-out voices and words
    (engine/audio/evaluate.py); a dict report."""

    models: Path | None = None  # None: the shipped models
    dataset: Path | None = None
    # A user's own clips (a folder named by word or a CSV of path,word;
    # engine/audio/clip_sets.py) scored instead of the dataset's held-out part, ranked
    # by spelling among ``candidates`` (None: the models' own list) and the set's words.
    clips: Path | None = None
    candidates: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RankAudio:
    """Rank words for each sound file (engine/audio/ranking.py), by the classifier and by
    spelling among ``candidates`` (None: the models' own list); a tuple of
    ``TakeRanking`` in the order of ``paths`` (a bad file carries its ``error``)."""

    paths: tuple[Path, ...]
    k: int = 10
    candidates: tuple[str, ...] | None = None
    models: Path | None = None


@dataclass(frozen=True)
class RankTake:
    """Rank words for samples already in memory (a microphone take); one
    ``TakeRanking``, or an EngineError for silence and the like."""

    samples: Any  # float32 mono
    rate: int
    k: int = 10
    candidates: tuple[str, ...] | None = None
    models: Path | None = None


@dataclass(frozen=True)
class SoundsLike:
    """The candidates whose spelling sounds nearest ``word`` (letter space); a tuple of
    ``Scored``."""

    word: str
    k: int = 10
    candidates: tuple[str, ...] | None = None
    models: Path | None = None


@dataclass(frozen=True)
class EvaluateImageModels:
    """Train every image-label model on the picture set's training split and score them
    on held-out and zero-shot pictures (engine/images/evaluate.py); a dict report."""

    space: Path | None = None  # the word space of ConSE and DeViSE
    dataset: Path | None = None
    seed: int = 0


@dataclass(frozen=True)
class PrepareImageEncoder:
    """Import torch and load the image encoder's weights now (1-2 s, once), so that the
    first picture dropped is labelled at once. The result is the seconds it took."""


@dataclass(frozen=True)
class LabelImages:
    """Rank labels for each picture with each model (engine/images/labelling.py); the
    result is a tuple of ``PictureLabels`` in the order of ``paths``."""

    paths: tuple[Path, ...]
    models: tuple[str, ...] = ("all",)  # "all": every model available
    k: int = 10
    # A bundle saved by TrainImageModels (``out``); None: the shipped models.
    models_folder: Path | None = None


@dataclass(frozen=True)
class BuildImageModels:
    """Train the image-label models on the default picture set and save them
    (engine/images/shipped.py; ``out`` None: resources/, recorded in MANIFEST.json)."""

    out: Path | None = None


@dataclass(frozen=True)
class TrainImageModels:
    """Train some image-label models on the default picture set's training split (built
    and encoded first if need be) and score each on held-out pictures as it is done
    (engine/images/training.py); progress reports name the model and carry its losses. The
    result is ``train_image_models``' dict report. ``epochs``: WSABIE's passes (the
    classifier and DeViSE take 7.5 full-batch steps per epoch); ``restyled``: also train
    on the pictures' restyled copies (encoded once: about 9 minutes on 2 CPU cores);
    ``out``: save the classifier, WSABIE (WARP) and DeViSE there as a bundle
    ``shipped.load_models`` reads (never into resources/: that is ``BuildImageModels``)."""

    out: Path | None = None
    models: tuple[str, ...] = ("classifier", "wsabie_warp", "wsabie_hinge", "devise")
    epochs: int = 40
    space: Path | None = None  # the word space: DeViSE's targets, and which labels count
    restyled: bool = True
    seed: int = 0
    # The picture set: None for the default one; a dataset.json; or a user's folder (one
    # sub-folder per label) or CSV of path,label(s) (engine/images/user_sets.py).
    dataset: Path | None = None


@dataclass(frozen=True)
class BuildAtlas:
    """Draw the default picture set's thumbnails and embed them with the shipped WSABIE
    (engine/images/atlas.py; ``out`` None: resources/, recorded in MANIFEST.json); the
    result is a small report."""

    out: Path | None = None


@dataclass(frozen=True)
class PrepareTraining:
    """Import the trainer's modules and load its kernel now (seconds, once per process),
    so that a later ``TrainWords`` starts at once. The result is the seconds it took."""


@dataclass(frozen=True)
class TrainWords:
    corpus: Path | None  # None: the default corpus (built first if missing)
    out: Path
    settings: Any  # engine.words.trainer.SkipGramSettings
    resume: bool = True


@dataclass(frozen=True)
class ImportVectors:
    """Read a vectors file (``format=None`` guesses it). ``metadata``: a TF-projector
    metadata TSV that is not beside the vectors; ``limit``: keep the first N vectors;
    ``save_to``: also save the space there in the native format (and serve it under
    that path from then on). The result is the ``EmbeddingSpace``."""

    path: Path
    format: str | None = None
    metadata: Path | None = None
    limit: int | None = None
    save_to: Path | None = None


@dataclass(frozen=True)
class ExportVectors:
    path: Path
    format: str
    space: Path | None = None


@dataclass(frozen=True)
class LoadAtlas:
    """The shipped thumbnail atlas (engine/images/atlas.py), checked against the image
    models in ``models`` (None: the shipped bundle); the result is an ``Atlas``."""

    models: Path | None = None


@dataclass(frozen=True, eq=False)
class Place:
    """Draw ``vectors`` (M x d, in the space's d dimensions, e.g. pictures embedded by
    WSABIE) in a layout that shows ``keys`` at ``coords`` (N x 2 or N x 3), each at the
    similarity-weighted mean of its ``k`` nearest keys (engine/placement.py); the result
    is a ``Placement``."""

    vectors: np.ndarray
    keys: tuple[str, ...]
    coords: np.ndarray
    space: Path | None = None
    k: int = 5


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
class Comparison:
    """``first`` and ``second``: the answers (``NeighboursAnswer`` or ``AnalogyAnswer``)
    in the query's space and in the other one, ``None`` where that space could not
    answer, with the reason in ``first_error`` / ``second_error`` (e.g. a word one space
    lacks). ``agreement``: the share of the top k the two answers have in common (``None``
    unless both answered)."""

    query: Any
    other: Path | None
    first: Any
    second: Any
    first_error: str = ""
    second_error: str = ""

    @property
    def common(self) -> frozenset[str]:
        if self.first is None or self.second is None:
            return frozenset()
        return (frozenset(s.word for s in self.first.items)
                & frozenset(s.word for s in self.second.items))

    @property
    def agreement(self) -> float | None:
        if self.first is None or self.second is None:
            return None
        k = max(len(self.first.items), len(self.second.items), 1)
        return len(self.common) / k


@dataclass(frozen=True)
class SpaceLoaded:
    path: Path | None
    space: EmbeddingSpace


@dataclass(frozen=True, eq=False)
class Clusters:
    """``labels[i]`` (0 = the largest cluster) for the space's ``i``-th key; ``sizes`` and
    ``top_words`` (names: typical frequent keys, see ``clustering.typical_words``) per
    cluster; ``inertia`` is the sum of ``1 - cos`` to the centroids; ``elapsed`` is 0 for
    an answer from the cache."""

    labels: Any  # np.ndarray of int32, one per key
    k: int
    seed: int
    inertia: float
    iterations: int
    sizes: tuple[int, ...]
    top_words: tuple[tuple[str, ...], ...]
    elapsed: float


@dataclass(frozen=True)
class Neighbourhood:
    words: tuple[str, ...]  # what was asked for
    k: int
    members: tuple[str, ...]  # ``words`` first, then their neighbours, no repeats
