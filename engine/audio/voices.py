"""The text-to-speech voices Debian ships, and saying a list of words with each.

Three engines, each a different kind of synthesis, so the acoustic model meets more than
one idea of a voice:

- ``espeak-ng``: formant synthesis; English accents (American, British, Scottish,
  Lancaster, RP, West Midlands, Caribbean, New York) times voice variants (``+f3``,
  ``+m2``, ``+klatt``…). Driven in-process through ``libespeak-ng`` (ctypes): one word
  is a few milliseconds, where a process per word costs 50 ms.
- ``flite``: kal (8 kHz diphones), kal16 (16 kHz diphones), awb, rms, slt (clustergen
  statistical voices). A process per word (about 20 ms).
- ``festival``: kal and ked diphones (festvox-kallpc16k, festvox-kdlpc16k) and the HTS
  voice slt (festvox-us-slt-hts); one ``festival -b`` process per voice and batch of
  words, as ``text2wave`` per word costs 250 ms.

Each clip gets its own speaking rate (and, for espeak-ng, pitch) from a seeded draw, so
one voice says its words in a spread of ways.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio.signal import resample
from engine.errors import EngineError

# The library names British English "en" (the command line also takes "en-gb").
ESPEAK_ACCENTS = ("en-us", "en", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
                  "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4",
                   "f5", "klatt", "klatt2", "klatt4", "Andy", "Annie", "Denis", "Gene",
                   "Jacky", "Lee", "Tweaky", "anika", "Alicia", "Andrea",
                   "Belinda", "david", "edward", "iven", "john", "linda", "max", "michel",
                   "paul", "quincy", "rob", "steph", "aunty")
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
FESTIVAL_VOICES = {
    "kal": ("voice_kal_diphone", "festvox-kallpc16k"),
    "ked": ("voice_ked_diphone", "festvox-kdlpc16k"),
    "slt-hts": ("voice_cmu_us_slt_arctic_hts", "festvox-us-slt-hts"),
}
PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite", "festival": "festival"}


@dataclass(frozen=True)
class Voice:
    """One voice: an engine and its name there (``en-gb-scotland+f2``, ``slt``)."""

    engine: str  # "espeak-ng", "flite" or "festival"
    name: str

    @property
    def key(self) -> str:
        return f"{self.engine}:{self.name}"

    @classmethod
    def from_key(cls, key: str) -> Voice:
        engine, _, name = key.partition(":")
        return cls(engine, name)


def espeak_voices() -> list[Voice]:
    """Every accent × variant of espeak-ng's English that this machine has."""
    variants = _espeak_variants()
    return [Voice("espeak-ng", accent + (f"+{v}" if v else ""))
            for accent in ESPEAK_ACCENTS for v in ESPEAK_VARIANTS if not v or v in variants]


def _espeak_variants() -> set[str]:
    root = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v")
    for candidate in (root, *Path("/usr/lib").glob("*/espeak-ng-data/voices/!v"),
                      Path("/usr/share/espeak-ng-data/voices/!v")):
        if candidate.is_dir():
            return {p.name for p in candidate.iterdir()}
    return set()


def available_voices() -> list[Voice]:
    """Every voice of the three engines that is installed here."""
    voices = []
    if _espeak_library() is not None:
        voices += espeak_voices()
    if shutil.which("flite"):
        voices += [Voice("flite", v) for v in FLITE_VOICES]
    if shutil.which("festival"):
        for name, (command, _package) in FESTIVAL_VOICES.items():
            if _festival_voice_installed(command):
                voices.append(Voice("festival", name))
    return voices


def _festival_voice_installed(command: str) -> bool:
    folder = command.removeprefix("voice_")
    return any(Path("/usr/share/festival/voices").glob(f"*/{folder}"))


# ---- espeak-ng through its library -------------------------------------------------
_ESPEAK_LOCK = threading.RLock()  # the library is one global synthesiser per process
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.c_void_p)
_espeak_state: dict = {}


def _espeak_library():
    with _ESPEAK_LOCK:
        return _open_espeak()


def _open_espeak():
    if "lib" not in _espeak_state:
        try:
            lib = ctypes.CDLL("libespeak-ng.so.1")
        except OSError:
            _espeak_state["lib"] = None
            return None
        rate = lib.espeak_Initialize(2, 0, None, 0)  # AUDIO_OUTPUT_SYNCHRONOUS
        if rate <= 0:
            _espeak_state["lib"] = None
            return None
        chunks: list[np.ndarray] = []

        def collect(wav, n, _events):
            if n > 0 and wav:
                chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            return 0

        callback = _CALLBACK(collect)
        lib.espeak_SetSynthCallback(callback)
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        _espeak_state.update(lib=lib, rate=rate, chunks=chunks, callback=callback)
    return _espeak_state["lib"]


def _say_espeak(voice: Voice, words, rates, pitches) -> list[np.ndarray]:
    lib = _espeak_library()
    if lib is None:
        raise EngineError("espeak-ng's library (libespeak-ng.so.1) is not installed.",
                          "Install it: apt-get install espeak-ng")
    clips = []
    with _ESPEAK_LOCK:
        if lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
            raise EngineError(f"espeak-ng has no voice {voice.name!r}.",
                              "List them: espeak-ng --voices=en")
        chunks = _espeak_state["chunks"]
        for word, rate, pitch in zip(words, rates, pitches, strict=True):
            lib.espeak_SetParameter(1, int(rate), 0)  # espeakRATE, words per minute
            lib.espeak_SetParameter(3, int(pitch), 0)  # espeakPITCH, 0..100
            chunks.clear()
            text = word.encode()
            lib.espeak_Synth(text, len(text) + 1, 0, 1, 0, 1, None, None)  # CHARS_UTF8
            lib.espeak_Synchronize()
            wav = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
            clips.append(wav.astype(np.float32) / 32768.0)
    return [resample(c, _espeak_state["rate"]) for c in clips]


# ---- flite and festival through their programs ---------------------------------------
def _read_wav(path: Path) -> np.ndarray:
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    return resample(samples, rate)


def _say_flite(voice: Voice, words, stretches, folder: Path) -> list[np.ndarray]:
    clips = []
    for i, (word, stretch) in enumerate(zip(words, stretches, strict=True)):
        out = folder / f"{i}.wav"
        result = subprocess.run(
            ["flite", "-voice", voice.name, "--setf", f"duration_stretch={stretch:.3f}",
             "-t", word, "-o", str(out)], capture_output=True, text=True)
        if result.returncode != 0 or not out.is_file():
            raise EngineError(f"flite could not say {word!r} with {voice.name} "
                              f"({result.stderr.strip()[:200]}).",
                              "Check it by hand: flite -voice slt -t hello -o x.wav")
        clips.append(_read_wav(out))
        out.unlink()
    return clips


def _say_festival(voice: Voice, words, stretches, folder: Path) -> list[np.ndarray]:
    command, package = FESTIVAL_VOICES[voice.name]
    lines = [f"({command})"]
    for i, (word, stretch) in enumerate(zip(words, stretches, strict=True)):
        text = word.replace("\\", "").replace('"', "")
        lines.append(f"(Parameter.set 'Duration_Stretch {stretch:.3f})")
        lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{text}")) '
                     f'"{folder / f"{i}.wav"}" \'riff)')
    script = folder / "say.scm"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(["festival", "-b", str(script)], capture_output=True, text=True)
    clips = []
    for i, word in enumerate(words):
        out = folder / f"{i}.wav"
        if not out.is_file():
            raise EngineError(f"festival could not say {word!r} with {command} "
                              f"({(result.stderr or result.stdout).strip()[:200]}).",
                              f"Check the voice is installed: apt-get install {package}")
        clips.append(_read_wav(out))
        out.unlink()
    return clips


def say_words(voice: Voice, words, rng: np.random.Generator) -> list[np.ndarray]:
    """``words`` said by ``voice``, each as 16 kHz mono float32, with a seeded speaking
    rate (and pitch) per word."""
    words = list(words)
    n = len(words)
    if n == 0:
        return []
    if voice.engine == "espeak-ng":
        return _say_espeak(voice, words, rng.integers(120, 221, n), rng.integers(25, 76, n))
    stretches = rng.uniform(0.85, 1.25, n)
    if shutil.which(voice.engine) is None:
        raise EngineError(f"{voice.engine} is not installed.",
                          f"Install it: apt-get install {PACKAGES[voice.engine]}")
    with tempfile.TemporaryDirectory(prefix="ee-tts-") as tmp:
        if voice.engine == "flite":
            return _say_flite(voice, words, stretches, Path(tmp))
        if voice.engine == "festival":
            return _say_festival(voice, words, stretches, Path(tmp))
    raise EngineError(f"Unknown speech engine {voice.engine!r}.",
                      "Use espeak-ng, flite or festival.")


def package_versions() -> dict[str, str]:
    """The installed version of each speech package (for the dataset's manifest)."""
    packages = [*PACKAGES.values(), *(p for _, p in FESTIVAL_VOICES.values())]
    versions = {}
    for package in packages:
        try:
            versions[package] = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                text=True, check=True).stdout.strip() or "unknown"
        except (OSError, subprocess.CalledProcessError):
            versions[package] = "not installed"
    return versions
