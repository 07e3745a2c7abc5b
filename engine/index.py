"""Exact top-k search by chunked matrix products.

Chunking bounds memory (a 60k x 100 space against 1,000 queries would otherwise
build a 60k x 1k score matrix at once) and keeps argpartition on cache-sized rows.
"""

from __future__ import annotations

import numpy as np

_CHUNK_ROWS = 16384


def top_k(
    scores_fn,
    n_items: int,
    k: int,
    exclude: np.ndarray | None = None,
    limit: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` item ids and scores (highest first) for one query.

    ``scores_fn(start, stop)`` returns the scores of items ``start:stop``;
    ``exclude`` lists item ids never returned; ``limit`` searches only the first
    ``limit`` items (vocabularies are sorted by frequency, so this restricts to
    the most frequent words).
    """
    n = n_items if limit is None else min(limit, n_items)
    best_ids: list[np.ndarray] = []
    best_scores: list[np.ndarray] = []
    excluded = set() if exclude is None else {int(i) for i in exclude}
    want = k + len(excluded)
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(n, start + _CHUNK_ROWS)
        s = np.asarray(scores_fn(start, stop), dtype=np.float32)
        if want < len(s):
            part = np.argpartition(-s, want)[:want]
        else:
            part = np.arange(len(s))
        best_ids.append(part + start)
        best_scores.append(s[part])
    if not best_ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    ids = np.concatenate(best_ids)
    scores = np.concatenate(best_scores)
    if excluded:
        keep = np.array([i not in excluded for i in ids], dtype=bool)
        ids, scores = ids[keep], scores[keep]
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order], scores[order]
