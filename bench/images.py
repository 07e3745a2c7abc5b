"""Labelling speed: the first picture after start-up, then one picture at a time and a
folder in a batch, with the models loaded.

    python -m bench.images --json [--folder /usr/share/tuxpaint/stamps] [--limit 1000]

Every model labels each picture (the shipped classifier, WSABIE, ConSE, DeViSE and the
ImageNet classes). The folder is labelled as the Images tab labels a dropped folder: one
request, every picture read (PNG and SVG), encoded and ranked by every model. Writes
bench/results/images-cpu.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
STAMPS = Path("/usr/share/tuxpaint/stamps")


def first_label_seconds(picture: Path) -> float:
    """Wall time of a fresh ``python -m engine images label`` on one picture: start-up,
    torch, the encoder's weights, reading, encoding."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine", "images", "label", str(picture),
                    "--json"], check=True, capture_output=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.images", description=__doc__)
    parser.add_argument("--folder", type=Path, default=STAMPS)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import numpy as np

    from engine import api
    from engine.engine import Engine
    from engine.images.loading import load_rgb

    pictures = sorted(p for p in args.folder.rglob("*")
                      if p.suffix.lower() in (".png", ".svg"))[:args.limit]
    if not pictures:
        raise SystemExit(f"no PNG pictures under {args.folder}")
    first = [first_label_seconds(pictures[0]) for _ in range(3)]
    engine = Engine()
    t0 = time.perf_counter()
    encoder = engine.image_encoder()
    trained, _ = engine.image_models()
    load = time.perf_counter() - t0
    engine.handle(api.LabelImages(tuple(pictures[:2])))  # warm
    one = []
    for path in pictures[:50]:
        t0 = time.perf_counter()
        answer = engine.handle(api.LabelImages((path,)))
        one.append(time.perf_counter() - t0)
    models = sorted(answer[0].by_model)
    t0 = time.perf_counter()
    labelled = engine.handle(api.LabelImages(tuple(pictures)))
    folder = time.perf_counter() - t0
    failed = sum(1 for r in labelled if r.error)
    sample = pictures[:200]
    t0 = time.perf_counter()
    batch = np.stack([load_rgb(p) for p in sample])
    read = time.perf_counter() - t0
    t0 = time.perf_counter()
    encoder.encode(batch)
    encode = time.perf_counter() - t0
    result = {
        "benchmark": "images",
        "command": "python -m bench.images --json",
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0)), "device": engine.device},
        "models": models,
        "first_label_after_start_seconds": {"median": round(statistics.median(first), 2),
                                            "runs": [round(t, 2) for t in first]},
        "encoder_and_models_load_seconds": round(load, 2),
        "note": "one_picture_ms and folder: read + encode + every model; "
                "encode_only: read + encode in one batch of 200",
        "one_picture_ms": {"median": round(1000 * statistics.median(one), 1),
                           "p95": round(1000 * sorted(one)[int(0.95 * (len(one) - 1))], 1),
                           "pictures": len(one), "goal": 200},
        "folder": {"pictures": len(pictures), "unreadable": failed,
                   "seconds": round(folder, 1),
                   "pictures_per_second": round(len(pictures) / folder, 1)},
        "encode_only": {"pictures": len(sample), "read_seconds": round(read, 2),
                        "encode_seconds": round(encode, 2),
                        "pictures_per_second": round(len(sample) / (read + encode), 1)},
    }
    (RESULTS / "images-cpu.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1) if args.json else result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
