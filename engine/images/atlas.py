"""The thumbnail atlas shipped in ``resources/images/thumbnails``: every picture of the
default set, small, with where it lies in WSABIE's joint space, so the image-label space
can show its pictures among its labels without the picture set being rebuilt.

* ``atlas.png``: ``TILE`` x ``TILE`` thumbnails in rows of ``COLUMNS`` (picture ``i`` at
  column ``i % COLUMNS``, row ``i // COLUMNS``), drawn on white as the encoder sees them;
* ``pictures.json``: per picture its label, head noun, source, split and a short name;
  with the sha256 of the models whose joint space ``vectors.npy`` is in, so a rebuilt
  bundle with a stale atlas is noticed instead of drawing pictures in the wrong places;
* ``vectors.npy``: WSABIE's embedding of each picture (float16, N x d).

``python -m engine images build-atlas`` rebuilds it (``build-default-models`` does too).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import RESOURCES

THUMBNAILS = RESOURCES / "images" / "thumbnails"
TILE = 40
COLUMNS = 64
REBUILD_COMMAND = "python -m engine images build-atlas"


@dataclass(frozen=True, eq=False)
class Atlas:
    """The shipped pictures: thumbnails (H x W x 3 uint8), their metadata (one dict per
    picture) and their WSABIE vectors (N x d float32)."""

    image: np.ndarray
    pictures: tuple[dict, ...]
    vectors: np.ndarray
    tile: int = TILE
    columns: int = COLUMNS

    def __len__(self) -> int:
        return len(self.pictures)

    def tile_of(self, i: int) -> np.ndarray:
        """Picture ``i``'s thumbnail (tile x tile x 3)."""
        r, c = divmod(i, self.columns)
        t = self.tile
        return self.image[r * t:(r + 1) * t, c * t:(c + 1) * t]


def models_fingerprint(models_folder: Path) -> str:
    """The sha256 of a bundle's ``models.npz``: which joint space the vectors are in."""
    try:
        return hashlib.sha256((models_folder / "models.npz").read_bytes()).hexdigest()
    except OSError:
        return ""


def short_name(path: str, source: str) -> str:
    """What to call a picture: its file name without the folders ("crow.png")."""
    name = Path(path).name
    return name if source == "tuxpaint" else f"{source.removeprefix('emoji-')}: {name}"


def build_atlas(
    models_folder: Path | None = None,
    out: Path = THUMBNAILS,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    register: bool = True,
) -> dict:
    """Draw every picture of the default set small and embed it with the bundle's WSABIE;
    save the atlas atomically (and record it in MANIFEST.json)."""
    from PIL import Image

    from engine.engine import Engine
    from engine.images.dataset import build_dataset, default_dataset_path, load_dataset
    from engine.images.features import encode_pictures
    from engine.images.loading import load_rgb
    from engine.images.shipped import DEFAULT_MODELS, load_models
    from engine.storage import atomic_write_bytes, atomic_write_text

    models_folder = models_folder or DEFAULT_MODELS
    models = load_models(models_folder)
    if not default_dataset_path().is_file():
        build_dataset(progress=progress, cancel=cancel)
    pictures, _ = load_dataset()
    features = encode_pictures(Engine().image_encoder(), [p.path for p in pictures],
                               progress=lambda p: progress(Progress(0.5 * p.fraction,
                                                                    p.message)),
                               cancel=cancel)
    vectors = models.wsabie.embed(features.features)
    rows = -(-len(pictures) // COLUMNS)
    sheet = np.full((rows * TILE, COLUMNS * TILE, 3), 255, dtype=np.uint8)
    for i, picture in enumerate(pictures):
        if i % 200 == 0:
            cancel.raise_if_cancelled()
            progress(Progress(0.5 + 0.45 * i / len(pictures),
                              f"Drawing thumbnails {i + 1:,} of {len(pictures):,}"))
        small = Image.fromarray(load_rgb(picture.path)).resize((TILE, TILE), Image.LANCZOS)
        r, c = divmod(i, COLUMNS)
        sheet[r * TILE:(r + 1) * TILE, c * TILE:(c + 1) * TILE] = np.asarray(small)
    out.mkdir(parents=True, exist_ok=True)
    png = io.BytesIO()
    Image.fromarray(sheet).save(png, format="PNG", optimize=True)
    atomic_write_bytes(out / "atlas.png", png.getvalue())
    npy = io.BytesIO()
    np.save(npy, vectors.astype(np.float16))
    atomic_write_bytes(out / "vectors.npy", npy.getvalue())
    entries = [{"name": short_name(p.path, p.source), "label": p.label, "head": p.head,
                "source": p.source, "split": p.split, "category": p.category}
               for p in pictures]
    index = {"tile": TILE, "columns": COLUMNS, "models_sha256": models_fingerprint(models_folder),
             "rebuild": REBUILD_COMMAND, "pictures": entries}
    # Written last: a crash before it leaves the old index, whose fingerprint then fails.
    atomic_write_text(out / "pictures.json", json.dumps(index) + "\n")
    if register:
        from engine.resources import register_folder

        register_folder(out, "thumbnails of the default picture set (Tux Paint stamps from "
                        "tuxpaint-stamps-default; emoji drawn from fonts-noto-color-emoji, "
                        "fonts-symbola and unifont) with their WSABIE vectors",
                        "GPL-2+ (Tux Paint stamps); OFL-1.1 (Noto Color Emoji); "
                        "free use (Symbola); GPL-2+ with font exception (Unifont)",
                        REBUILD_COMMAND)
    layouts = []
    if register:  # the shipped atlas orders the label space: its layouts go with it
        from engine.images.label_space import build_label_layouts

        layouts = build_label_layouts(cancel=cancel)
    progress(Progress(1.0, f"Drew {len(pictures):,} thumbnails"))
    return {"layouts": layouts, "out": str(out), "pictures": len(pictures),
            "bytes": sum(f.stat().st_size for f in out.iterdir() if f.is_file())}


def load_atlas(folder: Path = THUMBNAILS, models_folder: Path | None = None) -> Atlas:
    """The shipped atlas; a clear error when it is missing, damaged or made with other
    models than ``models_folder``'s (the default bundle)."""
    from PIL import Image

    from engine.images.shipped import DEFAULT_MODELS

    models_folder = models_folder or DEFAULT_MODELS
    try:
        index = json.loads((folder / "pictures.json").read_text(encoding="utf-8"))
        with Image.open(folder / "atlas.png") as im:
            image = np.asarray(im.convert("RGB"))
        vectors = np.load(folder / "vectors.npy", allow_pickle=False).astype(np.float32)
        pictures = tuple(index["pictures"])
        tile, columns = int(index["tile"]), int(index["columns"])
    except FileNotFoundError:
        raise EngineError(f"The thumbnail atlas is missing from {folder}.",
                          f"Rebuild it: {REBUILD_COMMAND}") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise EngineError(f"The thumbnail atlas in {folder} cannot be read ({e}).",
                          f"Rebuild it: {REBUILD_COMMAND}") from None
    if len(vectors) != len(pictures) or image.shape[0] < -(-len(pictures) // columns) * tile:
        raise EngineError(f"The thumbnail atlas in {folder} does not match its index.",
                          f"Rebuild it: {REBUILD_COMMAND}")
    if index.get("models_sha256") != models_fingerprint(models_folder):
        raise EngineError(f"The thumbnail atlas in {folder} was made with other image "
                          "models than those shipped.", f"Rebuild it: {REBUILD_COMMAND}")
    return Atlas(image, pictures, vectors, tile, columns)
