"""The CUDA path of the skip-gram trainer, timed on a pre-encoded corpus.

Runs on a GPU machine that has only torch and numpy (no numba, gensim or Debian data):
the corpus is encoded on the CPU machine first and carried over as one .npz.

    python -m bench.words_cuda --encoded data/encoded.npz --epochs 5 --out OUT_DIR
    python -m bench.words_cuda --encoded data/encoded.npz --backends triton torch \
        --programs 256 1024 2048 --evaluate --out OUT_DIR

Backends: triton (the numba kernel's pair-by-pair SGD, Hogwild over GPU programs; the
default on CUDA) and torch (batched SGD; --batch-pairs and --update-caps vary it).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from engine.words.trainer import EncodedCorpus, SkipGramSettings, SkipGramTrainer
from engine.words.vocab import Vocabulary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.words_cuda", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--encoded", type=Path, help="an encoded corpus (.npz: words, counts, "
                        "total, ids)")
    source.add_argument("--sources", type=Path, help="the per-source .npz of "
                        "bench.words_sweep --prepare, taken with every source once")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--backends", nargs="+", default=["triton"],
                        choices=["triton", "torch"])
    parser.add_argument("--programs", type=int, nargs="+",
                        default=[SkipGramSettings().programs],
                        help="triton: programs running at once")
    parser.add_argument("--batch-pairs", type=int, nargs="+", default=[32768])
    parser.add_argument("--update-caps", type=float, nargs="+", default=[64.0])
    parser.add_argument("--evaluate", action="store_true",
                        help="evaluate each run (needs the evaluation files: set "
                        "EMBEDDING_EXPLORER_EVAL_DATA where gensim is not installed)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    import torch

    if args.sources is not None:
        from bench.words_sweep import SOURCES, weighted_corpus

        corpus = weighted_corpus(dict(np.load(args.sources, allow_pickle=False)),
                                 (1,) * len(SOURCES))
        vocab = corpus.vocab
    else:
        with np.load(args.encoded, allow_pickle=False) as z:
            vocab = Vocabulary(tuple(z["words"].tolist()), z["counts"], int(z["total"]))
            corpus = EncodedCorpus(vocab, z["ids"], "carried", str(args.encoded))
    args.out.mkdir(parents=True, exist_ok=True)
    runs = []
    variants = []
    for backend in args.backends:
        if backend == "triton":
            variants += [{"backend": "triton", "programs": p} for p in args.programs]
        else:
            variants += [{"backend": "torch", "batch_pairs": b, "update_cap": c}
                         for b in args.batch_pairs for c in args.update_caps]
    for variant in variants:
        settings = SkipGramSettings(epochs=args.epochs, device="cuda", **variant)
        trainer = SkipGramTrainer(corpus, settings)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        space = trainer.train()
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        rate = vocab.total_raw_tokens * args.epochs / seconds
        run = {**variant, "train_seconds": round(seconds, 2),
               "raw_tokens_per_second": round(rate)}
        if args.evaluate:
            from engine.words.evaluate import evaluate_space

            run["metrics"] = {k: round(v, 4) for k, v in evaluate_space(space).summary().items()}
        runs.append(run)
        print(json.dumps(runs[-1]), flush=True)
    result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "epochs": args.epochs, "runs": runs}
    (args.out / "cuda.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
