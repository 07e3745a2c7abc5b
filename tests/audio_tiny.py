"""A tiny spoken-word set and the models trained on it, shared by the audio tests and the
Audio tab's (the ``trained`` fixture of tests/conftest.py builds it once per session:
about 30 s)."""

from engine.audio.training import AudioTrainingSettings
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
