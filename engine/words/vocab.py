"""Vocabulary building and corpus encoding for skip-gram training.

The corpus becomes one flat int32 array of word ids with ``SENTENCE_BREAK`` (-1)
between sentences: the trainer then never touches Python objects per word, and
windows never cross a sentence boundary (as in word2vec and gensim).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken

SENTENCE_BREAK = -1


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Words sorted by descending count (ties alphabetical, so builds are reproducible)."""

    words: tuple[str, ...]
    counts: np.ndarray  # int64, aligned with words
    total_raw_tokens: int  # every token in the corpus, kept or not (the throughput unit)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update("\n".join(self.words).encode())
        h.update(self.counts.astype(np.int64).tobytes())
        return h.hexdigest()[:16]


def count_words(
    sentences: Iterable[list[str]], cancel: CancelToken = NEVER_CANCELLED
) -> tuple[Counter, int]:
    counter: Counter = Counter()
    total = 0
    for i, sentence in enumerate(sentences):
        counter.update(sentence)
        total += len(sentence)
        if i % 20000 == 0:
            cancel.raise_if_cancelled()
    return counter, total


def build_vocabulary(counter: Counter, total_raw_tokens: int, min_count: int) -> Vocabulary:
    items = [(w, c) for w, c in counter.items() if c >= min_count]
    if not items:
        raise EngineError(
            f"No word occurs at least {min_count} times in the corpus.",
            "Use a larger corpus or a smaller --min-count.",
        )
    items.sort(key=lambda wc: (-wc[1], wc[0]))
    words = tuple(w for w, _ in items)
    counts = np.array([c for _, c in items], dtype=np.int64)
    return Vocabulary(words, counts, int(total_raw_tokens))


def encode_corpus(
    sentences: Iterable[list[str]], vocab: Vocabulary, cancel: CancelToken = NEVER_CANCELLED
) -> np.ndarray:
    """Flat int32 ids with SENTENCE_BREAK after each sentence; out-of-vocabulary words are
    dropped (as word2vec does, so windows span the gap they leave)."""
    index = vocab.index
    get = index.get
    parts: list[np.ndarray] = []
    buf: list[int] = []
    for i, sentence in enumerate(sentences):
        ids = [j for j in map(get, sentence) if j is not None]
        if ids:
            buf.extend(ids)
            buf.append(SENTENCE_BREAK)
        if len(buf) > 1_000_000:
            parts.append(np.array(buf, dtype=np.int32))
            buf = []
            cancel.raise_if_cancelled()
        if i % 20000 == 0:
            cancel.raise_if_cancelled()
    if buf:
        parts.append(np.array(buf, dtype=np.int32))
    if not parts:
        raise EngineError("The corpus has no words in the vocabulary.", "Check the corpus file.")
    return np.concatenate(parts)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each occurrence of a word (Mikolov et al. 2013 subsampling,
    in the form word2vec.c and gensim use): (sqrt(f / t) + 1) * t / f, where f is the
    word's count and t = sample x total count. Rare words are always kept (prob capped at 1)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(len(counts))
    threshold = sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0)


def noise_table(counts: np.ndarray, size: int | None = None, power: float = 0.75) -> np.ndarray:
    """Negative-sampling table: word i fills a share of slots proportional to count_i^0.75
    (Mikolov et al. 2013), so a uniform slot draw is one noise-distribution draw.

    The default size gives a 60k-word vocabulary 4M slots (its rarest words still get
    several each) and a tiny one 64k. Built with one ``np.repeat``: a searchsorted over
    every slot held the GIL for ~100 ms, a visible stall in the GUI."""
    if size is None:
        size = min(1 << 22, max(1 << 16, 64 * len(counts)))
    weights = np.asarray(counts, dtype=np.float64) ** power
    bounds = np.rint(np.cumsum(weights) / weights.sum() * size).astype(np.int64)
    repeats = np.diff(bounds, prepend=0)
    return np.repeat(np.arange(len(weights), dtype=np.int32), repeats)
