"""How many GPU programs can the Triton kernel run at once before stale rows cost quality?

On a GPU, ``sgns_triton`` runs P programs at once, each walking its own stretch of the
corpus pair by pair. A program reads an output row (say "the"'s), and while it trains its
window the other programs add their updates to the same row. With all P programs resident
they move in near lock-step, so this simulates the worst case on the CPU: in each wave,
every program trains its next window reading the weights as of the wave's start, and all
updates land at its end. P = 1 is plain sequential SGD (the numba kernel's algorithm);
the numba trainer itself runs alongside as the anchor.

Runs on a 3M-token slice of the default corpus (its first 3M tokens, recounted), 5 epochs,
dim 100, window 8, evaluated like ``words eval`` on the input vectors.

    python -m bench.words_staleness --json [--programs 1 256 1024 4096] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numba
import numpy as np

from bench.words_sweep import recount
from engine.spaces import EmbeddingSpace
from engine.storage import atomic_write_text
from engine.words.corpus import default_corpus_path
from engine.words.evaluate import evaluate_space
from engine.words.trainer import (
    EncodedCorpus,
    SkipGramSettings,
    SkipGramTrainer,
    load_encoded_corpus,
)
from engine.words.vocab import SENTENCE_BREAK

RESULTS = Path(__file__).resolve().parent / "results"


@numba.njit(cache=True)
def lockstep_epoch(ids, lo, hi, negs, syn0, syn1, delta0, delta1, programs, alpha_start,
                   alpha_stop):  # pragma: no cover - numba
    """One epoch of P programs in lock-step waves (see the module docstring)."""
    n = ids.shape[0]
    k_neg = negs.shape[1]
    dim = syn0.shape[1]
    per = (n + programs - 1) // programs
    touched0 = np.empty(programs * 64, np.int64)
    touched1 = np.empty(programs * 64, np.int64)
    marked0 = np.zeros(syn0.shape[0], np.bool_)
    marked1 = np.zeros(syn0.shape[0], np.bool_)
    in_grad = np.zeros(dim, np.float32)
    out_grad = np.zeros((k_neg + 1, dim), np.float32)
    targets = np.empty(k_neg + 1, np.int64)
    for step in range(per):
        c0 = 0
        c1 = 0
        for p in range(programs):
            i = p * per + step
            if i >= n:
                continue
            alpha = alpha_start + (alpha_stop - alpha_start) * (i / n)
            targets[0] = ids[i]
            targets[1:] = negs[i]
            out_grad[:, :] = 0.0
            for j in range(lo[i], hi[i]):
                if j == i:
                    continue
                x = ids[j]
                in_grad[:] = 0.0
                for k in range(k_neg + 1):
                    t = targets[k]
                    if t < 0:
                        continue
                    f = 0.0
                    for d in range(dim):
                        f += syn0[x, d] * syn1[t, d]
                    f = min(10.0, max(-10.0, f))
                    g = ((1.0 if k == 0 else 0.0) - 1.0 / (1.0 + np.exp(-f))) * alpha
                    for d in range(dim):
                        in_grad[d] += g * syn1[t, d]
                        out_grad[k, d] += g * syn0[x, d]
                delta0[x] += in_grad
                if not marked0[x]:
                    marked0[x] = True
                    touched0[c0] = x
                    c0 += 1
            for k in range(k_neg + 1):
                t = targets[k]
                if t < 0:
                    continue
                delta1[t] += out_grad[k]
                if not marked1[t]:
                    marked1[t] = True
                    touched1[c1] = t
                    c1 += 1
        for q in range(c0):
            r = touched0[q]
            marked0[r] = False
            syn0[r] += delta0[r]
            delta0[r] = 0.0
        for q in range(c1):
            r = touched1[q]
            marked1[r] = False
            syn1[r] += delta1[r]
            delta1[r] = 0.0


def corpus_slice(n_tokens: int) -> EncodedCorpus:
    """The default corpus's first ``n_tokens`` ids, with the vocabulary recounted."""
    full = load_encoded_corpus(default_corpus_path(), 5)
    ids = full.ids[:n_tokens]
    vocab, new = recount(ids, np.array(full.vocab.words), int((ids >= 0).sum()))
    return EncodedCorpus(vocab, new, f"slice-{n_tokens}", "default corpus")


def train_lockstep(trainer: SkipGramTrainer, programs: int, seed: int) -> None:
    s = trainer.settings
    rng = np.random.default_rng(seed)
    ids_all = trainer.corpus.ids
    words = ids_all >= 0
    sentence = np.cumsum(ids_all == SENTENCE_BREAK)[words]
    tokens = ids_all[words].astype(np.int64)
    delta0, delta1 = np.zeros_like(trainer.syn0), np.zeros_like(trainer.syn1)
    for epoch in range(s.epochs):  # the same draws sgns_triton.prepare makes, in numpy
        keep = rng.random(tokens.shape) < trainer.keep_prob[tokens]
        ids, sent = tokens[keep], sentence[keep]
        reach = rng.integers(1, s.window + 1, ids.shape)
        position = np.arange(len(ids))
        lo = np.maximum(position - reach, np.searchsorted(sent, sent, "left"))
        hi = np.minimum(position + reach + 1, np.searchsorted(sent, sent, "right"))
        negs = trainer.table[rng.integers(0, len(trainer.table), (len(ids), s.negative))]
        negs = np.where(negs == ids[:, None], -1, negs.astype(np.int64))
        lockstep_epoch(ids, lo, hi, negs, trainer.syn0, trainer.syn1, delta0, delta1,
                       programs, trainer._alpha_at(epoch, 0.0), trainer._alpha_at(epoch, 1.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words_staleness",
                                     description=__doc__)
    parser.add_argument("--programs", type=int, nargs="+", default=[1, 256, 512, 1024, 2048,
                                                                     4096])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--numba-seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--tokens", type=int, default=3_000_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = corpus_slice(args.tokens)
    runs = []
    jobs = [("numba", 0, s) for s in args.numba_seeds]
    jobs += [("lockstep", p, s) for p in args.programs for s in args.seeds]
    for kind, programs, seed in jobs:
        settings = SkipGramSettings(dim=100, window=8, epochs=args.epochs, seed=seed, threads=2)
        trainer = SkipGramTrainer(corpus, settings)
        t0 = time.perf_counter()
        if kind == "numba":
            trainer.train()
        else:
            train_lockstep(trainer, programs, seed)
        run = {"trainer": kind, "programs": programs, "seed": seed,
               "seconds": round(time.perf_counter() - t0, 1)}
        if np.isfinite(trainer.syn0).all():
            space = EmbeddingSpace(corpus.vocab.words, trainer.syn0.copy())
            run.update({k: round(v, 4) for k, v in evaluate_space(space).summary().items()})
        else:
            run["diverged"] = True
        runs.append(run)
        print(json.dumps(run), flush=True)
    result = {"machine": f"{platform.machine()}, {numba.config.NUMBA_NUM_THREADS} CPU threads",
              "corpus_tokens": args.tokens, "epochs": args.epochs, "words": len(corpus.vocab),
              "command": "python -m bench.words_staleness --json", "runs": runs}
    if args.json:
        RESULTS.mkdir(exist_ok=True)
        atomic_write_text(RESULTS / "words-staleness-cpu.json", json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
