"""``EmbeddingSpace``: keys, an N x D float32 matrix and metadata columns, with queries.

A space is an immutable snapshot. Training publishes a new space after each epoch
instead of mutating one, so queries on another thread never need a lock.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from engine.errors import EngineError
from engine.index import top_k

Metric = Literal["cosine", "euclidean"]
AnalogyMethod = Literal["add", "mul"]


@dataclass(frozen=True)
class Scored:
    """One ranked answer: a key and its score (higher is better)."""

    word: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"word": self.word, "score": round(float(self.score), 6)}


@dataclass(frozen=True, eq=False)
class EmbeddingSpace:
    """A frozen set of keyed vectors.

    ``keys`` are unique and, for word spaces, sorted by descending corpus frequency
    (so "the 30k most frequent words" is the prefix ``[:30000]``). ``metadata`` maps a
    column name to one value per key (e.g. ``count``). ``info`` holds provenance:
    corpus hash, training settings, metrics.
    """

    keys: tuple[str, ...]
    vectors: np.ndarray
    metadata: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    kind: str = "words"
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(self.keys):
            raise EngineError(
                f"A space needs one vector per key: got {len(self.keys)} keys and an array "
                f"of shape {vectors.shape}."
            )
        if not np.isfinite(vectors).all():
            bad = int(np.argwhere(~np.isfinite(vectors))[0][0])
            raise EngineError(f"The vector for {self.keys[bad]!r} contains NaN or infinity.")
        vectors.setflags(write=False)
        object.__setattr__(self, "vectors", vectors)
        object.__setattr__(self, "keys", tuple(self.keys))
        for name, column in self.metadata.items():
            if len(column) != len(self.keys):
                raise EngineError(
                    f"Metadata column {name!r} has {len(column)} values for {len(self.keys)} keys."
                )
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))
        if len(self.key_to_index) != len(self.keys):
            seen: set[str] = set()
            dup = next(k for k in self.keys if k in seen or seen.add(k))
            raise EngineError(f"The key {dup!r} appears more than once in the space.")

    # ---- shape -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @cached_property
    def key_to_index(self) -> dict[str, int]:
        return dict(zip(self.keys, range(len(self.keys)), strict=True))

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        unit = self.vectors / np.maximum(norms, 1e-12)
        unit.setflags(write=False)
        return unit

    @cached_property
    def squared_norms(self) -> np.ndarray:
        return np.einsum("ij,ij->i", self.vectors, self.vectors)

    # ---- lookups -----------------------------------------------------------------------
    def index_of(self, key: str) -> int:
        """The row of ``key``; an unknown key raises an error naming the closest spellings."""
        try:
            return self.key_to_index[key]
        except KeyError:
            pass
        lowered = key.lower()
        if lowered in self.key_to_index:
            return self.key_to_index[lowered]
        raise EngineError(f"{key!r} is not in this space's vocabulary ({len(self):,} words).",
                          self._suggestion(key))

    def _suggestion(self, key: str) -> str:
        close = self.closest_spellings(key)
        if close:
            return "Did you mean: " + ", ".join(close) + "?"
        return "Check the spelling, or train on a corpus that contains it."

    def closest_spellings(self, key: str, n: int = 5) -> list[str]:
        """Known keys spelled most like ``key`` (difflib ratio), frequent words first."""
        key = key.lower()
        # difflib over 60k words takes ~1 s; words of similar length are the only candidates
        # that can reach the 0.6 cut-off, so prefilter on length.
        candidates = [k for k in self.keys[:100_000] if abs(len(k) - len(key)) <= 2]
        return difflib.get_close_matches(key, candidates, n=n, cutoff=0.6)

    def vector(self, key: str) -> np.ndarray:
        return self.vectors[self.index_of(key)]

    def restricted(self, n: int) -> EmbeddingSpace:
        """The first ``n`` keys (the most frequent, for word spaces) as a new space."""
        n = min(n, len(self))
        meta = {name: list(col)[:n] for name, col in self.metadata.items()}
        return EmbeddingSpace(self.keys[:n], self.vectors[:n], meta, self.kind, self.info)

    def with_info(self, **info: Any) -> EmbeddingSpace:
        merged = {**self.info, **info}
        return EmbeddingSpace(self.keys, self.vectors, self.metadata, self.kind, merged)

    # ---- queries -----------------------------------------------------------------------
    def neighbours_of_vector(
        self,
        query: np.ndarray,
        k: int = 10,
        metric: Metric = "cosine",
        exclude: Sequence[int] = (),
        limit: int | None = None,
    ) -> list[Scored]:
        """The ``k`` keys nearest to ``query``; cosine similarity, or negative Euclidean
        distance, so a higher score is always nearer."""
        query = np.asarray(query, dtype=np.float32)
        if metric == "cosine":
            q = query / max(float(np.linalg.norm(query)), 1e-12)
            unit = self.unit_vectors

            def scores(a: int, b: int) -> np.ndarray:
                return unit[a:b] @ q
        elif metric == "euclidean":
            qq = float(query @ query)
            sq = self.squared_norms

            def scores(a: int, b: int) -> np.ndarray:
                d2 = sq[a:b] - 2.0 * (self.vectors[a:b] @ query) + qq
                return -np.sqrt(np.maximum(d2, 0.0))
        else:
            raise EngineError(f"Unknown metric {metric!r}.", "Use 'cosine' or 'euclidean'.")
        ids, vals = top_k(scores, len(self), k, np.asarray(exclude, dtype=np.int64), limit)
        return [Scored(self.keys[i], float(v)) for i, v in zip(ids, vals, strict=True)]

    def neighbours(
        self, key: str, k: int = 10, metric: Metric = "cosine", limit: int | None = None
    ) -> list[Scored]:
        """The ``k`` nearest keys to ``key``, excluding ``key`` itself."""
        i = self.index_of(key)
        return self.neighbours_of_vector(self.vectors[i], k, metric, exclude=[i], limit=limit)

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        k: int = 5,
        method: AnalogyMethod = "add",
        limit: int | None = None,
    ) -> list[Scored]:
        """``a - b + c``: rome italy germany asks "what is to germany as rome is to italy".

        ``add`` is 3CosAdd (Mikolov et al. 2013): argmax cos(x, a - b + c) on unit vectors.
        ``mul`` is 3CosMul (Levy & Goldberg 2014): argmax cos'(x,a) cos'(x,c) / (cos'(x,b)
        + eps) with cos' = (cos + 1) / 2, which keeps one large term from dominating.
        The three query words are never returned.
        """
        ia, ib, ic = (self.index_of(w) for w in (a, b, c))
        unit = self.unit_vectors
        exclude = np.array([ia, ib, ic], dtype=np.int64)
        if method == "add":
            target = unit[ia] - unit[ib] + unit[ic]
            target /= max(float(np.linalg.norm(target)), 1e-12)

            def scores(s: int, e: int) -> np.ndarray:
                return unit[s:e] @ target
        elif method == "mul":
            abc = unit[[ia, ib, ic]].T

            def scores(s: int, e: int) -> np.ndarray:
                cos = (unit[s:e] @ abc + 1.0) * 0.5
                return cos[:, 0] * cos[:, 2] / (cos[:, 1] + 1e-3)
        else:
            raise EngineError(f"Unknown analogy method {method!r}.", "Use 'add' or 'mul'.")
        ids, vals = top_k(scores, len(self), k, exclude, limit)
        return [Scored(self.keys[i], float(v)) for i, v in zip(ids, vals, strict=True)]
