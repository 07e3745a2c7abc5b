"""Skip-gram with negative sampling on the CPU: a numba kernel run Hogwild on threads.

Why this is faster than a per-pair loop (gensim, word2vec.c): negatives are drawn once
per centre word and shared by every context word in its window (Ji et al. 2016,
"Parallelizing Word2Vec in Shared and Distributed Memory"). The K+1 output rows then
stay in L1 for the whole window, their updates are accumulated and written once, and
random draws drop by the window size. The kernel releases the GIL, so Python threads
run it in parallel on disjoint corpus chunks sharing the two weight matrices
(Hogwild, Recht et al. 2011: rare conflicting writes are harmless for sparse SGD).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_LCG_MUL = np.uint64(25214903917)
_LCG_ADD = np.uint64(11)


@numba.njit(nogil=True, fastmath=True, cache=True)
def train_chunk(
    corpus: np.ndarray,  # int32 ids, -1 = sentence break
    start: int,
    stop: int,
    syn0: np.ndarray,  # V x D input vectors (the word vectors)
    syn1: np.ndarray,  # V x D output vectors
    keep_threshold: np.ndarray,  # uint32: keep a token if a uniform uint32 draw < this
    table: np.ndarray,  # int32 noise table
    window: int,
    negative: int,
    alpha_start: float,
    alpha_stop: float,
    seed: np.uint64,
    loss_every: int,
    share_negatives: bool = True,
) -> tuple[float, int, int]:
    """Train on corpus[start:stop] (which begins right after a break). Returns (sum of
    sampled losses, number of sampled losses, number of kept tokens)."""
    dim = syn0.shape[1]
    table_size = np.uint64(table.shape[0])
    rnd = seed * _LCG_MUL + _LCG_ADD
    sentence = np.empty(stop - start + 1, dtype=np.int32)
    targets = np.empty(negative + 1, dtype=np.int32)
    labels = np.zeros(negative + 1, dtype=np.float32)
    labels[0] = 1.0
    out_grad = np.zeros((negative + 1, dim), dtype=np.float32)
    in_grad = np.zeros(dim, dtype=np.float32)
    loss_sum = 0.0
    loss_n = 0
    kept_total = 0
    span = max(stop - start, 1)
    alpha_step = (alpha_start - alpha_stop) / span
    pos = start
    while pos < stop:
        # gather one subsampled sentence
        n = 0
        while pos < stop and corpus[pos] >= 0:
            w = corpus[pos]
            rnd = rnd * _LCG_MUL + _LCG_ADD
            if (rnd >> np.uint64(32)) < keep_threshold[w]:
                sentence[n] = w
                n += 1
            pos += 1
        pos += 1  # skip the break
        kept_total += n
        alpha = np.float32(alpha_start - alpha_step * (pos - start))
        for i in range(n):
            centre = sentence[i]
            rnd = rnd * _LCG_MUL + _LCG_ADD
            reduced = int((rnd >> np.uint64(16)) % np.uint64(window))
            lo = max(0, i - window + reduced)
            hi = min(n, i + window + 1 - reduced)
            if hi - lo <= 1:
                continue
            targets[0] = centre
            out_grad[:, :] = 0.0
            track = loss_every > 0 and (i % loss_every) == 0
            first = True
            for j in range(lo, hi):
                if j == i:
                    continue
                if first or not share_negatives:
                    if not first:
                        # per-pair negatives (word2vec's scheme): flush the last pair's
                        # output updates before drawing new rows
                        for k in range(negative + 1):
                            t = targets[k]
                            if t >= 0:
                                for d in range(dim):
                                    syn1[t, d] += out_grad[k, d]
                        out_grad[:, :] = 0.0
                    for k in range(1, negative + 1):
                        rnd = rnd * _LCG_MUL + _LCG_ADD
                        t = table[(rnd >> np.uint64(16)) % table_size]
                        # a negative equal to the centre would push it away from itself
                        targets[k] = t if t != centre else -1
                    first = False
                ctx = sentence[j]
                in_grad[:] = 0.0
                for k in range(negative + 1):
                    t = targets[k]
                    if t < 0:
                        continue
                    f = np.float32(0.0)
                    for d in range(dim):
                        f += syn0[ctx, d] * syn1[t, d]
                    if f > 10.0:
                        f = np.float32(10.0)
                    elif f < -10.0:
                        f = np.float32(-10.0)
                    sig = np.float32(1.0) / (np.float32(1.0) + np.float32(math.exp(-f)))
                    g = (labels[k] - sig) * alpha
                    if track:
                        if k == 0:
                            loss_sum -= math.log(sig + 1e-7)
                        else:
                            loss_sum -= math.log(1.0 - sig + 1e-7)
                    for d in range(dim):
                        in_grad[d] += g * syn1[t, d]
                        out_grad[k, d] += g * syn0[ctx, d]
                if track:
                    loss_n += 1
                for d in range(dim):
                    syn0[ctx, d] += in_grad[d]
            for k in range(negative + 1):
                t = targets[k]
                if t < 0:
                    continue
                for d in range(dim):
                    syn1[t, d] += out_grad[k, d]
    return loss_sum, loss_n, kept_total


def chunk_bounds(corpus: np.ndarray, target_tokens: int) -> list[tuple[int, int]]:
    """Split the corpus into chunks of about ``target_tokens`` that end on sentence breaks."""
    breaks = np.flatnonzero(corpus < 0)
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < len(corpus):
        want = start + target_tokens
        k = np.searchsorted(breaks, want)
        stop = int(breaks[k]) + 1 if k < len(breaks) else len(corpus)
        bounds.append((start, stop))
        start = stop
    return bounds


def warm_up() -> None:
    """Load (or compile) the kernel now: the first call holds the GIL for ~0.1-2 s, which
    a GUI should pay at start-up on a background thread, not when the user presses Train."""
    corpus = np.array([0, 1, 0, 1, -1], dtype=np.int32)
    weights = np.zeros((2, 4), dtype=np.float32)
    train_chunk(corpus, 0, len(corpus), weights, weights.copy(),
                np.full(2, 2**32 - 1, dtype=np.uint32), np.array([0, 1], dtype=np.int32),
                2, 1, 0.025, 0.025, np.uint64(1), 0, True)
