"""The audio-word space: spoken words and written words in one space (Bengio & Heigold
2014). Same shape as ``engine/words``: data (``vocab``, ``voices``, ``dataset``,
``signal``) → models → training → evaluation."""
