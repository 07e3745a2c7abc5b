"""Aligning the default space and GloVe 6B: orthogonal Procrustes against an
unconstrained least-squares map, both directions, three seeds of the held-out split.

    python -m bench.align --json [--seeds 0 1 2]    (writes bench/results/words-align.json)

Each run fits on the shared words among both spaces' 30k most frequent, minus 2,000
held out, and retrieves each held-out word's own vector among the target's 30k most
frequent (precision@1 and @5; chance is 1 / 30,000).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from engine.engine import Engine
from engine.words.align import align

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.align", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", action="store_true", help="print the JSON too")
    parser.add_argument("--out", type=Path, default=RESULTS / "words-align.json")
    args = parser.parse_args(argv)

    engine = Engine()
    spaces = {"default": engine.space("default"), "glove-6b-50d": engine.space("glove-6b-50d")}
    runs = []
    for source, target in (("default", "glove-6b-50d"), ("glove-6b-50d", "default")):
        for method in ("orthogonal", "linear"):
            for seed in args.seeds:
                t0 = time.perf_counter()
                result = align(spaces[source], spaces[target], seed=seed, method=method)
                runs.append({"space": source, "to": target, **result.summary(),
                             "seconds": round(time.perf_counter() - t0, 2),
                             "most_changed": [c.word for c in result.changed[:10]]})
                print(f"{source} -> {target} {method} seed {seed}: "
                      f"p@1 {result.precision_at_1:.3f} p@5 {result.precision_at_5:.3f}")
    means = {}
    for run in runs:
        key = f"{run['space']} -> {run['to']}, {run['method']}"
        means.setdefault(key, []).append((run["precision_at_1"], run["precision_at_5"]))
    summary = {key: {"precision_at_1": round(sum(p for p, _ in v) / len(v), 4),
                     "precision_at_5": round(sum(p for _, p in v) / len(v), 4),
                     "runs": len(v)} for key, v in means.items()}
    data = {"command": "python -m bench.align --json", "machine": platform.processor()
            or platform.machine(), "cpus": 2, "means": summary, "runs": runs}
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    if args.json:
        print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
