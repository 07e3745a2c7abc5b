import numpy as np
import pytest

from engine.audio.signal import (
    N_MELS,
    SAMPLE_RATE,
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
    log_mel,
    mel_filterbank,
    prepare_take,
    read_audio,
)
from engine.errors import EngineError


def tone(freq, seconds, rate=SAMPLE_RATE, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def word_like(seconds=0.5, rate=SAMPLE_RATE, pad=0.5):
    """A tone burst in silence with a little noise, like a word in a quiet room."""
    rng = np.random.default_rng(0)
    burst = tone(440, seconds, rate) * np.hanning(int(seconds * rate)).astype(np.float32)
    quiet = np.zeros(int(pad * rate), np.float32)
    x = np.concatenate([quiet, burst, quiet])
    return x + rng.normal(0, 1e-4, len(x)).astype(np.float32)


def test_log_mel_of_a_tone_peaks_in_the_band_of_its_frequency():
    features = log_mel(tone(1000, 1.0)).numpy()
    assert features.shape == (N_MELS, 100)
    bank = mel_filterbank()
    freqs = np.linspace(0, SAMPLE_RATE / 2, bank.shape[0])
    expected = int(np.argmax(bank[np.argmin(np.abs(freqs - 1000))]))
    assert abs(int(np.argmax(features[:, 50])) - expected) <= 1
    # A tone of amplitude 0.5 is loud in its band and about silent far from it.
    assert features[expected, 50] - features[-1, 50] > 8


def test_log_mel_works_on_a_batch():
    batch = np.stack([tone(300, 2.0), tone(3000, 2.0)])
    features = log_mel(batch)
    assert tuple(features.shape) == (2, N_MELS, WINDOW_FRAMES)
    assert int(features[0, :, 100].argmax()) < int(features[1, :, 100].argmax())


def test_a_take_is_centred_in_the_window():
    take = prepare_take(word_like(0.5))
    assert take.samples.shape == (WINDOW_SAMPLES,)
    assert 0.45 <= take.voiced_seconds <= 0.6
    loud = np.flatnonzero(np.abs(take.samples) > 0.05)
    centre = (loud[0] + loud[-1]) / 2
    assert abs(centre - WINDOW_SAMPLES / 2) < 0.05 * SAMPLE_RATE
    assert take.notes == ()


def test_8khz_stereo_is_resampled_and_mixed_down(tmp_path):
    import soundfile

    x = word_like(0.5, rate=8000)
    path = tmp_path / "stereo.wav"
    soundfile.write(path, np.stack([x, x], axis=1), 8000)
    samples = read_audio(path)
    assert len(samples) == pytest.approx(2 * len(x), abs=2)
    take = prepare_take(samples)
    assert 0.45 <= take.voiced_seconds <= 0.6


@pytest.mark.parametrize("suffix,fmt", [(".flac", "FLAC"), (".ogg", "OGG")])
def test_flac_and_ogg_are_read(tmp_path, suffix, fmt):
    import soundfile

    path = tmp_path / f"word{suffix}"
    soundfile.write(path, word_like(0.4, rate=44100), 44100, format=fmt)
    samples = read_audio(path)
    assert abs(len(samples) - 1.4 * SAMPLE_RATE) < 0.01 * SAMPLE_RATE
    assert np.abs(samples).max() > 0.3


def test_silence_is_refused_with_advice():
    with pytest.raises(EngineError, match="silent") as e:
        prepare_take(np.zeros(SAMPLE_RATE, np.float32))
    assert "microphone" in e.value.hint
    with pytest.raises(EngineError, match="silent"):
        prepare_take(np.full(SAMPLE_RATE, 1e-4, np.float32))


def test_a_1_ms_clip_is_too_short():
    with pytest.raises(EngineError, match="1 ms"):
        prepare_take(tone(440, 0.001))


def test_a_10_minute_clip_is_refused_before_reading(tmp_path):
    import soundfile

    path = tmp_path / "long.flac"
    soundfile.write(path, np.zeros(600 * 8000, np.int16), 8000, format="FLAC")
    with pytest.raises(EngineError, match="600 s"):
        read_audio(path)
    with pytest.raises(EngineError, match="one word"):
        prepare_take(np.zeros(600 * 8000, np.float32), 8000)


def test_a_clipped_take_is_used_and_says_so():
    x = np.clip(word_like(0.5) * 8, -1, 1)
    take = prepare_take(x)
    assert any("clipped" in n for n in take.notes)


def test_a_long_sound_keeps_its_loudest_window():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.01, 5 * SAMPLE_RATE).astype(np.float32)
    x[3 * SAMPLE_RATE:int(3.5 * SAMPLE_RATE)] += tone(500, 0.5)
    take = prepare_take(x)
    assert any("loudest" in n for n in take.notes)
    assert np.abs(take.samples).max() > 0.4


def test_corrupt_and_missing_files_name_the_problem(tmp_path):
    bad = tmp_path / "word.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really a wave file")
    with pytest.raises(EngineError, match="not a readable sound file"):
        read_audio(bad)
    with pytest.raises(EngineError, match="no such file"):
        read_audio(tmp_path / "missing.wav")


def test_nan_samples_are_refused():
    x = word_like(0.5)
    x[100] = np.nan
    with pytest.raises(EngineError, match="NaN"):
        prepare_take(x)
