"""Placing new vectors in an existing 2-D or 3-D layout by their nearest keys.

A layout (PCA, UMAP, t-SNE) is computed once for a space's keys; projecting a new vector
with it is impossible for t-SNE and slow for UMAP. Instead a query is drawn where its
nearest keys are: the mean of their layout coordinates weighted by
``exp((cos - best cos) / TEMPERATURE)`` (keys with cos <= 0 weigh nothing), so a query
lands beside its nearest key, pulled toward the next ones only as far as they are nearly
as similar; one between two keys lands between them, nearer the more similar one. (A
flat weighting put a picture whose five nearest labels had cosines 0.50-0.44 at their
centroid, far from all of them in a PCA layout.) The image-label space uses it to draw
pictures (embedded by WSABIE into the labels' space) among their labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken
from engine.spaces import EmbeddingSpace

# Query rows per chunk are chosen so that one chunk's scores (rows x layout keys, float32)
# stay near 16 MB: 16 queries against 250k keys, 4,000 against 1,000.
_SCORES_PER_CHUNK = 4_000_000
# How far a less similar key still pulls: one 0.02 below the best weighs 0.37 of it, one
# 0.1 below 0.007.
TEMPERATURE = 0.02


@dataclass(frozen=True, eq=False)
class Placement:
    """Where each query lies in the layout (``coords``: M x dims float32), its ``k``
    nearest layout keys (best first) and their cosine similarities (M x k float32).
    ``k`` is at most the number of layout keys the space has."""

    coords: np.ndarray
    nearest: tuple[tuple[str, ...], ...]
    similarities: np.ndarray

    def __len__(self) -> int:
        return len(self.nearest)


def place(
    space: EmbeddingSpace,
    keys: Sequence[str],
    coords: np.ndarray,
    vectors: np.ndarray,
    k: int = 5,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Placement:
    """Place ``vectors`` (M x d, in ``space``'s d dimensions; one 1-D vector is one query)
    in the layout that draws ``keys`` at ``coords`` (N x 2 or N x 3, rows match keys).
    Layout keys the space lacks are skipped."""
    coords = np.asarray(coords, dtype=np.float32)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None]
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise EngineError(f"Layout coordinates must be N x 2 or N x 3, not of shape "
                          f"{coords.shape}.")
    if coords.shape[0] != len(keys):
        raise EngineError(f"The layout has {len(keys):,} keys but {coords.shape[0]:,} rows "
                          f"of coordinates.", "Pass one row of coordinates per key.")
    if vectors.ndim != 2 or vectors.shape[1] != space.dim:
        width = vectors.shape[1] if vectors.ndim == 2 else vectors.shape
        raise EngineError(f"The vectors to place have {width} dimensions but the space has "
                          f"{space.dim}.", "Embed them into the same space as its keys.")
    if not np.isfinite(vectors).all():
        raise EngineError("A vector to place contains NaN or infinity.")
    if k < 1:
        raise EngineError(f"k must be at least 1, not {k}.")

    index = space.key_to_index
    present = [i for i, key in enumerate(keys) if key in index]
    if not present:
        raise EngineError("None of the layout's keys are in the space.",
                          "Place vectors in a layout of the same space.")
    rows = np.fromiter((index[keys[i]] for i in present), dtype=np.int64, count=len(present))
    # A layout of the whole space in its own order (the common case) needs no copy of
    # the space's unit vectors; any other selection is gathered once.
    if len(rows) == len(space) and np.array_equal(rows, np.arange(len(space))):
        unit_keys = space.unit_vectors
    else:
        unit_keys = space.unit_vectors[rows]
    layout = coords[present].astype(np.float64)
    names = np.array([keys[i] for i in present], dtype=object)
    n_keys = len(rows)
    k = min(k, n_keys)

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors / np.maximum(norms, 1e-12)
    n_queries = len(queries)
    placed = np.empty((n_queries, coords.shape[1]), dtype=np.float32)
    similarities = np.empty((n_queries, k), dtype=np.float32)
    nearest_rows = np.empty((n_queries, k), dtype=np.int64)
    chunk = max(1, _SCORES_PER_CHUNK // n_keys)
    for start in range(0, n_queries, chunk):
        cancel.raise_if_cancelled()
        stop = min(n_queries, start + chunk)
        scores = queries[start:stop] @ unit_keys.T
        if k < n_keys:
            # The top k from the end: negating a 16 MB chunk first costs a third more.
            best = np.argpartition(scores, n_keys - k, axis=1)[:, n_keys - k:]
        else:
            best = np.broadcast_to(np.arange(n_keys), scores.shape)
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.argsort(-best_scores, axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)
        best_scores = np.take_along_axis(best_scores, order, axis=1)
        gap = (best_scores - best_scores[:, :1]).astype(np.float64)  # <= 0; best first
        weights = np.where(best_scores > 0, np.exp(gap / TEMPERATURE), 0.0)
        total = weights.sum(axis=1, keepdims=True)
        mean = (weights[:, :, None] * layout[best]).sum(axis=1) / np.maximum(total, 1e-300)
        # Nothing similar at all (every cosine <= 0): the nearest key is the best guess.
        unweighted = total[:, 0] == 0
        mean[unweighted] = layout[best[unweighted, 0]]
        placed[start:stop] = mean
        similarities[start:stop] = best_scores
        nearest_rows[start:stop] = best
    nearest = tuple(tuple(row) for row in names[nearest_rows].tolist())
    return Placement(placed, nearest, similarities)
