"""Answering with trained audio models: a take → ranked words; a spelling → the words
that sound like it.

A take is ranked twice: by the classifier (softmax over the words it heard in training)
and by the letter model (cosine between the take's acoustic embedding and each
candidate's letter point, so any spelling can be a candidate). Candidates default to the
words the models were built for (heard and held out); a user may give any list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.audio.models import AudioModels
from engine.audio.signal import Take, log_mel, prepare_take, read_audio
from engine.errors import EngineError
from engine.jobs import NEVER_CANCELLED, CancelToken
from engine.spaces import Scored


@dataclass(frozen=True)
class TakeRanking:
    """One take's ranked words, by the classifier and by spelling."""

    source: str  # a file's path, or "microphone"
    classifier: tuple[Scored, ...] = ()
    letters: tuple[Scored, ...] = ()
    embedding: tuple[float, ...] = ()  # the take's acoustic point (unit length)
    voiced_seconds: float = 0.0
    peak_dbfs: float = 0.0
    notes: tuple[str, ...] = ()
    error: str = ""
    milliseconds: float = 0.0
    # What the models saw, for a view: the 2 s window (16 kHz) and its normalised
    # log-mel (mels x frames); not in the JSON.
    window: np.ndarray | None = field(default=None, repr=False, compare=False)
    features: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict:
        if self.error:
            return {"source": self.source, "error": self.error}
        return {"source": self.source,
                "classifier": [{"word": s.word, "score": s.score} for s in self.classifier],
                "letters": [{"word": s.word, "score": s.score} for s in self.letters],
                "voiced_seconds": round(self.voiced_seconds, 3),
                "peak_dbfs": round(self.peak_dbfs, 1), "notes": list(self.notes),
                "milliseconds": round(self.milliseconds, 1)}


class CandidatePoints:
    """Letter points of a candidate list, computed once per list."""

    def __init__(self, models: AudioModels, words) -> None:
        words = [w.strip().lower() for w in words if w and w.strip()]
        words = list(dict.fromkeys(words))
        if not words:
            raise EngineError("The candidate list is empty.",
                              "Give at least one word (one per line in a file).")
        self.words = tuple(words)
        self.points = models.embed_words(self.words)


def read_candidates(path: Path) -> list[str]:
    """One word per line (a CSV's first column); blank lines and # comments skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise EngineError(f"Cannot read the candidate list {path} ({e}).",
                          "Give a UTF-8 text file with one word per line.") from None
    words = [line.split(",")[0].strip() for line in lines
             if line.strip() and not line.lstrip().startswith("#")]
    if not words:
        raise EngineError(f"{path} holds no words.", "Put one word per line.")
    return words


def rank_take(models: AudioModels, take: Take, candidates: CandidatePoints, k: int = 10,
              source: str = "microphone") -> TakeRanking:
    started = time.perf_counter()
    with torch.no_grad():
        from engine.audio.models import normalise_features

        features = normalise_features(log_mel(take.samples[None, :]))
        embedding = models.acoustic.embed(features)
        probabilities = torch.softmax(models.acoustic.classify(embedding), dim=1)[0].numpy()
    point = embedding[0].numpy()
    point = point / max(float(np.linalg.norm(point)), 1e-8)
    k = max(1, int(k))
    top = np.argsort(-probabilities)[:k]
    classifier = tuple(Scored(models.words[i], float(probabilities[i])) for i in top)
    cosines = candidates.points @ point
    top = np.argsort(-cosines)[:k]
    letters = tuple(Scored(candidates.words[i], float(cosines[i])) for i in top)
    return TakeRanking(source, classifier, letters, tuple(float(x) for x in point),
                       take.voiced_seconds, take.peak_dbfs, take.notes,
                       milliseconds=(time.perf_counter() - started) * 1000,
                       window=take.samples, features=features[0].numpy())


def rank_files(models: AudioModels, paths, candidates: CandidatePoints, k: int = 10,
               cancel: CancelToken = NEVER_CANCELLED) -> tuple[TakeRanking, ...]:
    """Each file ranked; a bad file fails only itself (its ``error`` says why)."""
    answers = []
    for path in paths:
        cancel.raise_if_cancelled()
        started = time.perf_counter()
        try:
            take = prepare_take(read_audio(path), name=Path(path).name)
        except EngineError as e:
            answers.append(TakeRanking(str(path), error=str(e)))
            continue
        ranking = rank_take(models, take, candidates, k, str(path))
        answers.append(TakeRanking(**{**ranking.__dict__, "milliseconds":
                                      (time.perf_counter() - started) * 1000}))
    return tuple(answers)


def sounds_like(models: AudioModels, word: str, candidates: CandidatePoints,
                k: int = 10) -> tuple[Scored, ...]:
    """The candidates nearest ``word``'s letter point (``word`` itself left out)."""
    word = word.strip().lower()
    if not word or not any(c.isalpha() for c in word):
        raise EngineError(f"{word!r} has no letters to spell.", "Type a word.")
    point = models.embed_words([word])[0]
    cosines = candidates.points @ point
    order = [i for i in np.argsort(-cosines) if candidates.words[i] != word]
    return tuple(Scored(candidates.words[i], float(cosines[i])) for i in order[:k])
