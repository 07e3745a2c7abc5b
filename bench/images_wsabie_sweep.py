"""WSABIE's hyperparameters, WARP against the uniform-hinge ablation, on the held-out
pictures that ``images eval`` scores (split "test", and "style-test": emoji of seen
labels in a font style that did not train).

    python -m bench.images_wsabie_sweep [--seeds 0 1] [--quick]

Both losses train the same model under the same norm constraints over the same grid, and
each is reported at its own best setting, so that the comparison is fair. Features come
from the cache that ``images eval`` fills (encoded once). Writes
bench/results/images-wsabie-sweep.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

# (lr, epochs, lr_decay): the grid both losses train over.
GRID = {
    "lr": (0.001, 0.003, 0.01, 0.03),
    "epochs": (40, 100),
    "lr_decay": (False, True),
}
QUICK_GRID = {"lr": (0.003, 0.01), "epochs": (40,), "lr_decay": (False,)}


def precision(scores, truth, k: int) -> float:
    from engine.images.evaluate import _precision

    return _precision(scores, truth, k)


def load():
    """Pictures, their cached features, the default word space."""
    from engine.engine import Engine
    from engine.images.dataset import load_dataset
    from engine.images.features import encode_pictures

    engine = Engine()
    pictures, _ = load_dataset()
    space = engine.space(None)
    features = encode_pictures(engine.image_encoder(), [p.path for p in pictures])
    return pictures, features, space


def scores_of(model_scores, features, rows, truth) -> dict:
    s = model_scores(features.features[rows])
    return {"p@1": precision(s, truth, 1), "p@10": precision(s, truth, 10)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.images_wsabie_sweep",
                                     description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--quick", action="store_true", help="a two-setting smoke run")
    parser.add_argument("--lr", type=float, nargs="+", help="instead of the grid's")
    parser.add_argument("--epochs", type=int, nargs="+", help="instead of the grid's")
    parser.add_argument("--decay", choices=("no", "yes"), nargs="+",
                        help="instead of the grid's")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: bench/results/images-wsabie-sweep.json, or "
                             "images-style-augment.json with --styles")
    parser.add_argument("--styles", nargs="+", metavar="STYLE",
                        help="instead of the grid: train the classifier and WSABIE (its "
                             "defaults) with each set of restyled training pictures "
                             "(engine/images/augment.py; sets joined with '+', e.g. "
                             "ink+pixel_art) and compare with none")
    args = parser.parse_args(argv)
    if args.styles:
        return style_augmentation(args)
    args.out = args.out or RESULTS / "images-wsabie-sweep.json"

    import numpy as np

    from engine.images.evaluate import seen_label_rows, training_split
    from engine.images.models import train_wsabie

    t0 = time.perf_counter()
    pictures, features, space = load()
    _, seen, x, y = training_split(pictures, features, space)
    test, y_test = seen_label_rows(pictures, space, "test", seen)
    style, y_style = seen_label_rows(pictures, space, "style-test", seen)
    print(f"loaded in {time.perf_counter() - t0:.1f} s: {len(x)} training rows, "
          f"{len(seen)} labels, {len(test)} held-out, {len(style)} other-style")

    grid = dict(QUICK_GRID if args.quick else GRID)
    if args.lr:
        grid["lr"] = tuple(args.lr)
    if args.epochs:
        grid["epochs"] = tuple(args.epochs)
    if args.decay:
        grid["lr_decay"] = tuple(d == "yes" for d in args.decay)
    runs = []
    for loss, (lr, epochs, decay) in itertools.product(
            ("warp", "hinge"), itertools.product(*grid.values())):
        per_seed = []
        for seed in args.seeds:
            t0 = time.perf_counter()
            model = train_wsabie(x, y, len(seen), loss=loss, lr=lr, epochs=epochs,
                                 lr_decay=decay, seed=seed)
            seconds = time.perf_counter() - t0
            per_seed.append({"seed": seed, "seconds": round(seconds, 2),
                             "held_out": scores_of(model.scores, features, test, y_test),
                             "other_style": scores_of(model.scores, features, style,
                                                      y_style)})
        mean = {split: {k: round(float(np.mean([r[split][k] for r in per_seed])), 4)
                        for k in ("p@1", "p@10")} for split in ("held_out", "other_style")}
        run = {"loss": loss, "lr": lr, "epochs": epochs, "lr_decay": decay,
               "mean": mean, "seconds": round(float(np.mean([r["seconds"]
                                                               for r in per_seed])), 2),
               "per_seed": per_seed}
        runs.append(run)
        print(f"{loss:<5} lr={lr:<6} epochs={epochs:<4} decay={decay!s:<5} "
              f"held-out p@1 {mean['held_out']['p@1']:.3f} p@10 "
              f"{mean['held_out']['p@10']:.3f} | other-style p@1 "
              f"{mean['other_style']['p@1']:.3f} p@10 {mean['other_style']['p@10']:.3f}"
              f" | {run['seconds']:.1f} s", flush=True)

    best = {loss: max((r for r in runs if r["loss"] == loss),
                      key=lambda r: (r["mean"]["held_out"]["p@10"],
                                     r["mean"]["held_out"]["p@1"]))
            for loss in ("warp", "hinge")}
    for loss, r in best.items():
        print(f"best {loss}: lr={r['lr']} epochs={r['epochs']} decay={r['lr_decay']} "
              f"held-out p@1/p@10 {r['mean']['held_out']['p@1']:.3f}/"
              f"{r['mean']['held_out']['p@10']:.3f}")
    report = {
        "what": "WSABIE (WARP and uniform hinge) over a grid, each scored on the held-out "
                "pictures of seen labels and on other-style emoji; the default picture "
                "set's training split with mirror images",
        "grid": {k: list(v) for k, v in grid.items()},
        "seeds": args.seeds,
        "labels": len(seen), "training_rows": int(len(x)),
        "held_out_pictures": int(len(test)), "other_style_pictures": int(len(style)),
        "runs": runs,
        "best": {loss: {k: r[k] for k in ("lr", "epochs", "lr_decay", "mean", "seconds")}
                 for loss, r in best.items()},
        "machine": platform.machine(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def style_augmentation(args) -> int:
    """Held-out and other-style precision of the classifier and WSABIE (WARP, defaults)
    trained on the training split alone and with restyled copies of its pictures."""
    import numpy as np

    from engine.engine import Engine
    from engine.images.evaluate import seen_label_rows, training_split
    from engine.images.features import encode_restyled
    from engine.images.models import train_classifier, train_wsabie

    pictures, features, space = load()
    rows, seen, x, y = training_split(pictures, features, space)
    test, y_test = seen_label_rows(pictures, space, "test", seen)
    style, y_style = seen_label_rows(pictures, space, "style-test", seen)
    wanted = sorted({s for group in args.styles for s in group.split("+")})
    t0 = time.perf_counter()
    restyled = encode_restyled(Engine().image_encoder(), [pictures[i].path for i in rows],
                               wanted)
    print(f"restyled {len(rows)} training pictures in {len(wanted)} styles "
          f"({time.perf_counter() - t0:.0f} s, cached after the first time)", flush=True)
    runs = []
    for group in ["none", *args.styles]:
        names = [] if group == "none" else group.split("+")
        x_aug = np.vstack([x, *(restyled[n] for n in names)])
        y_aug = np.concatenate([y, *(y[:len(rows)] for _ in names)])
        for model_name, train in (("classifier", train_classifier),
                                  ("wsabie_warp", train_wsabie)):
            t0 = time.perf_counter()
            model = train(x_aug, y_aug, len(seen))
            run = {"styles": group, "model": model_name, "rows": int(len(x_aug)),
                   "seconds": round(time.perf_counter() - t0, 1),
                   "held_out": scores_of(model.scores, features, test, y_test),
                   "other_style": scores_of(model.scores, features, style, y_style)}
            runs.append(run)
            print(f"{group:<40} {model_name:<12} held-out p@1 "
                  f"{run['held_out']['p@1']:.3f} p@10 {run['held_out']['p@10']:.3f} | "
                  f"other-style p@1 {run['other_style']['p@1']:.3f} p@10 "
                  f"{run['other_style']['p@10']:.3f} | {run['seconds']:.0f} s", flush=True)
    out = args.out or RESULTS / "images-style-augment.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "what": "the classifier and WSABIE (WARP, train_wsabie's defaults) on the training "
                "split with mirror images, alone and with restyled copies of its pictures "
                "(engine/images/augment.py); held-out pictures of seen labels and "
                "other-style emoji (Symbola, Unifont) of seen labels",
        "training_pictures": int(len(rows)), "runs": runs,
        "machine": platform.machine(), "threads": os.environ.get("OMP_NUM_THREADS"),
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
