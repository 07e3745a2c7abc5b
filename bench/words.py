"""Training throughput and quality: our skip-gram trainer against gensim's Word2Vec.

Both train on the same corpus with the same settings and threads, in one run.
Throughput is raw corpus tokens (every token of the corpus, before min-count and
subsampling) times epochs, divided by the wall time of the training call alone
(vocabulary building excluded for both, reported separately).

    python -m bench.words --json [--epochs 5] [--corpus PATH] [--device auto]
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
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
    ours = run_ours(corpus, settings)
    result = {
        "benchmark": "words.train",
        "command": "python -m bench.words --json " + " ".join(argv or []),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0)), "device": ours["device"]},
        "corpus": str(corpus),
        "settings": settings.to_json(),
        "ours": ours,
    }
    if not args.skip_gensim:
        gensim_result = run_gensim(corpus, settings)
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
