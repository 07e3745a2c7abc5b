import shutil
import subprocess
import threading
import time

import numpy as np
import pytest

from engine.audio import capture
from engine.audio.capture import Recorder, record
from engine.audio.signal import SAMPLE_RATE, voiced_span
from engine.audio.voices import Voice, say_words
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken


def test_no_input_device_says_what_to_do(monkeypatch):
    sd = pytest.importorskip("sounddevice")
    speakers_only = [{"name": "speakers", "max_input_channels": 0,
                      "max_output_channels": 2, "default_samplerate": 48000.0}]
    monkeypatch.setattr(sd, "query_devices", lambda *a, **k: speakers_only)
    with pytest.raises(EngineError, match="No microphone") as e:
        Recorder().start()
    assert "microphone" in e.value.hint and "sound file" in e.value.hint


def test_a_broken_sound_system_is_an_engine_error(monkeypatch):
    sd = pytest.importorskip("sounddevice")

    def broken(*a, **k):
        raise sd.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sd, "query_devices", broken)
    with pytest.raises(EngineError, match="cannot list devices"):
        capture.input_devices()


def test_record_refuses_silly_lengths():
    with pytest.raises(EngineError, match="Cannot record"):
        record(0)
    with pytest.raises(EngineError, match="Cannot record"):
        record(3600)


@pytest.fixture(scope="module")
def virtual_microphone():
    """scripts/virtual_mic.sh: PulseAudio with a null sink whose monitor is the default
    source (CI's test command starts it; started here too when it is not running)."""
    from pathlib import Path

    if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
        pytest.fail("PulseAudio is not installed: run scripts/setup.sh")
    script = Path(__file__).resolve().parents[3] / "scripts" / "virtual_mic.sh"
    subprocess.run(["bash", str(script)], check=True, timeout=30)
    return "vmic"


def play(samples: np.ndarray, tmp_path, delay: float = 0.3) -> threading.Thread:
    import soundfile

    path = tmp_path / "played.wav"
    soundfile.write(path, samples, SAMPLE_RATE, subtype="PCM_16")

    def run():
        time.sleep(delay)
        subprocess.run(["paplay", "--device=vmic", str(path)], check=True, timeout=30)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_word_played_into_the_virtual_microphone_is_recorded(virtual_microphone,
                                                               tmp_path):
    said, = say_words(Voice("festival", "ked"), ["garden"], np.random.default_rng(0))
    start, end = voiced_span(said)
    word = said[start:end]  # festival's own silence trimmed, so the take holds all of it
    recorder = Recorder()
    recorder.start()
    deadline = time.monotonic() + 10
    while recorder.seconds < 0.1 and time.monotonic() < deadline:  # the stream is live
        time.sleep(0.01)
    player = play(word, tmp_path, delay=0.0)
    player.join()
    time.sleep(0.3)
    taken = recorder.stop()
    assert len(taken) > len(word)
    start, end = voiced_span(taken)
    assert end - start > 0.3 * SAMPLE_RATE
    # the recording is the word itself, wherever it landed in the take
    lag = int(np.argmax(np.correlate(taken, word, "valid")))
    segment = taken[lag:lag + len(word)]
    assert np.corrcoef(segment, word)[0, 1] > 0.98


def test_recording_can_be_cancelled(virtual_microphone):
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        record(10.0, cancel=cancel)
    assert time.perf_counter() - started < 5.0  # opening the stream is most of it
