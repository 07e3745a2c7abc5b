import numpy as np
import pytest

from engine.audio.signal import SAMPLE_RATE, voiced_span
from engine.audio.voices import Voice, available_voices, say_words
from engine.errors import EngineError


@pytest.mark.parametrize("voice", [Voice("espeak-ng", "en-gb-scotland+f2"),
                                   Voice("flite", "kal16"), Voice("festival", "ked")])
def test_each_engine_says_words_at_16_khz(voice):
    clips = say_words(voice, ["garden", "water"], np.random.default_rng(0))
    assert len(clips) == 2
    for clip in clips:
        assert clip.dtype == np.float32 and np.abs(clip).max() > 0.05
        start, end = voiced_span(clip)
        assert 0.2 * SAMPLE_RATE < end - start < 1.5 * SAMPLE_RATE


def test_the_seed_sets_each_words_speaking_rate():
    voice = Voice("espeak-ng", "en-us+m3")

    def length(seed):
        clip, = say_words(voice, ["window"], np.random.default_rng(seed))
        start, end = voiced_span(clip)
        return end - start

    assert abs(length(5) - length(5)) < 0.03 * length(5)
    lengths = [length(seed) for seed in range(6)]
    assert max(lengths) > 1.2 * min(lengths)


def test_every_engine_is_installed_here():
    engines = {v.engine for v in available_voices()}
    assert engines == {"espeak-ng", "flite", "festival"}
    assert len(available_voices()) > 100


def test_a_missing_engine_says_how_to_install_it(monkeypatch):
    import engine.audio.voices as voices

    monkeypatch.setattr(voices.shutil, "which", lambda name: None)
    with pytest.raises(EngineError, match="flite is not installed") as e:
        say_words(Voice("flite", "slt"), ["hello"], np.random.default_rng(0))
    assert "apt-get install flite" in e.value.hint


def test_an_unknown_espeak_voice_is_named():
    with pytest.raises(EngineError, match="no voice 'xx-nowhere'"):
        say_words(Voice("espeak-ng", "xx-nowhere"), ["hello"], np.random.default_rng(0))
