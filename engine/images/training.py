"""Train some or all of the image-label models on the picture set's training split, one
after the other, and score each on what it never saw as soon as it is trained.

The Training tab's image entries run this (``api.TrainImageModels``); so does
``build_default_models``, which keeps the shipped bundle and a bundle trained here with
the defaults the same models. Progress reports name their model: ``{"model", "epoch",
"epochs", "loss"}`` while one trains (the trainers' losses, engine/images/models.py), then
``{"model", "scores"}`` once it is scored.

``epochs`` counts WSABIE's passes over the training pictures (SGD, one pair at a time).
The classifier and DeViSE are fitted full-batch, one Adam step per pass, and want many
more of them: they take ``FULL_BATCH_STEPS_PER_EPOCH`` steps per epoch, which at the
default 40 epochs is the 300 steps they ship with.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.jobs import (
    NEVER_CANCELLED,
    CancelToken,
    Progress,
    ProgressCallback,
    no_progress,
    sub_progress,
)

MODELS = ("classifier", "wsabie_warp", "wsabie_hinge", "devise")
# What a saved bundle holds (shipped.ImageModels); the uniform hinge is for comparison.
BUNDLE_MODELS = ("classifier", "wsabie_warp", "devise")
DEFAULT_EPOCHS = 40
FULL_BATCH_STEPS_PER_EPOCH = 300 / DEFAULT_EPOCHS
# Each loss at its own best rate of one grid (bench/images_wsabie_sweep.py): WARP's steps
# are lr * L(rank), up to 7.3 times the hinge's.
WSABIE_RATES = {"warp": 0.01, "hinge": 0.1}
# Seconds each took on the default picture set with its restyled copies on 2 CPU cores
# (bench/results/images-eval-default-space.json): each model's share of the progress bar.
TRAINING_SECONDS = {"classifier": 146.0, "wsabie_warp": 67.0, "wsabie_hinge": 25.0,
                    "devise": 70.0}


def check_training_choice(models, epochs: int, out: Path | None = None) -> tuple[str, ...]:
    """The models asked for, in training order and once each; an ``EngineError`` for an
    unknown name, fewer than one epoch, or a bundle that could not be saved: checked before
    anything slow starts."""
    from engine.images.shipped import check_bundle_folder

    models = tuple(models)
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise EngineError(f"Unknown image model{'s' if len(unknown) > 1 else ''}: "
                          f"{', '.join(map(repr, unknown))}.", f"Choose among {', '.join(MODELS)}.")
    if not models:
        raise EngineError("No image model to train.", f"Choose some of {', '.join(MODELS)}.")
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise EngineError(f"Epochs must be a whole number of at least 1, not {epochs!r}.",
                          f"Train for {DEFAULT_EPOCHS} epochs, as the shipped models.")
    if out is not None:
        missing = [m for m in BUNDLE_MODELS if m not in models]
        if missing:
            raise EngineError(f"A saved bundle holds the classifier, WSABIE (WARP) and DeViSE; "
                              f"{', '.join(missing)} would not be trained.",
                              "Train all three, or leave the output folder empty.")
        check_bundle_folder(Path(out))
    return tuple(m for m in MODELS if m in models)


def training_inputs(encoder, space, restyled: bool = True,
                    progress: ProgressCallback = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED, dataset: Path | None = None):
    """The picture set (``dataset``: None for the default one, built first if missing; a
    ``dataset.json``; or a user's folder or CSV, user_sets.load_picture_set), its
    manifest, its features with mirror images (features.encode_pictures, cached) and, if
    ``restyled``, the training pictures' restyled copies (evaluate.restyled_training,
    cached; None otherwise)."""
    from engine.images.evaluate import restyled_training
    from engine.images.features import encode_pictures
    from engine.images.user_sets import load_picture_set

    pictures, manifest = load_picture_set(dataset, progress, cancel)
    share = 0.5 if restyled else 1.0
    features = encode_pictures(encoder, [p.path for p in pictures],
                               progress=sub_progress(progress, 0.0, share), cancel=cancel)
    copies = (restyled_training(encoder, pictures, space, sub_progress(progress, 0.5, 0.5),
                                cancel) if restyled else None)
    return pictures, manifest, features, copies


def train_image_models(
    pictures, features, space,
    models: tuple[str, ...] = MODELS,
    epochs: int = DEFAULT_EPOCHS,
    restyled: dict[str, np.ndarray] | None = None,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    out: Path | None = None,
    dataset: list | None = None,
    space_path: Path | None = None,
) -> dict:
    """Train ``models`` (of ``MODELS``) on ``evaluate.training_split`` of ``pictures``
    (dataset.Picture) with their ``features`` (features.PictureFeatures) and ``restyled``
    copies over the word space ``space``; score each on the held-out pictures of seen
    labels (split "test": precision@1 and @10) and on those drawn in another style
    ("style-test": precision@10). ``out``: also save the classifier, WARP and DeViSE there
    as a bundle ``shipped.load_models`` reads (``dataset``: the picture set's sources, for
    its manifest; ``space_path``: the word space as the user named it, None for the
    default, so that labelling with the bundle later opens the same space). Returns
    ``{"models": {name: {"seconds", "held_out", "other_style",
    "losses", "loss_epochs"}}, "labels", "training_rows" (rows of the training matrix: each
    picture, its mirror image, its restyled copies), "training_pictures", "epochs", "out"}``."""
    from engine.images.evaluate import _precision, seen_label_rows, training_split
    from engine.images.models import train_classifier, train_devise, train_wsabie, unit_rows

    models = check_training_choice(models, epochs, out)
    rows, seen, x, y = training_split(pictures, features, space, restyled)
    if not len(rows):
        raise EngineError("The picture set has no training pictures whose label the word "
                          "space knows.", "Rebuild the picture set, or choose another space.")
    seen_vectors = unit_rows(np.stack([space.vector(h) for h in seen]))
    full_batch_steps = max(1, round(epochs * FULL_BATCH_STEPS_PER_EPOCH))
    held_out_rows = {split: seen_label_rows(pictures, space, split, seen)
                     for split in ("test", "style-test")}

    def train(name: str, progress_: ProgressCallback):
        if name == "classifier":
            return train_classifier(x, y, len(seen), epochs=full_batch_steps, seed=seed,
                                    progress=progress_, cancel=cancel)
        if name == "devise":
            return train_devise(x, y, seen_vectors, epochs=full_batch_steps, seed=seed,
                                progress=progress_, cancel=cancel)
        loss = name.removeprefix("wsabie_")
        return train_wsabie(x, y, len(seen), loss=loss, epochs=epochs, lr=WSABIE_RATES[loss],
                            lr_decay=True, seed=seed, progress=progress_, cancel=cancel)

    total = sum(TRAINING_SECONDS[m] for m in models)
    start, trained, report = 0.0, {}, {}
    for name in models:
        cancel.raise_if_cancelled()
        span = TRAINING_SECONDS[name] / total
        model_epochs = epochs if name.startswith("wsabie") else full_batch_steps
        losses: list[tuple[int, float]] = []

        def model_progress(p: Progress, name=name, start=start, span=span,
                           model_epochs=model_epochs, losses=losses) -> None:
            stats = {"model": name, **p.stats}
            if "loss" in p.stats:
                stats["epochs"] = model_epochs
                losses.append((int(p.stats["epoch"]), float(p.stats["loss"])))
            progress(Progress(start + span * p.fraction, p.message, stats))

        t0 = time.perf_counter()
        model = trained[name] = train(name, model_progress)
        seconds = time.perf_counter() - t0
        # DeViSE answers with words: its labels are the seen labels' word vectors.
        score = ((lambda f, m=model: m.embed(f) @ seen_vectors.T) if name == "devise"
                 else model.scores)
        (test, y_test), (style, y_style) = held_out_rows["test"], held_out_rows["style-test"]
        held_out, other_style = {}, {}
        if len(test):
            s = score(features.features[test])
            held_out = {"precision_at_1": _precision(s, y_test, 1),
                        "precision_at_10": _precision(s, y_test, 10)}
        if len(style):
            other_style = {"precision_at_10": _precision(score(features.features[style]),
                                                         y_style, 10)}
        report[name] = {"seconds": round(seconds, 2), "held_out": held_out,
                        "other_style": other_style, "losses": [v for _, v in losses],
                        "loss_epochs": [e for e, _ in losses]}
        start += span
        progress(Progress(start, _scores_line(name, held_out, other_style),
                          {"model": name, "scores": {"model": name, "held_out": held_out,
                                                     "other_style": other_style,
                                                     "seconds": round(seconds, 2)}}))
    if out is not None:
        from engine.images.shipped import trained_bundle

        cancel.raise_if_cancelled()
        trained_on = {"pictures": int(len(rows)), "mirrored": True,
                      "restyled": list(restyled or {}), "labels": len(seen), "split": "train",
                      "dataset": dataset, "epochs": epochs, "seed": seed,
                      "word_space_path": str(space_path) if space_path is not None else None}
        bundle = trained_bundle(seen, trained["classifier"], trained["wsabie_warp"],
                                trained["devise"], space, trained_on,
                                sum(r["seconds"] for r in report.values()), epochs)
        progress(Progress(1.0, f"Saving the image models to {out}"))
        bundle.save(Path(out))
    progress(Progress(1.0, f"Trained {len(models)} image model{'s' * (len(models) > 1)} on "
                           f"{len(x):,} training views"))
    # One right label among len(seen) (a multi-label picture makes hits likelier).
    chance = {"precision_at_1": round(1 / len(seen), 4),
              "precision_at_10": round(min(1.0, 10 / len(seen)), 4)}
    return {"models": report, "labels": len(seen), "chance": chance,
            "training_rows": int(len(x)),
            "training_pictures": int(len(rows)), "epochs": epochs,
            "out": str(out) if out is not None else None}


def _scores_line(name: str, held_out: dict, other_style: dict) -> str:
    parts = [f"{name}: held-out"]
    if held_out:
        parts.append(f"p@1 {held_out['precision_at_1']:.2f}, "
                     f"p@10 {held_out['precision_at_10']:.2f}")
    else:
        parts.append("(no pictures)")
    if other_style:
        parts.append(f"· other style p@10 {other_style['precision_at_10']:.2f}")
    return " ".join(parts)
