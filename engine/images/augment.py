"""Deterministic restylings of a training picture: the same concept drawn another way.

The picture set's training pictures are colour clip-art (Tux Paint stamps, Noto's colour
emoji); its other-style test draws seen labels in black (Symbola's filled outlines,
Unifont's 16 x 16 pixel glyphs). A model trained on colour alone learns colour; these
views of each training picture keep its shape and drop what the other styles lack.
Each takes and returns a ``H x W x 3`` uint8 RGB array (as ``loading.load_rgb`` gives),
black ink on white.

* ``greyscale``: luma only (ITU-R 601, Pillow's "L").
* ``ink``: luma thresholded, dark parts black and the rest white (a stamp's outlines and
  dark fills), as a printed silhouette.
* ``line_drawing``: the luma's edges (Pillow's FIND_EDGES) as black lines on white,
  thickened with a minimum filter to a pen's weight.
* ``pixel_art``: ``ink`` at ``cells`` x ``cells`` pixels, scaled back up without
  smoothing, the way Unifont's glyphs are drawn.
* ``hue_rotated``: the hue turned half-way round the colour wheel, same shape and
  lightness in other colours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _image(picture: np.ndarray):
    from PIL import Image

    picture = np.asarray(picture)
    if picture.ndim != 3 or picture.shape[2] != 3 or picture.dtype != np.uint8:
        raise ValueError(f"a picture is H x W x 3 uint8, not {picture.shape} "
                         f"{picture.dtype}")
    return Image.fromarray(picture, "RGB")


def _rgb(grey) -> np.ndarray:
    return np.asarray(grey.convert("RGB"), dtype=np.uint8)


def greyscale(picture: np.ndarray) -> np.ndarray:
    return _rgb(_image(picture).convert("L"))


def ink(picture: np.ndarray, threshold: int = 128) -> np.ndarray:
    luma = np.asarray(_image(picture).convert("L"))
    out = np.where(luma < threshold, 0, 255).astype(np.uint8)
    return np.repeat(out[:, :, None], 3, axis=2)


def line_drawing(picture: np.ndarray, weight: int = 3, threshold: int = 32) -> np.ndarray:
    """``weight`` is the minimum filter's size (odd): the lines' width in pixels."""
    from PIL import Image, ImageFilter

    edges = np.array(_image(picture).convert("L").filter(ImageFilter.FIND_EDGES))
    # Pillow's 3 x 3 kernels leave the outermost pixels as they were (white: "edges").
    edges[[0, -1], :] = 0
    edges[:, [0, -1]] = 0
    lines = Image.fromarray(np.where(edges > threshold, 0, 255).astype(np.uint8), "L")
    if weight > 1:
        lines = lines.filter(ImageFilter.MinFilter(weight))
    return _rgb(lines)


def pixel_art(picture: np.ndarray, cells: int = 20, threshold: int = 160) -> np.ndarray:
    from PIL import Image

    image = _image(picture).convert("L")
    small = np.asarray(image.resize((cells, cells), Image.Resampling.BOX))
    small = Image.fromarray(np.where(small < threshold, 0, 255).astype(np.uint8), "L")
    return _rgb(small.resize(image.size, Image.Resampling.NEAREST))


def hue_rotated(picture: np.ndarray, turn: float = 0.5) -> np.ndarray:
    """``turn`` of the colour wheel (0.5: red becomes cyan); greys stay as they are."""
    from PIL import Image

    hsv = np.asarray(_image(picture).convert("HSV")).copy()
    hsv[:, :, 0] = ((hsv[:, :, 0].astype(np.int32) + round(turn * 256)) % 256).astype(np.uint8)
    return np.asarray(Image.fromarray(hsv, "HSV").convert("RGB"), dtype=np.uint8)


# Name -> restyling; the names key the features' cache, so a changed function needs a
# new name.
STYLES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "greyscale": greyscale,
    "ink": ink,
    "line_drawing": line_drawing,
    "pixel_art": pixel_art,
    "hue_rotated": hue_rotated,
}

# The restyled copies every trained model sees beside the pictures and their mirror
# images. Measured (bench/results/images-style-augment.json, python -m
# bench.images_wsabie_sweep --styles ...): other-style p@10 0.21 -> 0.37 (classifier)
# and 0.17 -> 0.37 (WSABIE); held-out p@10 0.88 -> 0.83 (classifier), 0.86 -> 0.87
# (WSABIE). Hue rotation changed nothing and is left out.
TRAINING_STYLES = ("ink", "line_drawing", "pixel_art", "greyscale")
