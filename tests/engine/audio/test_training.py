import numpy as np
import pytest
import torch

from engine.audio.evaluate import evaluate_audio_models, same_different_ap, top_k_hits
from engine.audio.models import load_models, save_models
from engine.audio.training import (
    augment_features,
    augment_waves,
    place_clips,
    train_audio_models,
)
from engine.jobs import Cancelled, CancelToken
from tests.audio_tiny import SETTINGS


def test_a_tiny_training_beats_chance_on_held_out_voices(trained):
    data, models = trained
    report = evaluate_audio_models(models, data)
    assert report["in_vocabulary"]["clips"] > 0 and report["out_of_vocabulary"]["clips"] > 0
    assert report["test_voices"] >= 4
    # chance is 1/6; a model that learnt nothing stays near it
    assert report["in_vocabulary"]["classifier"]["top1"] > 0.45
    assert report["in_vocabulary"]["letters"]["top1"] > 1.5 / 8
    assert report["same_different_ap"] > 0.3
    assert models.manifest["acoustic"]["history"][-1]["loss"] < \
        models.manifest["acoustic"]["history"][0]["loss"]


def test_models_survive_saving_and_loading(trained, tmp_path):
    data, models = trained
    save_models(models, tmp_path / "m")
    again = load_models(tmp_path / "m")
    assert again.words == models.words and again.ngrams.grams == models.ngrams.grams
    waves = torch.from_numpy(place_clips([data.clip(0), data.clip(1)], None))
    from engine.audio.training import features_of

    with torch.no_grad():
        a = models.acoustic(features_of(waves))
        b = again.acoustic(features_of(waves))
    assert torch.allclose(a, b, atol=0.05 * float(a.abs().max()))
    assert np.allclose(models.embed_words(["garden"]), again.embed_words(["garden"]),
                       atol=0.02)


def test_training_stops_when_cancelled(trained):
    data, _ = trained
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        train_audio_models(data, SETTINGS, cancel=cancel)


def test_augmentation_keeps_shapes_and_changes_the_input():
    rng = np.random.default_rng(0)
    clip = np.sin(np.arange(8000) / 5).astype(np.float32) * 0.5
    waves = torch.from_numpy(place_clips([clip, clip], rng))
    assert waves.shape == (2, 32000)
    assert not torch.equal(waves[0], waves[1])  # each its own speed and shift
    generator = torch.Generator().manual_seed(0)
    noisy = augment_waves(waves, generator)
    assert noisy.shape == waves.shape and not torch.equal(noisy, waves)
    from engine.audio.signal import log_mel

    features = augment_features(log_mel(noisy), generator)
    assert features.shape == (2, 40, 200)
    assert float(features.min()) >= -1.0 and float(features.max()) <= 1.0 + 1e-5


def test_scores():
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.1, 0.7]])
    assert top_k_hits(scores, np.array([0, 1]), ks=(1, 2)) == {"top1": 0.5, "top2": 0.5}
    points = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    assert same_different_ap(points, np.array([0, 0, 1, 1])) == pytest.approx(1.0)
