"""A user's own recordings of words, and how well audio models rank them.

Two layouts, as for picture sets:

- a folder: files named by their word (``water.wav``, ``water-2.flac``, ``water_03.ogg``:
  trailing digits after a separator are a take number), or one sub-folder per word
  holding any file names (``water/take1.wav``); deeper folders are read too and still
  belong to their top sub-folder's word;
- a CSV of ``path,word`` (a third column, optional, names the speaker; paths relative to
  the CSV; a first row ``path,word`` is a header).

WAV, FLAC and OGG at any sample rate (``engine/audio/signal.py`` reads and resamples).
Files that cannot be used (no word in the name, unreadable, silent) are listed with
their reason, never silently dropped.

``score_clip_set`` ranks every clip with audio models, as ``audio rank`` would, and
counts how often the clip's word comes first or in the top 10: by the classifier (only
words it heard in training can be its answer) and by spelling among the models'
candidates plus the set's own words (so any word can be scored).
"""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio.signal import AUDIO_SUFFIXES, prepare_take, read_audio
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken, Progress, ProgressCallback, no_progress

_TAKE_NUMBER = re.compile(r"[-_ .]*\d+$")
_HINT = ("Give a folder of sound files named by word (water.wav, water-2.wav) or with "
         "one sub-folder per word, or a CSV of path,word.")


@dataclass(frozen=True)
class LabelledClip:
    path: Path
    word: str
    speaker: str = ""


@dataclass(frozen=True)
class ClipSet:
    source: Path
    clips: tuple[LabelledClip, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (path, why)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.word for c in self.clips))


def word_of_name(stem: str) -> str:
    """``water-2`` → ``water``; a name with no letters gives ``""``."""
    word = _TAKE_NUMBER.sub("", stem).strip().lower()
    return word if any(c.isalpha() for c in word) else ""


def read_clip_set(source: Path) -> ClipSet:
    """The labelled clips of a folder or CSV (see the module's docstring)."""
    source = Path(source).expanduser()
    if source.is_file() and source.suffix.lower() == ".csv":
        return _read_csv(source)
    if not source.is_dir():
        raise EngineError(f"{source} is neither a folder nor a CSV file.", _HINT)
    clips, skipped = [], []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            continue
        parts = path.relative_to(source).parts
        word = word_of_name(parts[0]) if len(parts) > 1 else word_of_name(path.stem)
        if not word:
            skipped.append((str(path), "no word in its name"))
            continue
        clips.append(LabelledClip(path, word))
    if not clips:
        raise EngineError(f"{source} holds no sound files named by word "
                          f"({len(skipped)} without a word in the name).", _HINT)
    return ClipSet(source, tuple(clips), tuple(skipped))


def _read_csv(source: Path) -> ClipSet:
    try:
        with open(source, newline="", encoding="utf-8-sig") as f:
            rows = [row for row in csv.reader(f) if row and any(x.strip() for x in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise EngineError(f"Cannot read {source} ({e}).", _HINT) from None
    if rows and [x.strip().lower() for x in rows[0][:2]] == ["path", "word"]:
        rows = rows[1:]
    clips, skipped = [], []
    for row in rows:
        if row[0].lstrip().startswith("#"):
            continue
        path = (source.parent / row[0].strip()).resolve()
        word = row[1].strip().lower() if len(row) > 1 else ""
        if not any(c.isalpha() for c in word):
            skipped.append((str(path), "no word in its row"))
            continue
        speaker = row[2].strip() if len(row) > 2 else ""
        clips.append(LabelledClip(path, word, speaker))
    if not clips:
        raise EngineError(f"{source} lists no clip with a word.", _HINT)
    return ClipSet(source, tuple(clips), tuple(skipped))


def _hits(ranks: list[int]) -> dict:
    ranks = np.asarray(ranks)
    if not len(ranks):
        return {"clips": 0, "top1": float("nan"), "top10": float("nan")}
    return {"clips": int(len(ranks)), "top1": float(np.mean(ranks == 0)),
            "top10": float(np.mean(ranks < 10))}


def score_clip_set(models, clip_set: ClipSet, candidates: tuple[str, ...] | None = None,
                   progress: ProgressCallback = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED, shown: int = 5) -> dict:
    """Each clip ranked by sound and by spelling; how often its word comes first."""
    from engine.audio.ranking import CandidatePoints, rank_take

    started = time.perf_counter()
    base = candidates if candidates is not None else tuple(
        models.manifest.get("candidates") or models.words)
    points = CandidatePoints(models, (*base, *clip_set.words))
    heard = {w: i for i, w in enumerate(models.words)}
    by_sound, by_spelling, by_spelling_unheard = [], [], []
    answers, skipped = [], list(clip_set.skipped)
    for n, clip in enumerate(clip_set.clips):
        cancel.raise_if_cancelled()
        try:
            take = prepare_take(read_audio(clip.path), name=clip.path.name)
        except EngineError as e:
            skipped.append((str(clip.path), e.message))
            continue
        ranking = rank_take(models, take, points, k=len(points.words), source=str(clip.path))
        spelled = [s.word for s in ranking.letters]
        spelling_rank = spelled.index(clip.word)
        sound_rank = None
        if clip.word in heard:
            # k covers every class, so the word is in the classifier's list.
            sound_rank = [s.word for s in ranking.classifier].index(clip.word)
            by_sound.append(sound_rank)
            by_spelling.append(spelling_rank)
        else:
            by_spelling_unheard.append(spelling_rank)
        answers.append({"path": str(clip.path), "word": clip.word,
                        "speaker": clip.speaker, "heard": clip.word in heard,
                        "by_sound": [s.word for s in ranking.classifier[:shown]],
                        "by_spelling": spelled[:shown], "rank_by_sound": sound_rank,
                        "rank_by_spelling": spelling_rank, "notes": list(ranking.notes)})
        progress(Progress((n + 1) / len(clip_set.clips),
                          f"Ranked {n + 1:,} of {len(clip_set.clips):,} clips"))
    if not answers:
        raise EngineError(f"No clip of {clip_set.source} could be read "
                          f"({len(skipped)} skipped: {skipped[0][1]}).", _HINT)
    return {
        "source": str(clip_set.source), "clips": len(answers),
        "words": len({a["word"] for a in answers}),
        "heard_words": {"classifier": _hits(by_sound), "letters": _hits(by_spelling)},
        "unheard_words": {"letters": _hits(by_spelling_unheard)},
        "candidates": len(points.words), "classes": len(models.words),
        "chance": {"classifier_top1": 1 / len(models.words),
                   "letters_top1": 1 / len(points.words),
                   "letters_top10": min(1.0, 10 / len(points.words))},
        "skipped": [{"path": p, "why": why} for p, why in skipped],
        "per_clip": answers,
        "seconds": round(time.perf_counter() - started, 1),
    }


# ---- a user's clips as a spoken-word set (audio build-dataset --from) -----------------
HELD_OUT_WORD_SHARE = 0.15  # of the words, when there are at least MIN_WORDS_TO_HOLD_OUT
MIN_WORDS_TO_HOLD_OUT = 10
TEST_SHARE = 0.2  # of the speakers (3 or more named) or else of each word's clips
MIN_SPEAKERS_TO_HOLD_OUT = 3


def split_clip_set(clip_set: ClipSet, seed: int = 0) -> tuple[list[str], list[str], dict,
                                                                list[str]]:
    """(heard words, held-out words, what was held out, each clip's split)."""
    rng = np.random.default_rng(seed)
    words = sorted(clip_set.words)
    held_words = set()
    if len(words) >= MIN_WORDS_TO_HOLD_OUT:
        held_words = set(rng.choice(words, size=round(HELD_OUT_WORD_SHARE * len(words)),
                                    replace=False).tolist())
    speakers = sorted({c.speaker for c in clip_set.clips if c.speaker})
    held_speakers: set[str] = set()
    if len(speakers) >= MIN_SPEAKERS_TO_HOLD_OUT:
        held_speakers = set(rng.choice(speakers, size=max(1, round(TEST_SHARE * len(speakers))),
                                       replace=False).tolist())
    splits = []
    if held_speakers:
        splits = ["test" if c.speaker in held_speakers or c.word in held_words else "train"
                  for c in clip_set.clips]
    else:  # no speakers to hold out: a share of each word's clips tests
        splits = ["test" if c.word in held_words else "train" for c in clip_set.clips]
        for word in sorted(set(words) - held_words):
            mine = [i for i, c in enumerate(clip_set.clips) if c.word == word]
            if len(mine) >= 2:
                for i in rng.choice(mine, size=max(1, round(TEST_SHARE * len(mine))),
                                    replace=False).tolist():
                    splits[i] = "test"
    heard = [w for w in words if w not in held_words]
    held = {"seed": seed, "words": sorted(held_words), "speakers": sorted(held_speakers),
            "by": "speaker" if held_speakers else "clip",
            "test_share": TEST_SHARE}
    return heard, sorted(held_words), held, splits


def build_clip_dataset(source: Path, out: Path, seed: int = 0,
                       progress: ProgressCallback = no_progress,
                       cancel: CancelToken = NEVER_CANCELLED) -> dict:
    """A spoken-word set (the layout of engine/audio/dataset.py) of a user's own clips:
    each clip's voiced part at 16 kHz, whole speakers (or a share of each word's clips)
    and a share of the words held out for testing, seeded."""
    from engine.audio.dataset import SPLITS, _swap_in, save_clip_table, voiced_int16
    from engine.audio.voices import Voice

    started = time.perf_counter()
    out = Path(out)
    clip_set = read_clip_set(source)
    heard, held_words, held, splits = split_clip_set(clip_set, seed)
    candidates = heard + held_words
    word_index = {w: i for i, w in enumerate(candidates)}
    speakers = sorted({c.speaker or "unnamed" for c in clip_set.clips})
    voice_index = {s: i for i, s in enumerate(speakers)}
    voices = [Voice("user", s) for s in speakers]
    voice_split = ["test" if s in held["speakers"] else "train" for s in speakers]
    work = out.with_name(out.name + ".building")
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows, skipped, offset = [], list(clip_set.skipped), 0
    try:
        with open(work / "samples.int16", "wb") as sink:
            for n, (clip, split) in enumerate(zip(clip_set.clips, splits, strict=True)):
                cancel.raise_if_cancelled()
                try:
                    samples = read_audio(clip.path)
                    prepare_take(samples, name=clip.path.name)  # silence, too short: refused
                except EngineError as e:
                    skipped.append((str(clip.path), e.message))
                    continue
                data = voiced_int16(samples)
                sink.write(data.tobytes())
                rows.append((voice_index[clip.speaker or "unnamed"], word_index[clip.word],
                             SPLITS.index(split), offset, len(data)))
                offset += len(data)
                progress(Progress(0.95 * (n + 1) / len(clip_set.clips),
                                  f"Read {n + 1:,} of {len(clip_set.clips):,} clips"))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    table = save_clip_table(work, rows)
    train = table[table[:, 2] == 0]
    if not len(train) or len(set(train[:, 1].tolist())) < 2:
        shutil.rmtree(work, ignore_errors=True)
        raise EngineError(f"{source} has too few usable training clips ({len(train)} of "
                          f"{len(set(train[:, 1].tolist()))} words) to train on.",
                          "Record at least two words, several times each.")
    test = table[table[:, 2] == 1]
    manifest = {
        "description": f"A user's own recordings of words ({source})",
        "rebuild": f"python -m engine audio build-dataset --from {source} --out {out}",
        "sample_rate": 16_000,
        "sources": {"clips": str(source)},
        "choices": {"seed": seed, "held_out": held,
                    "kept": "the voiced part (frames within 40 dB of the loudest) with "
                            "50 ms either side"},
        "counts": {"clips": len(table), "voices": len(voices),
                   "train_voices": voice_split.count("train"),
                   "test_voices": voice_split.count("test"),
                   "train_clips": int(len(train)),
                   "test_clips_heard_words": int((test[:, 1] < len(heard)).sum()),
                   "test_clips_held_out_words": int((test[:, 1] >= len(heard)).sum()),
                   "hours": round(offset / 16_000 / 3600, 3)},
        "skipped": [{"path": p, "why": why} for p, why in skipped],
        "seconds": round(time.perf_counter() - started, 1),
    }
    data = {"manifest": manifest, "heard": heard, "held_out": held_words,
            "voices": [{"key": v.key, "split": s} for v, s in zip(voices, voice_split,
                                                                   strict=True)]}
    (work / "dataset.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    _swap_in(work, out)
    progress(Progress(1.0, f"{len(table):,} clips of {len(candidates):,} words"))
    return {"path": str(out), **manifest["counts"], "skipped": len(skipped),
            "seconds": manifest["seconds"]}


def clip_dataset_folder(source: Path) -> Path:
    """Where the spoken-word set of ``source`` is kept (in the cache)."""
    import hashlib

    from engine.paths import cache_dir

    digest = hashlib.sha1(str(Path(source).expanduser().resolve()).encode()).hexdigest()
    return cache_dir("audio", "user-sets") / f"{Path(source).stem}-{digest[:10]}"


def is_spoken_word_set(folder: Path) -> bool:
    return (Path(folder) / "dataset.json").is_file()
