"""Recording from a microphone through sounddevice (PortAudio).

``Recorder`` runs PortAudio's input stream (its own thread) and keeps the blocks it gets;
``level_dbfs`` is the last block's RMS level for a meter, read from any thread. ``record``
is the blocking form for the CLI, with a cancel token. Every PortAudio failure (no
library, no input device, a device that refuses 16 kHz) is an ``EngineError`` that says
what to check; a device that cannot record at 16 kHz records at its own rate and the take
is resampled.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from engine.audio.signal import SAMPLE_RATE, resample
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

MAX_RECORD_SECONDS = 30.0
_NO_INPUT_HINT = ("Plug in a microphone (or choose another input in the system's sound "
                  "settings), then try again; or open a sound file instead.")


def _sounddevice():
    try:
        import sounddevice
    except (ImportError, OSError) as e:  # OSError: the PortAudio library is missing
        raise EngineError(f"Recording needs sounddevice and PortAudio ({e}).",
                          "Install them: apt-get install libportaudio2; "
                          ".venv/bin/pip install sounddevice") from None
    return sounddevice


def input_devices() -> list[dict]:
    """The devices that can record: index, name, channels, default rate."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
    except Exception as e:  # noqa: BLE001 - PortAudioError and friends
        raise EngineError(f"The sound system cannot list devices ({e}).",
                          _NO_INPUT_HINT) from None
    return [{"index": i, "name": d["name"], "channels": d["max_input_channels"],
             "rate": d["default_samplerate"]}
            for i, d in enumerate(devices) if d["max_input_channels"] > 0]


class Recorder:
    """One take from an input device, started and stopped by the caller."""

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self._blocks: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._stream = None
        self.rate = SAMPLE_RATE
        self.level_dbfs = -120.0
        self.overflows = 0

    def _callback(self, data, frames, _time, status) -> None:
        if status and status.input_overflow:
            self.overflows += 1
        block = data[:, 0].copy()
        rms = float(np.sqrt(np.mean(block.astype(np.float64) ** 2))) if len(block) else 0.0
        self.level_dbfs = 20 * np.log10(rms) if rms > 1e-6 else -120.0
        with self._lock:
            self._blocks.append(block)

    def start(self) -> None:
        sd = _sounddevice()
        if not input_devices():
            raise EngineError("No microphone was found (the sound system lists no input "
                              "device).", _NO_INPUT_HINT)
        last_error = None
        for rate in (SAMPLE_RATE, None):  # None: the device's own default rate
            try:
                if rate is None:
                    info = sd.query_devices(self.device, kind="input")
                    rate = int(info["default_samplerate"])
                stream = sd.InputStream(samplerate=rate, channels=1, dtype="float32",
                                        device=self.device, callback=self._callback,
                                        blocksize=rate // 50)
                stream.start()
            except Exception as e:  # noqa: BLE001 - PortAudioError, ValueError
                last_error = e
                continue
            self._stream, self.rate = stream, rate
            return
        raise EngineError(f"The microphone could not be opened ({last_error}).",
                          _NO_INPUT_HINT)

    @property
    def seconds(self) -> float:
        with self._lock:
            return sum(len(b) for b in self._blocks) / self.rate

    def samples(self) -> np.ndarray:
        """What has been recorded so far, at 16 kHz."""
        with self._lock:
            raw = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        return resample(raw, self.rate)

    def stop(self) -> np.ndarray:
        """Stop and return the take at 16 kHz."""
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # noqa: BLE001 - a vanished device still gives its take
                pass
            self._stream = None
        return self.samples()


def record(seconds: float, device: int | str | None = None,
           progress: ProgressCallback = no_progress,
           cancel: CancelToken = NEVER_CANCELLED) -> np.ndarray:
    """``seconds`` from the microphone at 16 kHz mono float32."""
    if not 0 < seconds <= MAX_RECORD_SECONDS:
        raise EngineError(f"Cannot record {seconds} s.",
                          f"Record between 0.1 and {MAX_RECORD_SECONDS:.0f} seconds.")
    recorder = Recorder(device)
    recorder.start()
    try:
        while recorder.seconds < seconds:
            cancel.raise_if_cancelled()
            progress(Progress(min(1.0, recorder.seconds / seconds), "Recording",
                              {"level_dbfs": recorder.level_dbfs}))
            time.sleep(0.02)
    finally:
        samples = recorder.stop()
    return samples[:int(seconds * SAMPLE_RATE)]
