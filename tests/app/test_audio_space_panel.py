"""The Audio tab's audio-word space: it opens when the tab is first shown, with every
candidate word placed by sound; a ranked take is drawn among the words as a probe linked
to its best words by spelling; a word selected there selects the same word in the word
space. The tiny audio models of tests/conftest.py stand in for the shipped ones."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from engine.audio.ranking import TakeRanking
from engine.audio.signal import SAMPLE_RATE
from tests.audio_tiny import WORDS

TIMEOUT_MS = 60_000


@pytest.fixture
def audio_window(qtbot, window, tiny_audio_models, monkeypatch):
    import engine.paths

    # The named space "audio-words" is made from the default models: the tiny ones here.
    monkeypatch.setattr(engine.paths, "DEFAULT_AUDIO_MODELS", tiny_audio_models)
    window.audio_panel.models_folder = tiny_audio_models
    assert window.audio_state.space is None  # nothing loads before the tab is shown
    window.tabs.setCurrentIndex(window.tabs.indexOf(window.audio_tab))
    qtbot.waitUntil(lambda: len(window.audio_state.keys) > 0, timeout=TIMEOUT_MS)
    return window


def test_the_audio_space_opens_with_every_candidate(audio_window):
    state = audio_window.audio_state
    assert sorted(state.keys) == sorted(WORDS)
    assert state.coords.shape == (len(WORDS), state.dims)
    assert np.isfinite(state.coords).all() and state.coords.std(axis=0).min() > 0
    assert state.space.metadata["heard"] is not None


def test_a_ranked_take_is_drawn_among_the_words(qtbot, audio_window, trained, tmp_path):
    data, _ = trained
    rows = data.rows("train")
    clip = data.clip(int(rows[data.clip_word[rows] == data.words.index("garden")][0]))
    path = tmp_path / "garden.wav"
    soundfile.write(path, clip, SAMPLE_RATE, subtype="PCM_16")
    state = audio_window.audio_state
    audio_window.audio_panel.rank_file(path)
    qtbot.waitUntil(lambda: bool(state.probes), timeout=TIMEOUT_MS)
    probe = state.probes[0]
    assert probe.name == "garden.wav"
    assert 1 <= len(probe.linked) <= 5
    assert list(probe.linked) == audio_window.audio_panel.shown_words("by_spelling")[
        :len(probe.linked)]
    assert set(state.highlighted) == set(probe.linked)
    low, high = state.coords.min(axis=0), state.coords.max(axis=0)
    assert ((probe.position >= low - 1e-3) & (probe.position <= high + 1e-3)).all()
    # A take ranked by models of another size has no place here: the old probe goes.
    other = TakeRanking(source="microphone", embedding=(0.1,) * (state.space.dim + 3))
    audio_window.audio_space_panel.show_take(other)
    assert not state.probes and not state.highlighted


def test_a_word_selected_in_the_audio_space_says_when_the_word_space_lacks_it(
        qtbot, audio_window):
    state = audio_window.audio_state
    with qtbot.waitSignal(audio_window.selection.status_message, timeout=5_000) as said:
        state.select(state.resolve("garden"))  # the small word space has no garden
    assert "not in the word space" in said.args[0]
    assert audio_window.state.selection is None
