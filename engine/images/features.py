"""The encoder's features and ImageNet probabilities of a picture set, computed once and
cached: every model of the image-label space trains and is evaluated on them.

The cache file is keyed by the pictures (their paths, sizes and modification times) and
the encoder's weights file, so a rebuilt set or another encoder never reads stale
features. Each picture may also be encoded flipped left-right ("views" 2): a drawing
mirrored is the same concept, and the training split gains a second view for free.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import cache_dir


@dataclass(frozen=True, eq=False)
class PictureFeatures:
    """Row i of each array belongs to ``paths[i]``; ``flipped`` holds the same for the
    mirrored pictures (or ``None``)."""

    paths: tuple[str, ...]
    features: np.ndarray  # N x 1280 float32
    probabilities: np.ndarray  # N x 1000 float32, ImageNet softmax
    flipped_features: np.ndarray | None = None
    flipped_probabilities: np.ndarray | None = None


def _key(paths: Sequence[str], weights: Path, variant: str) -> str:
    """``variant``: "flipped", "plain" or "style:<name>"."""
    h = hashlib.sha256()
    for path in [*paths, str(weights)]:
        try:
            stat = os.stat(path)
            h.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{path}|missing\n".encode())
    h.update(variant.encode())
    return h.hexdigest()[:24]


def encode_pictures(
    encoder,
    paths: Sequence[str],
    flipped: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    batch: int = 16,
) -> PictureFeatures:
    """Features and probabilities of every picture (cached in ``<cache>/images``). A
    picture that cannot be read is an error naming it: a picture set is the program's
    own, and a broken file in it is worth knowing about."""
    from engine.images.encoder import weights_path
    from engine.images.loading import load_rgb
    from engine.storage import atomic_write_bytes

    paths = tuple(str(p) for p in paths)
    cache = cache_dir("images", "features") / \
        f"{_key(paths, weights_path(), 'flipped' if flipped else 'plain')}.npz"
    if cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as data:
                if json.loads(str(data["paths"])) == list(paths):
                    progress(Progress(1.0, "Loaded the pictures' features from the cache"))
                    return PictureFeatures(
                        paths, data["features"], data["probabilities"],
                        data["flipped_features"] if flipped else None,
                        data["flipped_probabilities"] if flipped else None)
        except (OSError, ValueError, KeyError):
            pass  # damaged: encode again
    parts: dict[str, list[np.ndarray]] = {"f": [], "p": [], "ff": [], "fp": []}
    for start in range(0, len(paths), batch):
        cancel.raise_if_cancelled()
        progress(Progress(start / max(len(paths), 1),
                          f"Encoding pictures {start + 1:,}-"
                          f"{min(start + batch, len(paths)):,} of {len(paths):,}"))
        pictures = np.stack([load_rgb(p) for p in paths[start:start + batch]])
        f, p = encoder.encode(pictures)
        parts["f"].append(f)
        parts["p"].append(p)
        if flipped:
            f, p = encoder.encode(np.ascontiguousarray(pictures[:, :, ::-1]))
            parts["ff"].append(f)
            parts["fp"].append(p)
    if not paths:
        raise EngineError("There are no pictures to encode.")
    result = PictureFeatures(
        paths, np.concatenate(parts["f"]), np.concatenate(parts["p"]),
        np.concatenate(parts["ff"]) if flipped else None,
        np.concatenate(parts["fp"]) if flipped else None)
    import io

    buffer = io.BytesIO()
    arrays = {"paths": np.array(json.dumps(list(paths))), "features": result.features,
              "probabilities": result.probabilities}
    if flipped:
        arrays |= {"flipped_features": result.flipped_features,
                   "flipped_probabilities": result.flipped_probabilities}
    np.savez(buffer, **arrays)
    atomic_write_bytes(cache, buffer.getvalue())
    progress(Progress(1.0, f"Encoded {len(paths):,} pictures"))
    return result


def encode_restyled(
    encoder,
    paths: Sequence[str],
    styles: Sequence[str],
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    batch: int = 16,
) -> dict[str, np.ndarray]:
    """The features (N x 1280) of every picture restyled by each of ``styles``
    (``augment.STYLES``), one cache file per style beside ``encode_pictures``' own: the
    training split's extra views, encoded once."""
    from engine.images.augment import STYLES
    from engine.images.encoder import weights_path
    from engine.images.loading import load_rgb
    from engine.storage import atomic_write_bytes

    unknown = [s for s in styles if s not in STYLES]
    if unknown:
        raise EngineError(f"Unknown picture styles: {', '.join(unknown)}.",
                          f"Use some of: {', '.join(STYLES)}.")
    if not paths:
        raise EngineError("There are no pictures to encode.")
    paths = tuple(str(p) for p in paths)
    result = {}
    for n, style in enumerate(styles):
        cache = cache_dir("images", "features") / \
            f"{_key(paths, weights_path(), f'style:{style}')}.npz"
        if cache.is_file():
            try:
                with np.load(cache, allow_pickle=False) as data:
                    if json.loads(str(data["paths"])) == list(paths):
                        result[style] = data["features"]
                        continue
            except (OSError, ValueError, KeyError):
                pass  # damaged: encode again
        parts = []
        for start in range(0, len(paths), batch):
            cancel.raise_if_cancelled()
            progress(Progress((n + start / len(paths)) / len(styles),
                              f"Encoding pictures as {style}: {start + 1:,}-"
                              f"{min(start + batch, len(paths)):,} of {len(paths):,}"))
            pictures = np.stack([STYLES[style](load_rgb(p))
                                 for p in paths[start:start + batch]])
            parts.append(encoder.encode(pictures)[0])
        result[style] = np.concatenate(parts)
        import io

        buffer = io.BytesIO()
        np.savez(buffer, paths=np.array(json.dumps(list(paths))), features=result[style])
        atomic_write_bytes(cache, buffer.getvalue())
    progress(Progress(1.0, f"Encoded {len(paths):,} pictures in {len(styles)} styles"))
    return result
