"""A tiny picture set with a planted answer, for trainings that must finish in seconds:
each label's pictures are a fixed linear image of its word vector plus noise (ReLU'd,
like the encoder's features), so every model has something to find."""

from __future__ import annotations

import numpy as np

from engine.images.dataset import Picture
from engine.images.features import PictureFeatures
from engine.spaces import EmbeddingSpace


def planted_picture_set(labels: int = 20, per_label: int = 8, other_style: int = 2,
                        dim: int = 16, noise: float = 4.0, seed: int = 0):
    """``(pictures, features, space)``: ``per_label`` stamps of each label (one in four a
    "test" picture, the rest "train") and ``other_style`` "style-test" pictures, drawn
    with another fixed distortion; the space knows every label and a few other words."""
    rng = np.random.default_rng(seed)
    heads = [f"thing{i}" for i in range(labels)]
    words = rng.standard_normal((labels + 4, dim)).astype(np.float32)
    space = EmbeddingSpace((*heads, "other0", "other1", "other2", "other3"), words)
    mix = rng.standard_normal((dim, 1280)).astype(np.float32)
    style_shift = np.abs(rng.standard_normal(1280)).astype(np.float32)
    pictures, rows = [], []
    for i, head in enumerate(heads):
        for j in range(per_label + other_style):
            split = ("style-test" if j >= per_label else "test" if j % 4 == 0 else "train")
            pictures.append(Picture(f"/planted/{head}-{j}.png", head, head, f"A {head}.",
                                    "things", "tuxpaint", split))
            row = words[i] @ mix + noise * rng.standard_normal(1280)
            rows.append(row + style_shift if split == "style-test" else row)
    features = np.maximum(np.asarray(rows, dtype=np.float32), 0)
    probabilities = np.full((len(pictures), 1000), 1e-3, dtype=np.float32)
    mirrored = np.maximum(features + 0.05 * rng.standard_normal(features.shape), 0)
    return pictures, PictureFeatures(tuple(p.path for p in pictures), features, probabilities,
                                     mirrored.astype(np.float32), probabilities), space
