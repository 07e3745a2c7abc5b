"""A corpus trial for the rome demo: oversample WordNet's encyclopedic entries.

The default corpus's modern geography lives almost only in WordNet's instance synsets
(named places, people, events: "berlin, german capital: capital of germany located in
eastern germany"). This trial adds their glosses, exactly as the corpus prints them,
K extra times spread evenly through the corpus, trains the default settings for a few
epochs on the CPU, and reports the evaluation and the demos. Real text, only reweighted.

    python -m bench.words_instance_trial --json [--repeats 0 5] [--epochs 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from engine.storage import atomic_write_text
from engine.words.corpus import (
    WORDNET_DIR,
    default_corpus_path,
    tokenize,
    wordnet_gloss_sentences,
)
from engine.words.default_space import DEFAULT_SETTINGS, demo_results
from engine.words.evaluate import evaluate_space
from engine.words.trainer import SkipGramTrainer, load_encoded_corpus

RESULTS = Path(__file__).resolve().parent / "results"


def instance_gloss_lines() -> list[str]:
    """The corpus lines of every noun synset that is an instance ('@i' pointer)."""
    lines = []
    with (WORDNET_DIR / "data.noun").open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("  ") or " @i " not in line.partition("|")[0]:
                continue
            for sentence in wordnet_gloss_sentences(line):
                if len(tokens := tokenize(sentence)) >= 2:
                    lines.append(" ".join(tokens))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words_instance_trial",
                                     description=__doc__)
    parser.add_argument("--repeats", type=int, nargs="+", default=[0, 5])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    base = default_corpus_path().read_text(encoding="utf-8").splitlines()
    extra = instance_gloss_lines()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in args.repeats:
            step = len(base) // (k + 1)
            lines: list[str] = []
            for i in range(k + 1):
                lines += base[i * step:(i + 1) * step] if i < k else base[i * step:]
                lines += extra if i < k else []
            path = Path(tmp) / f"corpus-{k}.txt"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            corpus = load_encoded_corpus(path, DEFAULT_SETTINGS.min_count)
            trainer = SkipGramTrainer(corpus, dataclasses.replace(DEFAULT_SETTINGS,
                                                                  epochs=args.epochs))
            t0 = time.perf_counter()
            space = trainer.train()  # publishes input + 0.5 x output, as the default does
            run = {"extra_repeats": k, "train_seconds": round(time.perf_counter() - t0, 1),
                   **{m: round(v, 4) for m, v in evaluate_space(space).summary().items()},
                   "demos": demo_results(space)}
            runs.append(run)
            print(json.dumps(run), flush=True)
    result = {"instance_synsets_lines": len(extra),
              "instance_tokens": sum(len(x.split()) for x in extra),
              "epochs": args.epochs, "published": "input + 0.5 x output vectors",
              "command": "python -m bench.words_instance_trial --json", "runs": runs}
    if args.json:
        RESULTS.mkdir(exist_ok=True)
        atomic_write_text(RESULTS / "words-instance-trial-cpu.json", json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
