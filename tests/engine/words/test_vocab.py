import numpy as np
import pytest
import torch

from engine.errors import EngineError
from engine.words.sgns_numba import chunk_bounds
from engine.words.sgns_torch import window_pairs
from engine.words.vocab import (
    SENTENCE_BREAK,
    build_vocabulary,
    count_words,
    encode_corpus,
    keep_probabilities,
    noise_table,
)

SENTENCES = [["the", "cat", "sat"], ["the", "dog", "sat", "down"], ["a", "rare", "word"]]


def test_vocabulary_sorted_by_count_then_alphabet():
    counter, total = count_words(SENTENCES)
    vocab = build_vocabulary(counter, total, min_count=1)
    assert vocab.words[:2] == ("sat", "the")  # both twice, alphabetical
    assert vocab.total_raw_tokens == 10
    assert list(vocab.counts[:2]) == [2, 2]


def test_min_count_and_encoding_drop_rare_words():
    counter, total = count_words(SENTENCES)
    vocab = build_vocabulary(counter, total, min_count=2)
    ids = encode_corpus(SENTENCES, vocab)
    idx = vocab.index
    assert ids.tolist() == [idx["the"], idx["sat"], SENTENCE_BREAK,
                            idx["the"], idx["sat"], SENTENCE_BREAK]
    with pytest.raises(EngineError):
        build_vocabulary(counter, total, min_count=99)


def test_keep_probability_matches_word2vec_formula():
    counts = np.array([1_000_000, 1_000, 10])
    sample = 1e-3
    t = sample * counts.sum()
    keep = keep_probabilities(counts, sample)
    assert keep[0] == pytest.approx((np.sqrt(counts[0] / t) + 1) * t / counts[0])
    assert keep[2] == 1.0  # rare words are always kept
    assert keep[0] < keep[1] <= keep[2]
    assert np.all(keep_probabilities(counts, 0) == 1.0)


def test_noise_table_follows_unigram_to_the_three_quarters():
    counts = np.array([8000, 1000, 100, 10])
    table = noise_table(counts, size=1 << 20)
    observed = np.bincount(table, minlength=4) / len(table)
    expected = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(observed, expected, rtol=1e-3)


def reference_pairs(ids, sentence, reach):
    """The textbook loop: for each centre, every context within its reach in its sentence."""
    pairs = []
    for i in range(len(ids)):
        for j in range(max(0, i - reach[i]), min(len(ids), i + reach[i] + 1)):
            if j != i and sentence[j] == sentence[i]:
                pairs.append((ids[i], ids[j]))
    return sorted(pairs)


def test_vectorised_pairs_match_the_reference_loop():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 50, size=400)
    sentence = np.sort(rng.integers(0, 30, size=400))
    reach = rng.integers(1, 6, size=400)
    c, x = window_pairs(torch.from_numpy(ids), torch.from_numpy(sentence),
                        torch.from_numpy(reach))
    got = sorted(zip(c.tolist(), x.tolist(), strict=True))
    assert got == reference_pairs(ids, sentence, reach)
    assert len(got) > 1000


def test_chunks_cover_the_corpus_and_end_on_sentence_breaks():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 10, size=10_000).astype(np.int32)
    ids[rng.random(10_000) < 0.1] = SENTENCE_BREAK
    ids[-1] = SENTENCE_BREAK
    bounds = chunk_bounds(ids, 700)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(ids)
    for (_, b), (a, _) in zip(bounds, bounds[1:], strict=False):
        assert a == b and ids[b - 1] == SENTENCE_BREAK


def test_pair_positions_stay_in_the_sentence_and_the_centres_reach():
    from engine.words.sgns_torch import window_pair_positions

    rng = np.random.default_rng(3)
    sentence = torch.from_numpy(np.repeat(np.arange(20), rng.integers(1, 9, 20)))
    reach = torch.from_numpy(rng.integers(1, 5, len(sentence)))
    centre, context = window_pair_positions(sentence, reach)
    c, x = centre.numpy(), context.numpy()
    assert (sentence.numpy()[c] == sentence.numpy()[x]).all()
    assert (np.abs(c - x) <= reach.numpy()[c]).all() and (c != x).all()
    expected = sum(
        1 for i in range(len(sentence)) for j in range(len(sentence))
        if i != j and abs(i - j) <= int(reach[i]) and int(sentence[i]) == int(sentence[j]))
    assert len(c) == expected
