"""The image-label space: WSABIE's label vectors, as a space like any other.

WSABIE learns one vector per label from pictures alone (no word space involved), and
a picture's embedding is scored against them by dot product. Saved as a native space,
``--space image-labels`` answers neighbours ("which labels lie near dolphin?") and
projections like a word space; its pictures are placed among the labels from the
thumbnail atlas (engine/images/atlas.py). Keys are the shipped models' seen labels, most
pictured first; ``count`` is how many training pictures showed each label.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

NAME = "image-labels"
TITLE = "Image-label space (WSABIE, default image models)"
DESCRIPTION = ("WSABIE's label vectors, learned from the default picture set alone "
               "(resources/images/default-models).")


def label_space(models, atlas=None):
    """An ``EmbeddingSpace`` of the bundle's WSABIE label vectors (``models``:
    shipped.ImageModels), ordered by how many training pictures of the ``atlas`` show
    each label (alphabetical without an atlas)."""
    import numpy as np

    from engine.spaces import EmbeddingSpace

    shown = Counter(p["head"] for p in atlas.pictures if p["split"] == "train") \
        if atlas is not None else Counter()
    pictured = Counter(p["head"] for p in atlas.pictures) if atlas is not None else Counter()
    order = sorted(range(len(models.labels)),
                   key=lambda i: (-shown[models.labels[i]], models.labels[i]))
    keys = tuple(models.labels[i] for i in order)
    vectors = np.asarray(models.wsabie_W, dtype=np.float32)[order]
    return EmbeddingSpace(
        keys, vectors,
        metadata={"count": [shown[k] for k in keys], "pictures": [pictured[k] for k in keys]},
        kind="image-labels",
        info={"name": NAME, "title": TITLE, "description": DESCRIPTION,
              "made_by": "WSABIE (WARP) over EfficientNet-Lite0 features",
              "models": models.manifest.get("description", "")})


def _fingerprint(models_folder: Path, atlas_folder: Path) -> dict:
    out = {}
    for path in (models_folder / "models.npz", models_folder / "labels.json",
                 atlas_folder / "pictures.json"):
        try:
            stat = path.stat()
            out[str(path)] = [stat.st_size, stat.st_mtime_ns]
        except OSError:
            out[str(path)] = None
    return out


def converted_label_space(
    folder: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    models_folder: Path | None = None,
    atlas_folder: Path | None = None,
) -> Path:
    """``folder``, holding the shipped bundle's label space in the native format: saved
    now (atomically) unless a copy of the same bundle is already there."""
    from engine.errors import EngineError
    from engine.images.atlas import THUMBNAILS, load_atlas
    from engine.images.shipped import DEFAULT_MODELS, load_models
    from engine.storage import atomic_write_text, save_space

    models_folder = models_folder or DEFAULT_MODELS
    atlas_folder = atlas_folder or THUMBNAILS
    fingerprint = _fingerprint(models_folder, atlas_folder)
    stamp = folder / "source.json"
    try:
        current = json.loads(stamp.read_text(encoding="utf-8")) == fingerprint
    except (OSError, ValueError):
        current = False
    if current and (folder / "manifest.json").is_file():
        return folder
    progress(Progress(0.1, "Reading the image models"))
    models = load_models(models_folder)
    try:
        atlas = load_atlas(atlas_folder, models_folder)
    except EngineError:
        atlas = None  # the labels still make a space; only their counts are missing
    cancel.raise_if_cancelled()
    save_space(label_space(models, atlas), folder)
    atomic_write_text(stamp, json.dumps(fingerprint, indent=1) + "\n")
    progress(Progress(1.0, f"Saved the image-label space ({len(models.labels):,} labels)"))
    return folder


LAYOUTS = (("umap", 2), ("umap", 3))  # shipped, so the space opens on UMAP at once


def build_label_layouts(progress: ProgressCallback = no_progress,
                        cancel: CancelToken = NEVER_CANCELLED, register: bool = True) -> list[str]:
    """Compute the shipped bundle's label space's UMAP layouts (2-D, 3-D: seconds for a
    thousand labels) into resources/images/projections, replacing older ones, and record
    them in MANIFEST.json; the file names."""
    from engine.images.atlas import load_atlas
    from engine.images.shipped import load_models
    from engine.paths import RESOURCES
    from engine.projection import ProjectionParams, store_shipped

    folder = RESOURCES / "images" / "projections"
    folder.mkdir(parents=True, exist_ok=True)
    space = label_space(load_models(), load_atlas())
    old = set(folder.glob("*.npz"))
    written = [store_shipped(space, ProjectionParams(method=method, dims=dims), folder,
                             progress, cancel)
               for method, dims in LAYOUTS]
    for stale in old - set(written):  # layouts of an older bundle's labels
        stale.unlink()
    if register:
        from engine.images.atlas import REBUILD_COMMAND
        from engine.resources import register_folder

        register_folder(folder, "UMAP layouts (umap-learn, seed 0) of the image-label space "
                        "(the default image models' WSABIE label vectors)",
                        "GPL-2+ (derived from the default image models, as they are)",
                        REBUILD_COMMAND)
    return [p.name for p in written]
