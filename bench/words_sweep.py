"""Sweep default-space settings and corpus weights on the CUDA path (an experiment log).

The default corpus is encoded per source on the CPU machine (the GPU machine has no
Debian data or numba) and carried as one .npz with a shared vocabulary. Each variant
repeats sources a whole number of times (weighting real text, never adding any),
recounts, trains, and reports the evaluation for the input vectors and for
input + 0.5 x output vectors, plus the rank of the demo answers.

    python -m bench.words_sweep --prepare data/sources.npz      # on the CPU machine
    python -m bench.words_sweep --sources data/sources.npz --out OUT_DIR
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from engine.spaces.embedding_space import EmbeddingSpace
from engine.words.default_space import demo_results
from engine.words.trainer import EncodedCorpus, SkipGramSettings, SkipGramTrainer
from engine.words.vocab import SENTENCE_BREAK, Vocabulary

SOURCES = ("wordnet", "gcide", "kjv", "fortunes")

# name, source repeats, settings overrides
VARIANTS = [
    ("base w8 d100", (1, 1, 1, 1), {}),
    ("sample 1e-4", (1, 1, 1, 1), {"sample": 1e-4}),
    ("window 15", (1, 1, 1, 1), {"window": 15}),
    ("wordnet x2", (2, 1, 1, 1), {}),
    ("wordnet x3, no kjv", (3, 1, 0, 1), {}),
    ("dictionaries only", (1, 1, 0, 0), {}),
    ("negative 15", (1, 1, 1, 1), {"negative": 15}),
    ("window 5", (1, 1, 1, 1), {"window": 5}),
    ("dim 200", (1, 1, 1, 1), {"dim": 200}),
    ("window 15 sample 1e-4 dim 150", (1, 1, 1, 1), {"window": 15, "sample": 1e-4, "dim": 150}),
    ("wordnet x2 sample 1e-4", (2, 1, 1, 1), {"sample": 1e-4}),
]

# The CUDA path's own knobs: how many pairs one sparse SGD step takes, and how many of a
# row's updates in one step are summed before they are scaled down.
UPDATE_VARIANTS = [
    ("batch 32768 cap 64", (1, 1, 1, 1), {}),
    ("batch 16384 cap 64", (1, 1, 1, 1), {"batch_pairs": 16384}),
    ("batch 8192 cap 64", (1, 1, 1, 1), {"batch_pairs": 8192}),
    ("batch 32768 cap 16", (1, 1, 1, 1), {"update_cap": 16.0}),
    ("batch 32768 cap 256", (1, 1, 1, 1), {"update_cap": 256.0}),
    ("batch 8192 cap 16", (1, 1, 1, 1), {"batch_pairs": 8192, "update_cap": 16.0}),
]

def prepare_sources(out: Path) -> None:
    """Encode the default corpus one source at a time with the full corpus's vocabulary.
    The corpus writes its sources in order, one sentence per line; the manifest gives
    each source's sentence count."""
    from engine.words.corpus import default_corpus_path, manifest_path_for
    from engine.words.trainer import load_encoded_corpus
    from engine.words.vocab import encode_corpus

    path = default_corpus_path()
    manifest = json.loads(manifest_path_for(path).read_text())
    vocab = load_encoded_corpus(path, 5).vocab
    lines = path.read_text(encoding="utf-8").split("\n")
    arrays: dict[str, np.ndarray] = {"words": np.array(vocab.words), "counts": vocab.counts,
                                     "total": np.int64(vocab.total_raw_tokens)}
    start = 0
    for source in manifest["sources"]:
        part = lines[start:start + source["sentences"]]
        start += source["sentences"]
        arrays[source["name"]] = encode_corpus((line.split() for line in part), vocab)
        arrays[source["name"] + "_raw"] = np.int64(sum(len(line.split()) for line in part))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    # The GPU machine has no gensim: its evaluation files travel in the same folder.
    import shutil

    from engine.words.evaluate import gensim_test_data

    for name in ("questions-words.txt", "simlex999.txt", "wordsim353.tsv"):
        shutil.copy(gensim_test_data(name), out.parent / name)


def recount(ids: np.ndarray, words: np.ndarray, raw_tokens: int, min_count: int = 5
            ) -> tuple[Vocabulary, np.ndarray]:
    """A vocabulary counted afresh on ``ids`` (ids into ``words``, -1 = sentence break),
    ordered like the trainer's (descending count, ties alphabetical), and the ids
    re-encoded into it with words under ``min_count`` dropped."""
    counts = np.bincount(ids[ids != SENTENCE_BREAK], minlength=len(words)).astype(np.int64)
    order = np.lexsort((words, -counts))
    order = order[counts[order] >= min_count]
    remap = np.full(len(words), -2, dtype=np.int64)
    remap[order] = np.arange(len(order))
    new = np.where(ids == SENTENCE_BREAK, SENTENCE_BREAK, remap[np.maximum(ids, 0)])
    new = new[new != -2].astype(np.int32)
    return Vocabulary(tuple(words[order].tolist()), counts[order], raw_tokens), new


def weighted_corpus(z, repeats) -> EncodedCorpus:
    parts = [z[name] for name, r in zip(SOURCES, repeats, strict=True) for _ in range(r)]
    raw = sum(int(z[name + "_raw"]) * r for name, r in zip(SOURCES, repeats, strict=True))
    vocab, ids = recount(np.concatenate(parts), z["words"], raw)
    return EncodedCorpus(vocab, ids, "sweep-" + "-".join(map(str, repeats)), "carried")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words_sweep", description=__doc__)
    parser.add_argument("--prepare", type=Path, default=None,
                        help="write the per-source encoded corpus here and stop")
    parser.add_argument("--sources", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--backend", default="auto", choices=["auto", "triton", "torch"],
                        help="the recorded sweeps (bench/results/words-sweep-*) used torch")
    parser.add_argument("--only", nargs="*", default=None, help="variant names to run")
    parser.add_argument("--set", choices=["corpus", "update"], default="corpus",
                        help="corpus: source weights and settings; update: CUDA batch/cap")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.prepare is not None:
        prepare_sources(args.prepare)
        return 0
    if args.sources is None or args.out is None:
        parser.error("--sources and --out are needed (or --prepare)")
    import torch

    from engine.words.evaluate import evaluate_space

    z = dict(np.load(args.sources, allow_pickle=False))
    args.out.mkdir(parents=True, exist_ok=True)
    runs = []
    for name, repeats, overrides in (VARIANTS if args.set == "corpus" else UPDATE_VARIANTS):
        if args.only and name not in args.only:
            continue
        corpus = weighted_corpus(z, repeats)
        base = SkipGramSettings(dim=100, window=8, epochs=args.epochs, device=args.device,
                                backend=args.backend)
        settings = dataclasses.replace(base, **overrides)
        t0 = time.perf_counter()
        trainer = SkipGramTrainer(corpus, settings)
        trainer.train()
        if args.device == "cuda":
            torch.cuda.synchronize()
        run = {"variant": name, "repeats": dict(zip(SOURCES, repeats, strict=True)),
               "settings": overrides, "backend": trainer.backend, "words": len(corpus.vocab),
               "train_seconds": round(time.perf_counter() - t0, 1)}
        for label, weight in (("w", 0.0), ("w+0.5c", 0.5)):
            vectors = trainer.syn0 + np.float32(weight) * trainer.syn1
            space = EmbeddingSpace(corpus.vocab.words, vectors)
            run[label] = {k: round(v, 4) for k, v in evaluate_space(space).summary().items()}
            run[label]["demos"] = demo_results(space)
        runs.append(run)
        print(json.dumps(run), flush=True)
        (args.out / f"sweep-{args.set}.json").write_text(json.dumps(
            {"device": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu",
             "epochs": args.epochs, "runs": runs},
            indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
