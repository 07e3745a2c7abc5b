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


# Pictures encoded together: a batch of 4 ran at 48 pictures/s where one at a time took
# 47 ms each (bench/results/images-cpu.json, 2 cores); one dropped picture waits for no
# other.
BATCH = 4


def trained_labels(trained) -> tuple[str, ...]:
    return trained.labels if trained is not None else ()


def answers_words(answers: Answers | None) -> tuple[str, ...]:
    return tuple(answers.words) if answers is not None else ()


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
    names = {"imagenet": [c.name for c in classes], "classifier": trained_labels(trained),
             "wsabie": trained_labels(trained), "conse": answers_words(answers),
             "devise": answers_words(answers)}
    results: list[PictureLabels] = []
    for start in range(0, len(paths), BATCH):
        cancel.raise_if_cancelled()
        chunk = paths[start:start + BATCH]
        progress(Progress(start / max(len(paths), 1), f"Labelling {Path(chunk[0]).name}"
                          + (f" and {len(chunk) - 1} more" if len(chunk) > 1 else "")))
        read, errors = [], {}
        for j, path in enumerate(chunk):
            try:
                read.append(load_rgb(path))
            except EngineError as e:
                errors[j] = str(e)
        if read:
            features, probabilities = encoder.encode(np.stack(read))
        by_model: dict[str, np.ndarray] = {}  # model -> scores of the chunk's good pictures
        embeddings = None
        if read and trained is not None:
            p = trained.classifier.probabilities(features)
            embeddings = trained.wsabie.embed(features).astype(np.float32)
        for model in models if read else ():
            if model == "imagenet":
                by_model[model] = probabilities
            elif model == "classifier":
                by_model[model] = p
            elif model == "wsabie":
                by_model[model] = embeddings @ trained.wsabie_W.T
            elif model == "conse":
                label_vectors = answers.vectors[:len(trained.labels)]
                by_model[model] = conse(p, label_vectors, 10) @ answers.vectors.T
            elif model == "devise":
                by_model[model] = trained.devise.embed(features) @ answers.vectors.T
        row = 0
        for j, path in enumerate(chunk):
            if j in errors:
                results.append(PictureLabels(Path(path), error=errors[j]))
                continue
            embedding = None
            if embeddings is not None:
                embedding = embeddings[row].copy()
                embedding.setflags(write=False)
            results.append(PictureLabels(
                Path(path), {m: top(scores[row], names[m]) for m, scores in by_model.items()},
                embedding=embedding))
            row += 1
    progress(Progress(1.0, f"Labelled {len(paths)} pictures"))
    return tuple(results)
