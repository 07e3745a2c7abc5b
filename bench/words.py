"""Training throughput and quality: our skip-gram trainer against gensim's Word2Vec.

Both train on the same corpus with the same settings and threads, in one run.
Throughput is raw corpus tokens (every token of the corpus, before min-count and
subsampling) times epochs, divided by the wall time of the training call alone
(vocabulary building excluded for both, reported separately).

    python -m bench.words --json [--epochs 5] [--repeats 3] [--corpus PATH] [--device auto]

Both trainers are non-deterministic with 2 threads (Hogwild updates), so a single run's
analogy accuracy moves by about +-0.003: --repeats N alternates the two N times, with
seeds 1..N, and reports every run and the means.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from engine.spaces import EmbeddingSpace
from engine.storage import atomic_write_text
from engine.words.corpus import default_corpus_path
from engine.words.evaluate import evaluate_space
from engine.words.trainer import SkipGramSettings, SkipGramTrainer, load_encoded_corpus

RESULTS = Path(__file__).resolve().parent / "results"


def run_ours(corpus_path: Path, settings: SkipGramSettings) -> dict:
    t0 = time.perf_counter()
    corpus = load_encoded_corpus(corpus_path, settings.min_count)
    prep = time.perf_counter() - t0
    trainer = SkipGramTrainer(corpus, settings)
    # compile the numba kernel outside the timed region (cached on disk after the first run)
    if trainer.backend == "numba":
        warm = SkipGramTrainer(corpus, settings)
        from engine.words import sgns_numba

        sgns_numba.train_chunk(corpus.ids, 0, 1000, warm.syn0, warm.syn1,
                               np.ones(len(corpus.vocab), np.uint32), warm.table, 5, 5,
                               0.025, 0.025, np.uint64(1), 8)
    t0 = time.perf_counter()
    space = trainer.train()
    seconds = time.perf_counter() - t0
    raw = corpus.vocab.total_raw_tokens * settings.epochs
    return {
        "name": f"embedding-explorer ({trainer.backend} on {trainer.device})",
        "device": trainer.device,
        "train_seconds": round(seconds, 2),
        "prepare_seconds": round(prep, 2),
        "raw_tokens_per_second": round(raw / seconds),
        "vocabulary": len(corpus.vocab),
        "metrics": evaluate_space(space).to_json(),
    }


def run_gensim(corpus_path: Path, settings: SkipGramSettings) -> dict:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    sentences = LineSentence(str(corpus_path))
    model = Word2Vec(vector_size=settings.dim, window=settings.window, negative=settings.negative,
                     sg=1, hs=0, min_count=settings.min_count, sample=settings.sample,
                     alpha=settings.alpha, min_alpha=settings.min_alpha, seed=settings.seed,
                     workers=settings.threads, epochs=settings.epochs)
    t0 = time.perf_counter()
    model.build_vocab(sentences)
    prep = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=settings.epochs)
    seconds = time.perf_counter() - t0
    raw = model.corpus_total_words * settings.epochs
    kv = model.wv
    # gensim sorts its vocabulary by descending count too, so the 30k restriction matches
    space = EmbeddingSpace(tuple(kv.index_to_key), kv.vectors)
    import gensim

    return {
        "name": f"gensim {gensim.__version__} Word2Vec(sg=1), {settings.threads} workers",
        "device": "cpu",
        "train_seconds": round(seconds, 2),
        "prepare_seconds": round(prep, 2),
        "raw_tokens_per_second": round(raw / seconds),
        "vocabulary": len(kv),
        "metrics": evaluate_space(space).to_json(),
    }


def summarise(runs: list[dict]) -> dict:
    """The first run's fields, with throughput and headline metrics averaged over all runs
    (each run is kept under "runs")."""
    out = dict(runs[0])
    if len(runs) > 1:
        out["raw_tokens_per_second"] = round(float(np.mean(
            [r["raw_tokens_per_second"] for r in runs])))
        out["train_seconds"] = round(float(np.mean([r["train_seconds"] for r in runs])), 2)
        out["metrics_mean"] = {
            "analogy": round(float(np.mean([r["metrics"]["analogy"]["accuracy"]
                                            for r in runs])), 4),
            **{name: round(float(np.mean([r["metrics"]["similarity"][name]["spearman"]
                                          for r in runs])), 4)
               for name in runs[0]["metrics"]["similarity"]},
        }
        out["runs"] = [{"seed": i + 1, "raw_tokens_per_second": r["raw_tokens_per_second"],
                        "analogy": r["metrics"]["analogy"]["accuracy"],
                        **{n: v["spearman"] for n, v in r["metrics"]["similarity"].items()}}
                       for i, r in enumerate(runs)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=1,
                        help="alternate ours and gensim N times (seeds 1..N); report means")
    parser.add_argument("--skip-gensim", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="results JSON (default: "
                        "bench/results/words-<device>.json)")
    args = parser.parse_args(argv)
    corpus = args.corpus or default_corpus_path()
    if not corpus.exists():
        from engine.words.corpus import build_default_corpus

        build_default_corpus(corpus)
    settings = SkipGramSettings(epochs=args.epochs, threads=args.threads, device=args.device)
    ours_runs, gensim_runs = [], []
    for repeat in range(args.repeats):
        seeded = dataclasses.replace(settings, seed=settings.seed + repeat)
        ours_runs.append(run_ours(corpus, seeded))
        if not args.skip_gensim:
            gensim_runs.append(run_gensim(corpus, seeded))
    ours = summarise(ours_runs)
    result = {
        "benchmark": "words.train",
        "command": "python -m bench.words --json " + " ".join(argv or []),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0)), "device": ours["device"]},
        "corpus": str(corpus),
        "settings": settings.to_json(),
        "ours": ours,
    }
    if gensim_runs:
        gensim_result = summarise(gensim_runs)
        result["gensim"] = gensim_result
        result["throughput_ratio"] = round(
            ours["raw_tokens_per_second"] / gensim_result["raw_tokens_per_second"], 3)
    out = args.out or RESULTS / f"words-{ours['device']}.json"
    atomic_write_text(out, json.dumps(result, indent=1))
    print(json.dumps(result, indent=1) if args.json else
          f"ours {ours['raw_tokens_per_second']:,} tok/s; ratio {result.get('throughput_ratio')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
