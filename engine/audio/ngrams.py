"""Letter n-grams of a spelling, the letter model's input (Bengio & Heigold 2014, §3).

A word is wrapped in begin/end markers (``#hello#``) and cut into every n-gram for
n = 1…5, so ``#he`` says "starts with he" and ``ing#`` "ends with ing". The markers
themselves are not n-grams. The bag of n-grams keeps counts ("banana" has "an" twice).
"""

from __future__ import annotations

from collections import Counter

MARKER = "#"
MAX_N = 5


def letter_ngrams(word: str, max_n: int = MAX_N) -> Counter:
    """The bag of letter n-grams (n = 1…``max_n``) of ``word`` with begin/end markers."""
    letters = word.strip().lower()
    if not letters:
        return Counter()
    marked = f"{MARKER}{letters}{MARKER}"
    bag: Counter = Counter()
    for n in range(1, max_n + 1):
        for start in range(len(marked) - n + 1):
            gram = marked[start:start + n]
            if gram != MARKER:
                bag[gram] += 1
    return bag


class NgramIndex:
    """A fixed list of n-grams, each with a row of the letter model's input layer.

    Built from the training words' n-grams (those that occur in at least ``min_words``
    words); an n-gram a new spelling has that the index lacks is dropped, and a spelling
    whose n-grams are all unknown still keeps its single letters (every letter is in the
    index)."""

    def __init__(self, grams: list[str] | tuple[str, ...]) -> None:
        self.grams = tuple(grams)
        self._row = {g: i for i, g in enumerate(self.grams)}

    def __len__(self) -> int:
        return len(self.grams)

    @classmethod
    def from_words(cls, words, min_words: int = 1, max_n: int = MAX_N) -> NgramIndex:
        seen: Counter = Counter()
        for word in words:
            seen.update(letter_ngrams(word, max_n).keys())
        letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["'"]
        kept = set(letters) | {g for g, c in seen.items() if c >= min_words}
        return cls(sorted(kept, key=lambda g: (len(g), g)))

    def rows(self, word: str) -> tuple[list[int], list[float]]:
        """The rows of ``word``'s known n-grams and their counts."""
        rows, counts = [], []
        for gram, count in letter_ngrams(word).items():
            row = self._row.get(gram)
            if row is not None:
                rows.append(row)
                counts.append(float(count))
        return rows, counts
