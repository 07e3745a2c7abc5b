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
