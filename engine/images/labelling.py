"""Labelling pictures: every picture read, encoded once, and ranked by each model.

* ``classifier``, ``wsabie``: the shipped models' seen labels (engine/images/shipped.py);
* ``conse`` (the classifier's top 10, T = 10) and ``devise``: words of the word space
  they were trained over, nouns only (shipped.ANSWER_VOCABULARY most frequent), so they
  can name things no picture showed them;
* ``imagenet``: the pretrained network's own 1,000 ImageNet classes, the anchor.

One unreadable file does not stop the others: its entry carries the error instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

MODELS = ("classifier", "wsabie", "conse", "devise", "imagenet")


@dataclass(frozen=True)
class Label:
    label: str
    score: float

    def to_json(self) -> dict:
        return {"label": self.label, "score": round(float(self.score), 6)}


# eq=False: an ndarray field makes the generated ``==`` ambiguous.
@dataclass(frozen=True, eq=False)
class PictureLabels:
    """One picture's ranked labels per model, or why it could not be read. ``embedding``:
    the picture in WSABIE's joint space (1-D float32, read-only) whenever the shipped
    models are loaded, so it can be drawn among the labels; not part of the JSON."""

    path: Path
    by_model: dict[str, tuple[Label, ...]] = field(default_factory=dict)
    error: str = ""
    embedding: np.ndarray | None = None

    def to_json(self) -> dict:
        if self.error:
            return {"error": self.error}
        return {model: [label.to_json() for label in labels]
                for model, labels in self.by_model.items()}


@dataclass(frozen=True, eq=False)
class Answers:
    """The words ConSE and DeViSE may answer with, as unit vectors."""

    words: tuple[str, ...]
    vectors: np.ndarray


def answer_words(space, labels: Sequence[str], limit: int, nouns: frozenset[str]) -> Answers:
    """The seen labels, then every noun among the space's ``limit`` most frequent."""
    from engine.images.models import unit_rows

    words = list(dict.fromkeys([*(w for w in labels if w in space),
                                *(w for w in space.keys[:limit] if w in nouns)]))
    return Answers(tuple(words), unit_rows(np.stack([space.vector(w) for w in words])))


def label_pictures(
    encoder,
    paths: Sequence[Path],
    models: Sequence[str] = ("imagenet",),
    k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    trained=None,
    answers: Answers | None = None,
) -> tuple[PictureLabels, ...]:
    """Read, encode and rank ``paths`` with ``encoder`` (an ``ImageEncoder``);
    ``trained`` (shipped.ImageModels) and ``answers`` serve every model but imagenet."""
    from engine.images.imagenet import imagenet_classes
    from engine.images.loading import load_rgb
    from engine.images.models import conse

    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise EngineError(f"Unknown image model {unknown[0]!r}.",
                          "Use one of: " + ", ".join(MODELS) + ".")
    if any(m != "imagenet" for m in models) and (trained is None or answers is None):
        raise EngineError("The trained image models are not loaded.",
                          "Rebuild them: python -m engine images build-default-models")
    if k < 1:
        raise EngineError(f"-k must be at least 1, not {k}.")
    classes = imagenet_classes()

    def top(scores: np.ndarray, names: Sequence[str]) -> tuple[Label, ...]:
        best = np.argsort(-scores)[:k]
        return tuple(Label(names[j], float(scores[j])) for j in best)
    results: list[PictureLabels] = []
    for i, path in enumerate(paths):
        cancel.raise_if_cancelled()
        progress(Progress(i / max(len(paths), 1), f"Labelling {Path(path).name}"))
        try:
            rgb = load_rgb(path)
        except EngineError as e:
            results.append(PictureLabels(Path(path), error=str(e)))
            continue
        features, probabilities = encoder.encode(rgb[None])
        by_model: dict[str, tuple[Label, ...]] = {}
        embedding = None
        if trained is not None:
            p = trained.classifier.probabilities(features)
            embedding = trained.wsabie.embed(features)[0].astype(np.float32)
            embedding.setflags(write=False)
        for model in models:
            if model == "imagenet":
                by_model[model] = top(probabilities[0], [c.name for c in classes])
            elif model == "classifier":
                by_model[model] = top(p[0], trained.labels)
            elif model == "wsabie":
                by_model[model] = top(embedding @ trained.wsabie_W.T, trained.labels)
            elif model == "conse":
                label_vectors = answers.vectors[:len(trained.labels)]
                embedded = conse(p, label_vectors, 10)
                by_model[model] = top((embedded @ answers.vectors.T)[0], answers.words)
            elif model == "devise":
                embedded = trained.devise.embed(features)
                by_model[model] = top((embedded @ answers.vectors.T)[0], answers.words)
        results.append(PictureLabels(Path(path), by_model, embedding=embedding))
    progress(Progress(1.0, f"Labelled {len(paths)} pictures"))
    return tuple(results)
