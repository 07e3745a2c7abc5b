"""Training throughput and quality: our skip-gram trainer against gensim's Word2Vec,
Mikolov's word2vec C tool and fastText (word vectors only: -minn 0 -maxn 0).

All train on the same corpus file with the same settings and threads, in one run, one
after another. Throughput is raw corpus tokens (every token of the corpus, before
min-count and subsampling) times epochs, divided by a wall time:

* ours and gensim: the training call alone (vocabulary building excluded, reported
  separately), and also end to end: ours from a cold encoding cache (counting,
  vocabulary, encoding, trainer set-up, training), gensim build_vocab + train;
* word2vec C and fastText: the whole subprocess (their own vocabulary pass, training and
  writing the vectors); comparable with the end-to-end figures.

Every trained space is scored by engine.words.evaluate.evaluate_space (the external
tools' vectors read back through engine.storage).

    python -m bench.words --json [--epochs 5] [--repeats 3] [--corpus PATH] [--device auto]
                          [--anchors gensim,word2vec,fasttext] [--out PATH]

--anchors defaults to every one that is installed; one that is asked for but missing is
reported and skipped. All trainers are non-deterministic with 2 threads (Hogwild
updates), so a single run's analogy accuracy moves by about +-0.003: --repeats N
alternates them N times, with seeds 1..N, and reports every run and the means.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import words_anchors
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

ANCHORS = ("gensim", *words_anchors.EXTERNAL)

RESULTS = Path(__file__).resolve().parent / "results"


def _cold_encode(corpus_path: Path, min_count: int) -> tuple[EncodedCorpus, float]:
    """Encode the corpus as a first run would: with an empty encoding cache."""
    old = os.environ.get("EMBEDDING_EXPLORER_CACHE")
    with tempfile.TemporaryDirectory(prefix="bench-words-cache-") as tmp:
        os.environ["EMBEDDING_EXPLORER_CACHE"] = tmp
        try:
            t0 = time.perf_counter()
            corpus = load_encoded_corpus(corpus_path, min_count)
            return corpus, time.perf_counter() - t0
        finally:
            if old is None:
                os.environ.pop("EMBEDDING_EXPLORER_CACHE", None)
            else:
                os.environ["EMBEDDING_EXPLORER_CACHE"] = old


def run_ours(corpus_path: Path, settings: SkipGramSettings, cold: bool = True) -> dict:
    t0 = time.perf_counter()
    corpus = load_encoded_corpus(corpus_path, settings.min_count)
    prep = time.perf_counter() - t0
    cold_prep = None
    if cold:
        corpus, cold_prep = _cold_encode(corpus_path, settings.min_count)
    t0 = time.perf_counter()
    trainer = SkipGramTrainer(corpus, settings)
    setup = time.perf_counter() - t0
    # compile the numba kernel outside the timed region (cached on disk after the first run)
    if trainer.backend == "numba":
        warm = SkipGramTrainer(corpus, settings)
        from engine.words import sgns_numba

        sgns_numba.train_chunk(corpus.ids, 0, 1000, warm.syn0, warm.syn1,
                               np.ones(len(corpus.vocab), np.uint32), warm.table, 5, 5,
                               0.025, 0.025, np.uint64(1), 8)
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    t0 = time.perf_counter()
    space = trainer.train()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    raw = corpus.vocab.total_raw_tokens * settings.epochs
    out = {
        "name": f"embedding-explorer ({trainer.backend} on {trainer.device})",
        "device": trainer.device,
        "timing": "train_seconds: the training call alone; end_to_end_seconds: cold "
                  "encoding (count, vocabulary, encode) + trainer set-up + training",
        "train_seconds": round(seconds, 2),
        "prepare_seconds": round(prep, 2),
        "raw_tokens_per_second": round(raw / seconds),
        "cpu_seconds": round(cpu, 2),
        "loadavg_1min_before_after": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "raw_corpus_tokens": int(corpus.vocab.total_raw_tokens),
        "vocabulary": len(corpus.vocab),
        "metrics": evaluate_space(space).to_json(),
    }
    if cold_prep is not None:
        end_to_end = cold_prep + setup + seconds
        out.update(cold_prepare_seconds=round(cold_prep, 2), setup_seconds=round(setup, 2),
                   end_to_end_seconds=round(end_to_end, 2),
                   end_to_end_raw_tokens_per_second=round(raw / end_to_end))
    return out


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
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    t0 = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=settings.epochs)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    raw = model.corpus_total_words * settings.epochs
    kv = model.wv
    # gensim sorts its vocabulary by descending count too, so the 30k restriction matches
    space = EmbeddingSpace(tuple(kv.index_to_key), kv.vectors)
    import gensim

    return {
        "name": f"gensim {gensim.__version__} Word2Vec(sg=1), {settings.threads} workers",
        "device": "cpu",
        "version": f"gensim {gensim.__version__}",
        "timing": "train_seconds: model.train alone; end_to_end_seconds: build_vocab + train",
        "train_seconds": round(seconds, 2),
        "prepare_seconds": round(prep, 2),
        "end_to_end_seconds": round(prep + seconds, 2),
        "raw_tokens_per_second": round(raw / seconds),
        "end_to_end_raw_tokens_per_second": round(raw / (prep + seconds)),
        "cpu_seconds": round(cpu, 2),
        "loadavg_1min_before_after": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "vocabulary": len(kv),
        "metrics": evaluate_space(space).to_json(),
    }


_AVERAGED = ("raw_tokens_per_second", "end_to_end_raw_tokens_per_second")
_AVERAGED_SECONDS = ("train_seconds", "wall_seconds", "end_to_end_seconds", "cpu_seconds")


def summarise(runs: list[dict]) -> dict:
    """The first run's fields, with throughput and headline metrics averaged over all runs
    (each run is kept under "runs"). Failed runs (with "error") are listed, not averaged."""
    failed = [r for r in runs if "error" in r]
    runs = [r for r in runs if "error" not in r]
    if not runs:
        return dict(failed[0])
    out = dict(runs[0])
    if failed:
        out["failed_runs"] = [r["error"] for r in failed]
    if len(runs) > 1:
        for key in _AVERAGED:
            if key in out:
                out[key] = round(float(np.mean([r[key] for r in runs])))
        for key in _AVERAGED_SECONDS:
            if key in out:
                out[key] = round(float(np.mean([r[key] for r in runs])), 2)
        out["metrics_mean"] = {
            "analogy": round(float(np.mean([r["metrics"]["analogy"]["accuracy"]
                                            for r in runs])), 4),
            **{name: round(float(np.mean([r["metrics"]["similarity"][name]["spearman"]
                                          for r in runs])), 4)
               for name in runs[0]["metrics"]["similarity"]},
        }
        out["runs"] = [{"seed": r["seed"], "raw_tokens_per_second": r["raw_tokens_per_second"],
                        "analogy": r["metrics"]["analogy"]["accuracy"],
                        **{n: v["spearman"] for n, v in r["metrics"]["similarity"].items()}}
                       for r in runs]
    return out


def _ratio(a: dict, b: dict, key_a: str, key_b: str) -> float | None:
    if key_a not in a or key_b not in b:
        return None
    return round(a[key_a] / b[key_b], 3)


def add_throughput_ratios(result: dict) -> None:
    """Ours' throughput over each anchor's, into ``result`` (see "meaning" there)."""
    ours = result["ours"]
    ratios: dict[str, dict] = {}
    for name in result.get("anchors_run", []):
        theirs = result[name]
        if "error" in theirs:
            continue
        ratios[name] = {
            # ours' training call against their training call (gensim) or whole run
            "train": _ratio(ours, theirs, "raw_tokens_per_second", "raw_tokens_per_second"),
            # end to end on both sides: vocabulary and encoding included
            "end_to_end": _ratio(ours, theirs, "end_to_end_raw_tokens_per_second",
                                 "end_to_end_raw_tokens_per_second"),
            # CPU seconds they spent over ours (ours' training call): barely moved by other
            # work sharing the cores, which stretches wall times
            "cpu": _ratio(theirs, ours, "cpu_seconds", "cpu_seconds"),
        }
    if ratios:
        result["throughput_ratios"] = {
            "meaning": "ours' raw tokens/s divided by theirs. train: ours' training call vs "
                       "gensim's training call, or vs the whole external process (which "
                       "also reads the corpus, builds its vocabulary and writes vectors); "
                       "end_to_end: both sides include vocabulary building and encoding; "
                       "cpu: tokens per CPU-second (user+system, all threads; ours' and "
                       "gensim's training call, the external tools' whole process)",
            **ratios,
        }
    if "gensim" in ratios:
        result["throughput_ratio"] = ratios["gensim"]["train"]


def resolve_anchors(spec: str, skip_gensim: bool) -> tuple[list[str], dict, dict[str, str]]:
    """The anchors to run, the external tools found for them, and why any were skipped.
    ``spec`` is "all" (every installed one), "none", or a comma-separated list."""
    if spec == "all":
        wanted, explicit = list(ANCHORS), False
    elif spec == "none":
        wanted, explicit = [], True
    else:
        wanted, explicit = [a.strip() for a in spec.split(",") if a.strip()], True
        unknown = [a for a in wanted if a not in ANCHORS]
        if unknown:
            raise SystemExit(f"bench.words: unknown anchor(s) {', '.join(unknown)}; "
                             f"choose from {', '.join(ANCHORS)}")
    if skip_gensim and "gensim" in wanted:
        wanted.remove("gensim")
    run, tools, skipped = [], {}, {}
    for name in wanted:
        try:
            if name == "gensim":
                import gensim  # noqa: F401
            else:
                tools[name] = words_anchors.FINDERS[name]()
            run.append(name)
        except (ImportError, words_anchors.AnchorMissing) as exc:
            why = str(exc) if name != "gensim" else "gensim is not installed: pip install gensim"
            skipped[name] = why
            if explicit:
                print(f"bench.words: skipping {name}: {why}", file=sys.stderr)
    return run, tools, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=1,
                        help="alternate the trainers N times (seeds 1..N); report means")
    parser.add_argument("--anchors", default="all",
                        help="comma-separated among " + ",".join(ANCHORS) + "; 'all' (the "
                        "default) runs every one that is installed, 'none' only ours")
    parser.add_argument("--skip-gensim", action="store_true",
                        help="drop gensim from --anchors")
    parser.add_argument("--no-cold", action="store_true",
                        help="skip ours' end-to-end timing from a cold encoding cache")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="results JSON (default: "
                        "bench/results/words-<device>.json)")
    args = parser.parse_args(argv)
    anchors, tools, skipped = resolve_anchors(args.anchors, args.skip_gensim)
    corpus = args.corpus or default_corpus_path()
    if not corpus.exists():
        from engine.words.corpus import build_default_corpus

        build_default_corpus(corpus)
    if tools and not corpus.is_file():
        raise SystemExit(f"bench.words: {', '.join(tools)} need the corpus as one text file "
                         f"(one tokenised sentence per line); {corpus} is not a file")
    settings = SkipGramSettings(epochs=args.epochs, threads=args.threads, device=args.device)
    runs: dict[str, list[dict]] = {"ours": [], **{a: [] for a in anchors}}
    for repeat in range(args.repeats):
        seeded = dataclasses.replace(settings, seed=settings.seed + repeat)
        ours_run = run_ours(corpus, seeded, cold=not args.no_cold)
        runs["ours"].append({**ours_run, "seed": seeded.seed})
        raw_tokens = ours_run["raw_corpus_tokens"]
        for name in anchors:
            print(f"bench.words: repeat {repeat + 1}/{args.repeats}: {name}", file=sys.stderr)
            if name == "gensim":
                run = run_gensim(corpus, seeded)
            else:
                run = words_anchors.run_external(tools[name], corpus, seeded, raw_tokens)
                if "error" in run:
                    print(f"bench.words: {name} failed: {run['error']}", file=sys.stderr)
            runs[name].append({**run, "seed": seeded.seed})
    ours = summarise(runs["ours"])
    result = {
        "benchmark": "words.train",
        "command": "python -m bench.words " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0)), "device": ours["device"],
                    "note": "trainers run one after another; other work may have shared "
                            "the cores (see each run's loadavg_1min_before_after and "
                            "cpu_seconds)"},
        "corpus": str(corpus),
        "raw_corpus_tokens": ours["raw_corpus_tokens"],
        "settings": settings.to_json(),
        "anchors_run": anchors,
        "ours": ours,
    }
    if skipped:
        result["anchors_skipped"] = skipped
    for name in anchors:
        result[name] = summarise(runs[name])
    add_throughput_ratios(result)
    out = args.out or RESULTS / f"words-{ours['device']}.json"
    atomic_write_text(out, json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        ratios = {n: r for n, r in result.get("throughput_ratios", {}).items()
                  if n != "meaning"}
        print(f"ours {ours['raw_tokens_per_second']:,} tok/s; ratios "
              + ", ".join(f"{n} {r['train']}" for n, r in ratios.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
