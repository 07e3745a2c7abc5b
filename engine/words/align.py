"""Aligning one word space to another: orthogonal Procrustes on their shared words.

Mikolov, Le & Sutskever (2013) learned a linear map between two languages' spaces from a
dictionary; Smith et al. (2017) showed that an orthogonal map works better: it keeps
distances within the mapped space, so it can only rotate, not distort. Here the
"dictionary" is the words both spaces know (two spaces of one language), split with a
seed into a part the map is fitted on and a held-out part it is scored on: a held-out
word counts as found at k when its own vector in the target space is among the k
nearest to its mapped vector (precision@k, as in the bilingual-lexicon literature).

Vectors are normalised before fitting as Artetxe et al. (2018) do (unit length, centred,
unit length again), so frequent long vectors do not dominate the fit. With spaces of
different dimension the map is semi-orthogonal (its smaller side has orthonormal rows or
columns): a rotation followed by a projection, or an isometric embedding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.jobs import (
    NEVER_CANCELLED,
    CancelToken,
    Progress,
    ProgressCallback,
    no_progress,
    sub_progress,
)
from engine.spaces.embedding_space import EmbeddingSpace

MIN_TRAIN_WORDS = 20


def _unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (in ``x``'s own precision)."""
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Unit length, mean-centred, unit length again (float32)."""
    x = _unit(np.asarray(vectors, dtype=np.float64))
    x -= x.mean(axis=0, keepdims=True)
    return _unit(x).astype(np.float32)


def least_squares_map(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The unconstrained linear ``W`` minimising ``|| source @ W - target ||_F``
    (Mikolov, Le & Sutskever 2013), for comparison with the orthogonal one."""
    w, *_ = np.linalg.lstsq(source.astype(np.float64), target.astype(np.float64), rcond=None)
    return w.astype(np.float32)


METHODS = {"orthogonal": "orthogonal Procrustes (Smith et al. 2017)",
           "linear": "least-squares linear map (Mikolov, Le & Sutskever 2013)"}


def orthogonal_procrustes(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The ``W`` (source dim x target dim) with orthonormal rows or columns that
    minimises ``|| source @ W - target ||_F``: ``U V^T`` from the SVD of
    ``source^T target`` (Schönemann 1966)."""
    if source.shape[0] != target.shape[0]:
        raise EngineError(f"Procrustes needs paired rows: {source.shape[0]} source rows and "
                          f"{target.shape[0]} target rows.")
    u, _, vt = np.linalg.svd(source.astype(np.float64).T @ target.astype(np.float64),
                             full_matrices=False)
    return (u @ vt).astype(np.float32)


@dataclass(frozen=True)
class NeighbourhoodChange:
    """A shared word whose nearest shared neighbours differ between the two spaces."""

    word: str
    overlap: float  # |A's k ∩ B's k| / k
    cosine: float  # between its mapped vector and its vector in the target space
    in_space: tuple[str, ...]  # its k nearest shared words in the aligned space
    in_target: tuple[str, ...]  # and in the target space

    def to_json(self) -> dict:
        return {"word": self.word, "overlap": round(self.overlap, 4),
                "cosine": round(self.cosine, 4), "neighbours_in_space": list(self.in_space),
                "neighbours_in_target": list(self.in_target)}


@dataclass(frozen=True, eq=False)
class Alignment:
    """The fitted map and how well it retrieves held-out words."""

    space: EmbeddingSpace  # the source space's words, mapped into the target's frame
    matrix: np.ndarray  # source dim x target dim
    shared: int  # words both spaces know (within the vocabulary limit)
    train_words: int
    test_words: int
    precision_at_1: float
    precision_at_5: float
    identity_precision_at_1: float | None  # the unfitted baseline, same dimensions only
    search_size: int  # target words searched for each held-out word
    seed: int
    method: str  # a key of METHODS
    changed: tuple[NeighbourhoodChange, ...]  # the most changed words first
    mean_overlap: float  # of the compared words' neighbourhoods

    def summary(self) -> dict:
        return {"shared_words": self.shared, "train_words": self.train_words,
                "test_words": self.test_words, "seed": self.seed, "method": self.method,
                "precision_at_1": round(self.precision_at_1, 4),
                "precision_at_5": round(self.precision_at_5, 4),
                "identity_precision_at_1": (None if self.identity_precision_at_1 is None
                                            else round(self.identity_precision_at_1, 4)),
                "search_size": self.search_size,
                "source_dim": int(self.matrix.shape[0]),
                "target_dim": int(self.matrix.shape[1]),
                "mean_neighbourhood_overlap": round(self.mean_overlap, 4)}


def shared_words(a: EmbeddingSpace, b: EmbeddingSpace, vocab_limit: int | None) -> list[str]:
    """Words in both spaces' ``vocab_limit`` most frequent, in ``a``'s order."""
    a_keys = a.keys[:vocab_limit] if vocab_limit else a.keys
    b_known = set(b.keys[:vocab_limit] if vocab_limit else b.keys)
    return [w for w in a_keys if w in b_known]


def _precision(mapped: np.ndarray, target_rows: np.ndarray, target: np.ndarray,
               cancel: CancelToken, batch: int = 256) -> tuple[float, float]:
    """Fractions of ``mapped[i]`` whose 1 and 5 nearest rows of ``target`` (cosine)
    include ``target_rows[i]``."""
    hits1 = hits5 = 0
    q = mapped / np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12)
    k = min(5, len(target))
    for start in range(0, len(q), batch):
        cancel.raise_if_cancelled()
        sims = q[start:start + batch] @ target.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        rows = target_rows[start:start + batch, None]
        hits1 += int((top[:, :1] == rows).sum())
        hits5 += int((top == rows).any(axis=1).sum())
    n = max(len(target_rows), 1)
    return hits1 / n, hits5 / n


def align(
    source: EmbeddingSpace,
    target: EmbeddingSpace,
    *,
    vocab_limit: int | None = 30_000,
    test_words: int = 2_000,
    seed: int = 0,
    method: str = "orthogonal",
    compare_words: int = 5_000,
    k: int = 10,
    report: int = 25,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Alignment:
    """Fit ``source -> target`` on a seeded part of their shared words, score it on the
    rest (precision@1/@5 over the target's ``vocab_limit`` most frequent words), map the
    whole source space, and list the ``report`` shared words (of the ``compare_words``
    most frequent) whose ``k`` nearest shared neighbours overlap least across the two."""
    if method not in METHODS:
        raise EngineError(f"Unknown alignment method {method!r}.",
                          "Use " + " or ".join(repr(m) for m in METHODS) + ".")
    progress(Progress(0.0, "Finding the shared words"))
    shared = shared_words(source, target, vocab_limit)
    if len(shared) < MIN_TRAIN_WORDS + 1:
        raise EngineError(
            f"The two spaces share only {len(shared)} words"
            + (f" among their {vocab_limit:,} most frequent" if vocab_limit else "") + "; "
            f"aligning them needs at least {MIN_TRAIN_WORDS + 1}.",
            "Align spaces of the same language, or raise the vocabulary limit.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(shared))
    n_test = min(test_words, len(shared) // 5)
    test, train = order[:n_test], order[n_test:]

    src_rows = np.array([source.key_to_index[w] for w in shared], dtype=np.int64)
    tgt_rows = np.array([target.key_to_index[w] for w in shared], dtype=np.int64)
    progress(Progress(0.1, f"Normalising {len(source):,} + {len(target):,} vectors"))
    src = normalised(source.vectors)
    tgt = normalised(target.vectors)
    cancel.raise_if_cancelled()
    progress(Progress(0.2, f"Fitting the map on {len(train):,} shared words"))
    fit = orthogonal_procrustes if method == "orthogonal" else least_squares_map
    matrix = fit(src[src_rows[train]], tgt[tgt_rows[train]])

    search = min(len(target), vocab_limit) if vocab_limit else len(target)
    tgt_search = tgt[:search]
    test_rows = tgt_rows[test]
    progress(Progress(0.3, f"Scoring {n_test:,} held-out words"))
    p1, p5 = _precision(src[src_rows[test]] @ matrix, test_rows, tgt_search, cancel)
    identity = None
    if source.dim == target.dim:
        identity, _ = _precision(src[src_rows[test]], test_rows, tgt_search, cancel)

    progress(Progress(0.7, "Comparing neighbourhoods"))
    mapped = src @ matrix
    changed, mean_overlap = _changed_neighbourhoods(
        shared[:compare_words], mapped[src_rows[:compare_words]],
        tgt[tgt_rows[:compare_words]], k, report, cancel)
    info = {**source.info, "aligned_to": target.info.get("name") or target.info.get("title"),
            "alignment": {"method": METHODS[method],
                          "normalisation": "unit, centre, unit (Artetxe et al. 2018)"}}
    aligned = EmbeddingSpace(source.keys, mapped, source.metadata, source.kind, info)
    progress(Progress(1.0, f"Aligned: precision@1 {p1:.3f}"))
    return Alignment(aligned, matrix, len(shared), len(train), n_test, p1, p5, identity,
                     search, seed, method, changed, mean_overlap)


def _changed_neighbourhoods(words: list[str], a: np.ndarray, b: np.ndarray, k: int,
                            report: int, cancel: CancelToken
                            ) -> tuple[tuple[NeighbourhoodChange, ...], float]:
    """Each word's ``k`` nearest among ``words`` in each space; the least overlapping."""
    a, b = _unit(a), _unit(b)
    k = min(k, len(words) - 1)
    neighbours_a = np.empty((len(words), k), dtype=np.int64)
    neighbours_b = np.empty_like(neighbours_a)
    for start in range(0, len(words), 1024):
        cancel.raise_if_cancelled()
        stop = min(start + 1024, len(words))
        for out, x in ((neighbours_a, a), (neighbours_b, b)):
            sims = x[start:stop] @ x.T
            sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf
            top = np.argpartition(-sims, k, axis=1)[:, :k]
            order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
            out[start:stop] = np.take_along_axis(top, order, axis=1)
    overlaps = np.array([len(set(ra) & set(rb)) / k
                         for ra, rb in zip(neighbours_a.tolist(), neighbours_b.tolist(),
                                           strict=True)])
    cosines = np.einsum("ij,ij->i", a, b)
    # Least overlap first; among equal overlaps, the least similar vector first.
    worst = np.lexsort((cosines, overlaps))[:report]
    changed = tuple(NeighbourhoodChange(
        words[i], float(overlaps[i]), float(cosines[i]),
        tuple(words[j] for j in neighbours_a[i]), tuple(words[j] for j in neighbours_b[i]))
        for i in worst)
    return changed, float(overlaps.mean())


@dataclass(frozen=True, eq=False)
class SharedLayout:
    """Two spaces in one 2-D or 3-D picture: the source space mapped into the target's
    frame (``alignment``), both projected on the same PCA axes of the target, so that a
    word's two positions can be compared (``coords[i]`` for ``keys[i]`` of the source,
    ``other_coords[j]`` for ``other_keys[j]`` of the target)."""

    keys: tuple[str, ...]
    coords: np.ndarray
    other_keys: tuple[str, ...]
    other_coords: np.ndarray
    alignment: Alignment

    def counterparts(self) -> dict[str, np.ndarray]:
        """Each target word's position, by word."""
        return dict(zip(self.other_keys, self.other_coords, strict=True))


def shared_layout(
    source: EmbeddingSpace,
    target: EmbeddingSpace,
    dims: int = 2,
    *,
    vocab_limit: int | None = 30_000,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SharedLayout:
    """Align ``source`` to ``target`` (``align``), then project both on the target's
    first ``dims`` principal axes (of its normalised vectors; the same axes for both)."""
    if dims not in (2, 3):
        raise EngineError(f"A shared layout has 2 or 3 axes, not {dims}.")


    alignment = align(source, target, vocab_limit=vocab_limit, seed=seed,
                      progress=sub_progress(progress, 0.0, 0.8), cancel=cancel)
    cancel.raise_if_cancelled()
    progress(Progress(0.85, "Projecting both spaces on the same axes"))
    tgt = normalised(target.vectors).astype(np.float64)
    mean = tgt.mean(axis=0)
    tgt -= mean
    eigenvalues, eigenvectors = np.linalg.eigh(tgt.T @ tgt)
    axes = eigenvectors[:, np.argsort(eigenvalues)[::-1][:dims]]
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(dims)])
    signs[signs == 0] = 1.0
    axes = axes * signs
    other_coords = (tgt @ axes).astype(np.float32)
    coords = ((alignment.space.vectors.astype(np.float64) - mean) @ axes).astype(np.float32)
    progress(Progress(1.0, "Shared layout ready"))
    return SharedLayout(source.keys, coords, target.keys, other_coords, alignment)
