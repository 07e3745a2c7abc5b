"""From a sound file or a microphone take to the acoustic model's input.

Everything becomes 16 kHz mono float32 in [-1, 1] (stereo is averaged, any other rate
resampled with a polyphase filter). A word is found as the span of frames within 40 dB
of the loudest one, and placed in the middle of a fixed window of ``WINDOW_SECONDS``
(padded with zeros; a longer span keeps its loudest ``WINDOW_SECONDS``). The features
are log-mel energies: 25 ms Hann frames every 10 ms, ``N_MELS`` triangular bands on the
HTK mel scale from 20 Hz to 7.6 kHz, log(energy + 1e-6).

Bad takes are ``EngineError``s a person can act on (silence, a clip too short or too
long, an unreadable file); a clipped take is still used and says so in ``notes``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from engine.errors import EngineError

SAMPLE_RATE = 16_000
HOP = 160  # 10 ms
FRAME = 400  # 25 ms
N_FFT = 512
N_MELS = 40
WINDOW_SECONDS = 2.0
WINDOW_FRAMES = 200  # WINDOW_SECONDS of 10 ms frames
WINDOW_SAMPLES = int(WINDOW_SECONDS * SAMPLE_RATE)
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga")
MIN_SECONDS = 0.1  # shorter than any spoken word
MAX_SECONDS = 60.0  # a take to rank, not a recording to search
SILENCE_DBFS = -50.0  # a peak below this is no speech (a quiet microphone peaks ~ -30)
_VOICED_DB = 40.0  # frames this far below the loudest one are not the word
_HINT = "Use a WAV, FLAC or OGG file of one spoken word."


@dataclass(frozen=True)
class Take:
    """One clip ready for the models: the word's window and what was noticed about it."""

    samples: np.ndarray  # float32, WINDOW_SAMPLES at SAMPLE_RATE, word centred
    voiced_seconds: float  # length of the span found as the word
    peak_dbfs: float
    notes: tuple[str, ...] = ()


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """``samples`` (float, mono) at ``target`` Hz."""
    if rate == target:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(int(rate), int(target))
    return resample_poly(samples, target // g, int(rate) // g).astype(np.float32)


def to_mono(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples, dtype=np.float32)
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def read_audio(path: Path | str) -> np.ndarray:
    """A sound file as 16 kHz mono float32."""
    path = Path(path)
    if not path.is_file():
        raise EngineError(f"{path}: no such file.", "Check the path.")
    try:
        import soundfile
    except (ImportError, OSError) as e:  # OSError: libsndfile itself is missing
        raise EngineError(f"Reading sound files needs soundfile and libsndfile ({e}).",
                          "Install it: .venv/bin/pip install soundfile") from None
    try:
        info = soundfile.info(str(path))
        if info.frames > MAX_SECONDS * info.samplerate:  # refused before it is read
            raise EngineError(f"{path.name} lasts {info.frames / info.samplerate:.0f} s; a "
                              f"take to rank is one word.",
                              "Cut the word out (under a minute) and open that.")
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except EngineError:
        raise
    except Exception as e:  # noqa: BLE001 - libsndfile raises RuntimeError/LibsndfileError
        raise EngineError(f"{path.name} is not a readable sound file ({e}).",
                          _HINT) from None
    return resample(to_mono(samples), rate)


def voiced_span(samples: np.ndarray, rate: int = SAMPLE_RATE) -> tuple[int, int]:
    """Start and end sample of the frames within 40 dB of the loudest (10 ms frames)."""
    hop = rate // 100
    n = len(samples) // hop
    if n == 0:
        return 0, len(samples)
    frames = samples[:n * hop].reshape(n, hop).astype(np.float64)
    energy = 10 * np.log10((frames ** 2).mean(axis=1) + 1e-12)
    voiced = np.flatnonzero(energy > energy.max() - _VOICED_DB)
    start = max(0, (voiced[0] - 2) * hop)  # 20 ms either side: onsets and releases
    end = min(len(samples), (voiced[-1] + 3) * hop)
    return int(start), int(end)


def fit_window(samples: np.ndarray, start: int, end: int,
               length: int = WINDOW_SAMPLES) -> np.ndarray:
    """The span ``start:end`` centred in ``length`` zeros, or its loudest ``length``."""
    span = samples[start:end]
    if len(span) > length:
        power = np.convolve(span.astype(np.float64) ** 2, np.ones(HOP), "valid")[::HOP]
        window = length // HOP
        sums = np.convolve(power, np.ones(window), "valid") if len(power) >= window \
            else power
        best = int(np.argmax(sums)) * HOP
        return span[best:best + length].astype(np.float32)
    out = np.zeros(length, dtype=np.float32)
    offset = (length - len(span)) // 2
    out[offset:offset + len(span)] = span
    return out


def prepare_take(samples: np.ndarray, rate: int = SAMPLE_RATE, name: str = "The take"
                 ) -> Take:
    """A raw clip (mono or stereo, any rate) checked and fitted to the model's window."""
    samples = resample(to_mono(samples), rate)
    seconds = len(samples) / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise EngineError(f"{name} lasts {seconds * 1000:.0f} ms; a spoken word lasts at "
                          f"least {MIN_SECONDS * 1000:.0f} ms.",
                          "Record again and say the whole word.")
    if seconds > MAX_SECONDS:
        raise EngineError(f"{name} lasts {seconds:.0f} s; a take to rank is one word.",
                          "Cut the word out (under a minute) and use that.")
    if not np.isfinite(samples).all():
        raise EngineError(f"{name} holds invalid samples (NaN or infinity).", _HINT)
    peak = float(np.abs(samples).max())
    peak_dbfs = 20 * np.log10(peak) if peak > 0 else -np.inf
    if peak_dbfs < SILENCE_DBFS:
        level = "digital silence" if peak == 0 else f"its loudest sample is {peak_dbfs:.0f} dBFS"
        raise EngineError(f"{name} is silent ({level}).",
                          "Check that the right microphone is chosen and not muted, then "
                          "speak closer to it.")
    notes = []
    clipped = float(np.mean(np.abs(samples) >= 0.999))
    if clipped > 0.001:
        notes.append(f"{clipped:.1%} of the samples are clipped at full scale; lower the "
                     "input gain for a cleaner take.")
    start, end = voiced_span(samples)
    voiced = (end - start) / SAMPLE_RATE
    if voiced > WINDOW_SECONDS:
        notes.append(f"The sound lasts {voiced:.1f} s; only its loudest "
                     f"{WINDOW_SECONDS:.0f} s are ranked.")
    return Take(fit_window(samples, start, end), voiced, peak_dbfs, tuple(notes))


@functools.cache
def mel_filterbank(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = SAMPLE_RATE,
                   low: float = 20.0, high: float = 7600.0) -> np.ndarray:
    """(n_fft // 2 + 1, n_mels) triangular filters on the HTK mel scale."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(low), mel(high), n_mels + 2))
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    bank = np.zeros((len(freqs), n_mels), dtype=np.float32)
    for m in range(n_mels):
        left, centre, right = edges[m:m + 3]
        rising = (freqs - left) / (centre - left)
        falling = (right - freqs) / (right - centre)
        bank[:, m] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


def log_mel(samples, n_mels: int = N_MELS):
    """Log-mel energies of a batch: (..., samples) float → (..., n_mels, frames) torch
    float32, frames = samples // HOP (torch, so training runs it on the GPU)."""
    import torch

    x = torch.as_tensor(samples, dtype=torch.float32)
    window = torch.hann_window(FRAME, device=x.device)
    spec = torch.stft(x, N_FFT, HOP, FRAME, window, center=True, return_complex=True)
    power = spec.real ** 2 + spec.imag ** 2  # (..., freqs, frames + 1)
    bank = torch.as_tensor(mel_filterbank(n_mels), device=x.device)
    mel = torch.einsum("...ft,fm->...mt", power[..., :x.shape[-1] // HOP], bank)
    return torch.log(mel + 1e-6)
