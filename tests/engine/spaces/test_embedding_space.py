import numpy as np
import pytest

from engine.errors import EngineError
from engine.spaces import EmbeddingSpace


@pytest.fixture
def capitals():
    # capital = country + (1, 0, 0, 0) exactly: an offset small next to the country
    # vectors, as in real spaces
    rng = np.random.default_rng(0)
    countries = {"italy": rng.normal(size=4), "germany": rng.normal(size=4),
                 "france": rng.normal(size=4)}
    offset = np.array([1.0, 0.0, 0.0, 0.0])
    words = {**countries,
             "rome": countries["italy"] + offset,
             "berlin": countries["germany"] + offset,
             "paris": countries["france"] + offset,
             "banana": np.array([0.0, 0.0, 0.0, 5.0])}
    return EmbeddingSpace(tuple(words), np.array(list(words.values())), {"count": list(range(7))})


def test_analogy_add_finds_the_parallelogram(capitals):
    result = capitals.analogy("rome", "italy", "germany", k=3, method="add")
    assert result[0].word == "berlin"
    assert {"rome", "italy", "germany"}.isdisjoint(r.word for r in result)


def test_analogy_mul_agrees_on_a_clean_parallelogram(capitals):
    assert capitals.analogy("paris", "france", "italy", k=1, method="mul")[0].word == "rome"


def test_neighbours_exclude_the_query_and_are_sorted(capitals):
    result = capitals.neighbours("rome", k=6)
    assert "rome" not in [r.word for r in result]
    scores = [r.score for r in result]
    assert scores == sorted(scores, reverse=True)
    assert len(result) == 6


def test_euclidean_neighbours_rank_by_distance():
    space = EmbeddingSpace(("a", "b", "c"), np.array([[0.0, 0], [1, 0], [10, 0]]))
    result = space.neighbours("a", k=2, metric="euclidean")
    assert [r.word for r in result] == ["b", "c"]
    assert result[0].score == pytest.approx(-1.0)
    # cosine cannot tell b from c (same direction); euclidean can
    assert space.neighbours("b", k=1, metric="euclidean")[0].word == "a"


def test_unknown_word_suggests_close_spellings(capitals):
    with pytest.raises(EngineError) as err:
        capitals.neighbours("berlim")
    assert "berlim" in err.value.message
    assert "berlin" in err.value.hint


def test_lookup_falls_back_to_lowercase(capitals):
    assert capitals.index_of("Rome") == capitals.index_of("rome")


def test_space_rejects_nan_duplicates_and_shape_mismatch():
    with pytest.raises(EngineError, match="NaN"):
        EmbeddingSpace(("a",), np.array([[np.nan, 1.0]]))
    with pytest.raises(EngineError, match="more than once"):
        EmbeddingSpace(("a", "a"), np.ones((2, 2)))
    with pytest.raises(EngineError, match="one vector per key"):
        EmbeddingSpace(("a", "b"), np.ones((3, 2)))


def test_space_is_immutable(capitals):
    with pytest.raises(ValueError):
        capitals.vectors[0, 0] = 1.0


def test_restricted_keeps_the_most_frequent_prefix(capitals):
    small = capitals.restricted(3)
    assert small.keys == capitals.keys[:3]
    assert list(small.metadata["count"]) == [0, 1, 2]


def test_limit_restricts_the_search(capitals):
    result = capitals.neighbours("italy", k=5, limit=3)
    assert {r.word for r in result} <= {"germany", "france"}
