"""A tiny spoken-word set and models trained on it, shared by the audio tests (built
once per session: about 30 s)."""

import pytest
import torch

from engine.audio.dataset import build_dataset, load_dataset
from engine.audio.training import AudioTrainingSettings, train_audio_models
from engine.audio.voices import Voice

WORDS = ["house", "water", "garden", "people", "country", "between", "yellow", "table"]
# Two accents (one is held out whole) and six variants (one is held out in every accent).
# flite and festival's kal and slt train; flite's awb and rms are held out.
VOICES = [Voice("espeak-ng", f"{accent}{variant}") for accent in ("en-us", "en")
          for variant in ("", "+f2", "+m3", "+klatt", "+f4", "+m6")] + [
    Voice("flite", name) for name in ("kal", "kal16", "slt", "awb", "rms")] + [
    Voice("festival", "kal")]
SETTINGS = AudioTrainingSettings(epochs=25, batch=8, channels=(32, 32, 48, 64),
                                 embedding=32, letter_epochs=40, lr=5e-3, augment=False)


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spoken") / "set"
    build_dataset(folder, n_heard=6, n_held_out=2, espeak_per_word=8,
                  espeak_tests_per_word=4, voices=VOICES, words=WORDS)
    data = load_dataset(folder)
    torch.manual_seed(0)
    return data, train_audio_models(data, SETTINGS)


