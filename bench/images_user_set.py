"""A user's own multi-label picture set, end to end: the Tux Paint stamps labelled by
their category folders (``animals/mammals/cats/x.png`` → cats; mammals; animals), written
as a CSV of path,labels the way a user would give one, read with ``images build-dataset
--from``'s code, and every model trained and scored on it (``images eval --dataset``).

    python -m bench.images_user_set [--json] [--out bench/results/images-user-set.json]

Labels of several levels make it multi-label: a picture of a cat is right as "cats",
"mammals" or "animals", and a held-out label (zero-shot) is a category no model trained
on, e.g. every "insects" picture.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
# Folder names that say how a stamp is drawn or filed, not what it shows.
NOT_LABELS = {"cartoon", "toys", "plastic", "filled", "outlined", "lowercase", "uppercase",
              "00_symbols", "english", "german", "spanish", "asl", "canadian", "euro",
              "japanese", "us", "auto", "cycle", "race", "symbols", "seasonal", "town",
              "household", "naturalforces", "arttools", "masstransit", "newyears"}


def write_category_csv(path: Path) -> int:
    from engine.images.dataset import STAMPS_ROOT, read_stamps

    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["path", "labels"])
        for stamp in read_stamps(STAMPS_ROOT):
            parts = [p for p in reversed(stamp.category.split("/")) if p not in NOT_LABELS]
            if parts:
                out.writerow([stamp.path, ";".join(parts)])
                rows += 1
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.images_user_set",
                                     description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "images-user-set.json")
    args = parser.parse_args(argv)
    from engine import api
    from engine.engine import Engine

    engine = Engine()
    engine.space(None)  # loaded before the clocks start
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "stamps-by-category.csv"
        rows = write_category_csv(table)
        t0 = time.perf_counter()
        built = engine.handle(api.BuildImageDataset(Path(tmp) / "dataset.json", table))
        read_seconds = time.perf_counter() - t0
        from engine.images.dataset import load_dataset

        pictures, _ = load_dataset(Path(built["path"]))
        held_out = sorted({h for p in pictures if p.split == "zero-shot" for h in p.heads
                           if all(q.split == "zero-shot" for q in pictures if h in q.heads)})
        t0 = time.perf_counter()
        report = engine.handle(api.EvaluateImageModels(dataset=Path(built["path"])))
        eval_seconds = time.perf_counter() - t0
    result = {
        "what": "the Tux Paint stamps labelled by their category folders (most specific "
                "first), given as a CSV of path,labels; read as a user's set (15% of the "
                "labels held out, 1 in 5 of the others' pictures tests), every model "
                "trained on it and scored",
        "csv_rows": rows, "dataset": {k: v for k, v in built.items() if k != "path"},
        "held_out_labels": held_out,
        "read_seconds": round(read_seconds, 2), "eval_seconds": round(eval_seconds, 1),
        "machine": f"{platform.machine()}, CPU", "eval": report,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        held = report["held_out_seen_labels"]
        print(f"{built['pictures']} pictures, {built['heads']} labels "
              f"({built['multi_label']} multi-label); held-out p@1/p@10: "
              + ", ".join(f"{k} {v['precision_at_1']:.3f}/{v['precision_at_10']:.3f}"
                          for k, v in held.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
