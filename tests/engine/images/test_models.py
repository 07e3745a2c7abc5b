"""WARP's rank estimate and weights, ConSE's convex combination, and tiny trainings of
every model that must beat chance."""

import numpy as np
import pytest

pytest.importorskip("torch")

from engine.images.models import (  # noqa: E402
    conse,
    train_classifier,
    train_devise,
    train_wsabie,
    unit_rows,
    warp_rank_estimate,
    warp_rank_weight,
)


def test_warp_rank_estimate_and_weight_by_hand():
    # 101 labels: the first sample violating -> rank 100; after 10 samples -> 10; 200 -> 0
    assert warp_rank_estimate(101, 1) == 100
    assert warp_rank_estimate(101, 10) == 10
    assert warp_rank_estimate(101, 200) == 0
    assert warp_rank_weight(0) == 0.0
    assert warp_rank_weight(1) == 1.0
    assert warp_rank_weight(3) == pytest.approx(1 + 1 / 2 + 1 / 3)
    assert warp_rank_weight(10) == pytest.approx(2.9289683, rel=1e-6)


def test_conse_is_a_convex_combination_of_the_top_classes():
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    p = np.array([[0.6, 0.3, 0.1]])
    np.testing.assert_allclose(conse(p, vectors, top=1), [[1, 0, 0]], atol=1e-6)
    two = conse(p, vectors, top=2)[0]  # (0.6 s0 + 0.3 s1) / 0.9, then unit length
    np.testing.assert_allclose(two, unit_rows(np.array([[2 / 3, 1 / 3, 0]]))[0], atol=1e-6)
    every = conse(p, vectors, top=None)[0]
    np.testing.assert_allclose(every, unit_rows(np.array([[0.6, 0.3, 0.1]]))[0], atol=1e-6)


def clusters(n_labels=8, per_label=20, dim=32, seed=0):
    """Features around one centre per label."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_labels, dim))
    labels = np.repeat(np.arange(n_labels), per_label)
    features = centres[labels] + 0.6 * rng.standard_normal((len(labels), dim))
    return features.astype(np.float32), labels


def precision_at_1(scores, labels):
    return float((scores.argmax(axis=1) == labels).mean())


@pytest.mark.parametrize("train", [
    lambda x, y: train_classifier(x, y, 8, epochs=100).scores,
    lambda x, y: train_wsabie(x, y, 8, dim=16, loss="warp", epochs=10).scores,
    lambda x, y: train_wsabie(x, y, 8, dim=16, loss="hinge", epochs=10).scores,
], ids=["classifier", "wsabie-warp", "wsabie-hinge"])
def test_tiny_trainings_beat_chance_on_held_out_pictures(train):
    x, y = clusters()
    held = np.arange(len(y)) % 5 == 0
    scores = train(x[~held], y[~held])(x[held])
    assert precision_at_1(scores, y[held]) > 0.6  # chance: 1/8


def test_devise_maps_pictures_near_their_labels_words_and_reaches_unseen_ones():
    rng = np.random.default_rng(3)
    words = unit_rows(rng.standard_normal((10, 12)))
    # Pictures are a fixed linear image of their label's word, plus noise: a map back
    # exists, so a label never trained on (8, 9) can be found too.
    mix = rng.standard_normal((12, 40))
    labels = np.repeat(np.arange(10), 15)
    features = words[labels] @ mix + 0.05 * rng.standard_normal((len(labels), 40))
    seen = labels < 8
    model = train_devise(features[seen], labels[seen], words[:8], epochs=300)
    unseen = model.embed(features[~seen]) @ words.T
    assert precision_at_1(unseen, labels[~seen]) > 0.3  # chance over 10 words: 0.1


def test_training_never_imports_torch_dynamo_or_triton():
    """torch.optim imports torch._dynamo, which imports Triton, which crashed a process
    with Qt loaded: the image models use their own Adam."""
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from engine.images.models import train_classifier, train_devise\n"
            "x = np.random.default_rng(0).random((20, 8)).astype('float32')\n"
            "y = np.arange(20) % 4\n"
            "train_classifier(x, y, 4, epochs=3)\n"
            "train_devise(x, y, np.eye(4, 5, dtype='float32'), epochs=3)\n"
            "print('torch._dynamo' in sys.modules, 'triton' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
