"""Labelling pictures: every picture read, encoded once, and ranked by each model.

This first model is the pretrained network's own ImageNet-1k classifier ("imagenet"),
the anchor the image-label models are measured against; WSABIE, ConSE and DeViSE join
it in later steps. One unreadable file does not stop the others: its entry carries the
error instead of labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

MODELS = ("imagenet",)


@dataclass(frozen=True)
class Label:
    label: str
    score: float

    def to_json(self) -> dict:
        return {"label": self.label, "score": round(float(self.score), 6)}


@dataclass(frozen=True)
class PictureLabels:
    """One picture's ranked labels per model, or why it could not be read."""

    path: Path
    by_model: dict[str, tuple[Label, ...]] = field(default_factory=dict)
    error: str = ""

    def to_json(self) -> dict:
        if self.error:
            return {"error": self.error}
        return {model: [label.to_json() for label in labels]
                for model, labels in self.by_model.items()}


def label_pictures(
    encoder,
    paths: Sequence[Path],
    models: Sequence[str] = MODELS,
    k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> tuple[PictureLabels, ...]:
    """Read, encode and rank ``paths`` with ``encoder`` (an ``ImageEncoder``)."""
    from engine.images.imagenet import imagenet_classes
    from engine.images.loading import load_rgb

    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise EngineError(f"Unknown image model {unknown[0]!r}.",
                          "Use one of: " + ", ".join(MODELS) + ".")
    if k < 1:
        raise EngineError(f"-k must be at least 1, not {k}.")
    classes = imagenet_classes()
    results: list[PictureLabels] = []
    for i, path in enumerate(paths):
        cancel.raise_if_cancelled()
        progress(Progress(i / max(len(paths), 1), f"Labelling {Path(path).name}"))
        try:
            rgb = load_rgb(path)
        except EngineError as e:
            results.append(PictureLabels(Path(path), error=str(e)))
            continue
        _, probabilities = encoder.encode(rgb[None])
        top = np.argsort(-probabilities[0])[:k]
        ranked = tuple(Label(classes[j].name, float(probabilities[0, j])) for j in top)
        results.append(PictureLabels(Path(path), {"imagenet": ranked}))
    progress(Progress(1.0, f"Labelled {len(paths)} pictures"))
    return tuple(results)
