"""Reading vector files: our importers against gensim's ``KeyedVectors.load_word2vec_format``.

Both read the same generated files (random vectors, ``w0 … wN`` as words) in word2vec
text and binary format, in one run; the result is seconds per file and the ratio.

    python -m bench.storage --json [--words 100000] [--dim 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from engine import storage
from engine.spaces import EmbeddingSpace

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(runs: int, read) -> float:
    """The fastest of ``runs`` reads (the file is in the page cache after the first)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        read()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    space = EmbeddingSpace(tuple(f"w{i}" for i in range(args.words)),
                           rng.standard_normal((args.words, args.dim)).astype(np.float32))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, name, binary in (("word2vec-text", "vectors.txt", False),
                                  ("word2vec-binary", "vectors.bin", True)):
            path = Path(tmp) / name
            storage.export_vectors(space, path, fmt)
            ours = best_of(args.runs, lambda p=path, f=fmt: storage.import_vectors(p, f))
            theirs = best_of(args.runs, lambda p=path, b=binary:
                             KeyedVectors.load_word2vec_format(str(p), binary=b))
            # Both must have read the same numbers.
            check = storage.import_vectors(path, fmt)
            kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
            assert check.keys == tuple(kv.index_to_key)
            assert np.allclose(check.vectors, kv.vectors, atol=1e-5)
            rows.append({"format": fmt, "megabytes": round(path.stat().st_size / 1e6, 1),
                         "ours_seconds": round(ours, 3), "gensim_seconds": round(theirs, 3),
                         "speedup": round(theirs / ours, 2)})
    import gensim

    result = {
        "benchmark": "storage.import",
        "command": ("python -m bench.storage --json " + " ".join(argv or [])).strip(),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0))},
        "words": args.words, "dim": args.dim, "gensim": gensim.__version__,
        "runs": rows,
    }
    out = RESULTS / "storage.json"
    storage.atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1) if args.json else
          "; ".join(f"{r['format']}: {r['speedup']}x gensim" for r in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
