from engine.audio.ngrams import NgramIndex, letter_ngrams


def test_ngrams_have_begin_and_end_markers():
    bag = letter_ngrams("hello")
    assert bag["#he"] == 1 and bag["lo#"] == 1 and bag["#hell"] == 1 and bag["ello#"] == 1
    assert bag["l"] == 2 and bag["ll"] == 1
    assert "#" not in bag  # the marker alone is no n-gram
    assert max(len(g) for g in bag) == 5


def test_ngram_counts_repeat_and_case_is_ignored():
    bag = letter_ngrams("Banana")
    assert bag["an"] == 2 and bag["ana"] == 2 and bag["#ba"] == 1 and bag["na#"] == 1
    # "#banana#" has 8 symbols, so 9 - n n-grams of each length n; the two lone
    # markers are not unigrams.
    assert sum(bag.values()) == (8 - 2) + 7 + 6 + 5 + 4


def test_an_empty_spelling_has_no_ngrams():
    assert letter_ngrams("  ") == {}


def test_index_drops_unknown_grams_but_keeps_every_letter():
    index = NgramIndex.from_words(["cat", "hat"])
    rows, counts = index.rows("cat")
    assert len(rows) == len(letter_ngrams("cat"))
    unseen_rows, _ = index.rows("zq")
    grams = {index.grams[r] for r in unseen_rows}
    assert grams == {"z", "q"}  # "#zq", "zq#"... are unknown; the letters are not
    assert all(c >= 1 for c in counts)


def test_index_min_words_keeps_shared_grams():
    index = NgramIndex.from_words(["cat", "hat", "dog"], min_words=2)
    assert "at#" in index.grams and "#do" not in index.grams
