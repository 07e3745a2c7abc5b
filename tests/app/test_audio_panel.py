"""The Audio tab: a sound file or a microphone take is ranked by sound and by spelling,
drawn as waveform and spectrogram; a typed word shows its sound-alikes; a bad file, or no
microphone, says what is wrong. The tiny audio models of tests/conftest.py answer."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from engine.audio.signal import SAMPLE_RATE

TIMEOUT_MS = 60_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def panel(window, tiny_audio_models):
    window.tabs.setCurrentIndex(window.tabs.indexOf(window.audio_panel))
    window.audio_panel.models_folder = tiny_audio_models
    return window.audio_panel


def training_clip(trained, word: str) -> np.ndarray:
    data, _ = trained
    rows = data.rows("train")
    return data.clip(int(rows[data.clip_word[rows] == data.words.index(word)][0]))


def test_a_sound_file_is_ranked_and_drawn(qtbot, panel, trained, tmp_path):
    path = tmp_path / "garden.flac"
    soundfile.write(path, training_clip(trained, "garden"), SAMPLE_RATE, format="FLAC")
    with qtbot.waitSignal(panel.ranked, timeout=TIMEOUT_MS):
        panel.rank_file(path)
    assert panel.shown_words("by_sound")[0] == "garden"
    assert len(panel.shown_words("by_spelling")) == 8  # every candidate of the tiny set
    xs, ys = panel.wave_curve.getData()
    assert xs[-1] == pytest.approx(2.0, abs=0.01) and np.abs(ys).max() > 0.05
    assert panel.spectrogram_image.image.shape == (200, 40)
    assert panel.play_button.isEnabled()


def test_a_bad_file_says_why_and_keeps_the_last_answer_away(qtbot, panel, tmp_path):
    bad = tmp_path / "word.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    with qtbot.waitSignal(panel.ranked, timeout=5_000, raising=False):
        panel.rank_file(bad)
    qtbot.waitUntil(lambda: "not a readable sound file" in panel.notes.text(),
                    timeout=TIMEOUT_MS)
    assert panel.shown_words("by_sound") == []


def test_typing_a_word_shows_its_sound_alikes(qtbot, panel):
    panel.word_box.setText("gardener")
    panel.word_box.returnPressed.emit()
    qtbot.waitUntil(lambda: panel.sounds_like.topLevelItemCount() > 0, timeout=TIMEOUT_MS)
    assert "gardener" not in panel.shown_words("sounds_like")


def test_no_microphone_is_a_message_not_a_crash(qtbot, panel, monkeypatch):
    from engine.audio import capture

    monkeypatch.setattr(capture, "input_devices", lambda: [])
    panel.start_recording()
    qtbot.waitUntil(lambda: "No microphone" in panel.notes.text(), timeout=10_000)
    assert not panel.recording and panel.record_button.isEnabled()


def test_a_word_said_into_the_virtual_microphone_is_ranked(qtbot, panel, trained,
                                                           tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "virtual_mic.sh")], check=True,
                   timeout=30)
    path = tmp_path / "said.wav"
    soundfile.write(path, training_clip(trained, "water"), SAMPLE_RATE, subtype="PCM_16")
    panel.start_recording()
    qtbot.waitUntil(lambda: panel.recording, timeout=10_000)
    qtbot.waitUntil(lambda: panel._recorder.seconds > 0.1, timeout=10_000)
    subprocess.run(["paplay", "--device=vmic", str(path)], check=True, timeout=30)
    time.sleep(0.2)
    with qtbot.waitSignal(panel.ranked, timeout=TIMEOUT_MS):
        panel.record_button.click()  # Stop
    assert "water" in panel.shown_words("by_sound")[:3]
    assert not panel.recording
