"""Spherical k-means of a space's vectors, and the neighbourhood of a set of keys.

Word vectors are compared by cosine, so the clustering is spherical k-means (Dhillon &
Modha 2001): points and centroids are unit vectors, each point joins the centroid of
highest cosine, and a centroid is the normalised sum of its members. One iteration is
one N x D by D x k product (about 20 ms for 60k x 100 words and k = 20 on two cores),
so plain numpy is enough and the job checks its cancel token between iterations.

Seeding is k-means++ (Arthur & Vassilvitskii 2007) with the cosine distance 1 - cos;
with the same seed the same space always gets the same clusters. Clusters are numbered
by size, largest first, so "cluster 1" means the same thing from run to run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

if TYPE_CHECKING:
    from engine.spaces.embedding_space import EmbeddingSpace

MAX_ITERATIONS = 100
# Stop once an iteration moves fewer than this fraction of the points: the last 0.1 %
# of a word space takes as many iterations again as the rest (measured: 100 iterations
# still moved ~20 of 57,812 words at k = 20) and changes no colour anyone can see.
CONVERGED_FRACTION = 1e-3
# Rows per block of the similarity products: bounds memory for a very large space.
_BLOCK_ROWS = 65_536
TOP_WORDS_PER_CLUSTER = 3


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """``labels[i]`` is the cluster (0 = the largest) of row ``i``; ``centroids`` are unit
    vectors, ``inertia`` is the sum over points of ``1 - cos(point, its centroid)``."""

    labels: np.ndarray
    centroids: np.ndarray
    inertia: float
    iterations: int
    elapsed: float


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _best_centroid(unit: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest centroid and its cosine, in blocks of ``_BLOCK_ROWS``."""
    labels = np.empty(len(unit), dtype=np.int32)
    best = np.empty(len(unit), dtype=np.float32)
    for start in range(0, len(unit), _BLOCK_ROWS):
        sims = unit[start:start + _BLOCK_ROWS] @ centroids.T
        labels[start:start + len(sims)] = np.argmax(sims, axis=1)
        best[start:start + len(sims)] = sims[np.arange(len(sims)), labels[start:start + len(sims)]]
    return labels, best


def _kmeans_plus_plus(unit: np.ndarray, k: int, rng: np.random.Generator,
                      cancel: CancelToken) -> np.ndarray:
    n = len(unit)
    chosen = [int(rng.integers(n))]
    # Distance of every point to its nearest chosen centre, updated as centres are added.
    distance = np.maximum(1.0 - unit @ unit[chosen[0]], 0.0)
    for _ in range(1, k):
        cancel.raise_if_cancelled()
        total = float(distance.sum())
        if total <= 0.0:  # fewer distinct directions than k: any unused row will do
            unused = np.setdiff1d(np.arange(n), chosen)
            nxt = int(rng.choice(unused))
        else:
            nxt = int(rng.choice(n, p=distance / total))
        chosen.append(nxt)
        distance = np.minimum(distance, np.maximum(1.0 - unit @ unit[nxt], 0.0))
    return unit[chosen].copy()


def spherical_kmeans(
    vectors: np.ndarray,
    k: int,
    seed: int = 0,
    max_iterations: int = MAX_ITERATIONS,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> KMeansResult:
    """Cluster the rows of ``vectors`` by direction into ``k`` groups (see module doc)."""
    started = time.perf_counter()
    n = len(vectors)
    if not 1 <= k <= n:
        raise EngineError(f"Cannot make {k:,} clusters of {n:,} vectors.",
                          f"Choose a number of clusters between 1 and {n:,}.")
    unit = _unit_rows(vectors)
    rng = np.random.default_rng(seed)
    progress(Progress(0.0, f"k-means: seeding {k} clusters"))
    centroids = _kmeans_plus_plus(unit, k, rng, cancel)
    labels = np.full(n, -1, dtype=np.int32)
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        cancel.raise_if_cancelled()
        new_labels, best = _best_centroid(unit, centroids)
        moved = int(np.count_nonzero(new_labels != labels))
        labels = new_labels
        # Per-cluster sums as a sparse one-hot product: np.add.at over 60k rows is ~10x
        # slower than the whole assignment step.
        one_hot = sparse.csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))),
                                    shape=(k, n))
        sums = np.asarray(one_hot @ unit, dtype=np.float32)
        sizes = np.bincount(labels, minlength=k)
        empty = np.flatnonzero(sizes == 0)
        if len(empty):
            # An empty cluster restarts at the points worst served by their centroid.
            worst = np.argsort(best)[:len(empty)]
            sums[empty] = unit[worst]
        centroids = _unit_rows(sums)
        progress(Progress(min(iterations / max_iterations, 0.99),
                          f"k-means: iteration {iterations}, {moved:,} points moved",
                          {"iteration": iterations, "moved": moved}))
        if moved <= CONVERGED_FRACTION * n and not len(empty):
            break
    cancel.raise_if_cancelled()
    labels, best = _best_centroid(unit, centroids)
    # Number clusters by size, largest first (ties by old number, so it stays stable).
    sizes = np.bincount(labels, minlength=k)
    order = np.argsort(-sizes, kind="stable")
    renumber = np.empty(k, dtype=np.int32)
    renumber[order] = np.arange(k, dtype=np.int32)
    labels = renumber[labels]
    centroids = centroids[order]
    inertia = float(np.sum(1.0 - best, dtype=np.float64))
    progress(Progress(1.0, f"k-means: {k} clusters after {iterations} iterations"))
    return KMeansResult(labels, centroids, inertia, iterations, time.perf_counter() - started)


def top_words(keys: tuple[str, ...], labels: np.ndarray, k: int,
              per_cluster: int = TOP_WORDS_PER_CLUSTER) -> tuple[tuple[str, ...], ...]:
    """The first ``per_cluster`` keys of each cluster in key order: the most frequent
    words for a word space, which name a cluster better than any statistic."""
    found: list[list[str]] = [[] for _ in range(k)]
    missing = k
    for key, label in zip(keys, labels.tolist(), strict=True):
        bucket = found[label]
        if len(bucket) < per_cluster:
            bucket.append(key)
            if len(bucket) == per_cluster:
                missing -= 1
                if missing == 0:
                    break
    return tuple(tuple(words) for words in found)


# A cluster is named from its TYPICAL_AMONG most frequent members (words a reader knows),
# taking those nearest the cluster's mean direction. The most frequent members alone
# name clusters by whichever function words fell into them ("the, of, and", "a, an,
# one"); measured on the default space, the typical ones read "perennial, shrub,
# evergreen", "disease, tissue, fever", "who, someone, person".
TYPICAL_AMONG = 50


def typical_words(keys: tuple[str, ...], unit_vectors: np.ndarray, labels: np.ndarray,
                  k: int, per_cluster: int = TOP_WORDS_PER_CLUSTER,
                  among: int = TYPICAL_AMONG) -> tuple[tuple[str, ...], ...]:
    """Per cluster, ``per_cluster`` of its ``among`` first keys (the most frequent, for a
    word space), those with the highest cosine to the cluster's mean direction, best
    first."""
    names: list[tuple[str, ...]] = []
    for cluster in range(k):
        members = np.flatnonzero(labels == cluster)
        if len(members) == 0:
            names.append(())
            continue
        centre = unit_vectors[members].sum(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        candidates = members[:among]
        order = np.argsort(-(unit_vectors[candidates] @ centre), kind="stable")
        names.append(tuple(keys[i] for i in candidates[order[:per_cluster]]))
    return tuple(names)


def neighbourhood(
    space: EmbeddingSpace,
    words: tuple[str, ...],
    k: int,
    cancel: CancelToken = NEVER_CANCELLED,
) -> tuple[str, ...]:
    """``words`` followed by each word's ``k`` nearest neighbours (cosine), without
    repeats. Queries go in blocks of 256 so a lasso over thousands of words stays one
    matrix product per block and the job can stop between blocks."""
    rows = [space.index_of(w) for w in words]
    members = dict.fromkeys(space.keys[r] for r in rows)
    if k <= 0 or not rows:
        return tuple(members)
    unit = space.unit_vectors
    take = min(k + 1, len(space))  # +1: each word is its own nearest neighbour
    for start in range(0, len(rows), 256):
        cancel.raise_if_cancelled()
        block = np.asarray(rows[start:start + 256])
        sims = unit[block] @ unit.T
        sims[np.arange(len(block)), block] = -np.inf
        best = np.argpartition(sims, -take, axis=1)[:, -take:]  # no negated 60 MB copy
        ranked = np.take_along_axis(sims, best, axis=1)
        order = np.argsort(-ranked, axis=1, kind="stable")
        for row in np.take_along_axis(best, order, axis=1)[:, :k]:
            members.update(dict.fromkeys(space.keys[i] for i in row.tolist()))
    return tuple(members)
