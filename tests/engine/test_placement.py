"""Placing vectors in a layout: a key's own vector lands on it, one between two keys lands
between them, the nearest keys come best first, in 2-D and 3-D, skipping keys the space
lacks; wrong shapes say what is wrong."""

import numpy as np
import pytest

from engine import api
from engine.engine import Engine, lane_of
from engine.errors import EngineError
from engine.placement import Placement, place
from engine.spaces import EmbeddingSpace

# Four keys on the axes of a 3-D space, drawn at the corners of a unit square.
KEYS = ("east", "north", "up", "west")
VECTORS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0, 0]], dtype=np.float32)
SQUARE = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=np.float32)


@pytest.fixture
def space():
    return EmbeddingSpace(KEYS, VECTORS)


def test_a_keys_own_vector_lands_on_it(space):
    result = place(space, KEYS, SQUARE, 3 * VECTORS, k=2)
    assert isinstance(result, Placement) and len(result) == 4
    assert result.coords.dtype == np.float32 and result.coords.shape == (4, 2)
    # Each key's neighbours beyond itself have cosine <= 0, so weigh nothing.
    np.testing.assert_allclose(result.coords, SQUARE, atol=1e-6)
    assert [n[0] for n in result.nearest] == list(KEYS)
    np.testing.assert_allclose(result.similarities[:, 0], 1.0, atol=1e-6)


def test_a_vector_between_two_keys_lands_between_them_nearer_the_closer(space):
    halfway = place(space, KEYS, SQUARE, np.array([[1, 1, 0]]), k=2)
    np.testing.assert_allclose(halfway.coords[0], [0.5, 0.5], atol=1e-6)
    assert set(halfway.nearest[0]) == {"east", "north"}
    nearer_east = place(space, KEYS, SQUARE, np.array([[2, 1, 0]]), k=2)
    x, y = nearer_east.coords[0]
    assert x > 0.5 > y and np.isclose(x + y, 1.0)  # on the segment, nearer east's (1, 0)


def test_nearest_keys_come_best_first_with_their_cosines(space):
    result = place(space, KEYS, SQUARE, np.array([[3, 2, 1]]), k=3)
    assert result.nearest[0] == ("east", "north", "up")
    expected = np.array([3, 2, 1]) / np.linalg.norm([3, 2, 1])
    np.testing.assert_allclose(result.similarities[0], expected, atol=1e-6)
    assert result.similarities.shape == (1, 3) and result.similarities.dtype == np.float32


def test_three_dimensional_layouts_and_single_vectors(space):
    cube = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0, 0]], dtype=np.float32)
    result = place(space, KEYS, cube, np.array([0, 1, 1]), k=2)  # one 1-D query
    assert result.coords.shape == (1, 3)
    np.testing.assert_allclose(result.coords[0], [0, 0.5, 0.5], atol=1e-6)


def test_nothing_similar_falls_back_on_the_nearest_key(space):
    # Cosine 0 with east, north and up, -1 with west: no weight anywhere.
    lonely = EmbeddingSpace(KEYS, VECTORS[:, :2] @ np.eye(2, 3))
    result = place(lonely, KEYS, SQUARE, np.array([[0, 0, 1]]), k=2)
    np.testing.assert_array_equal(result.coords[0], SQUARE[KEYS.index(result.nearest[0][0])])


def test_keys_missing_from_the_space_are_skipped(space):
    keys = ("ghost", "east", "north", "phantom")
    coords = np.array([[9, 9], [1, 0], [0, 1], [-9, -9]], dtype=np.float32)
    result = place(space, keys, coords, np.array([[1, 1, 0.5]]), k=5)
    assert set(result.nearest[0]) == {"east", "north"}  # k capped at the keys present
    assert result.similarities.shape == (1, 2)
    np.testing.assert_allclose(result.coords[0], [0.5, 0.5], atol=1e-6)


def test_many_queries_in_chunks_match_one_at_a_time(monkeypatch):
    rng = np.random.default_rng(0)
    keys = tuple(f"k{i}" for i in range(200))
    space = EmbeddingSpace(keys, rng.normal(size=(200, 8)))
    layout = rng.normal(size=(200, 2))
    queries = rng.normal(size=(50, 8))
    whole = place(space, keys, layout, queries, k=4)
    monkeypatch.setattr("engine.placement._SCORES_PER_CHUNK", 600)  # 3 queries a chunk
    chunked = place(space, keys[::-1], layout[::-1], queries, k=4)  # and a gathered copy
    np.testing.assert_allclose(chunked.coords, whole.coords, atol=1e-5)
    assert chunked.nearest == whole.nearest
    unit = space.unit_vectors
    cosines = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ unit.T
    assert [n[0] for n in whole.nearest] == [keys[i] for i in cosines.argmax(axis=1)]


def test_wrong_shapes_and_k_say_what_is_wrong(space):
    with pytest.raises(EngineError, match="4 keys but 3 rows"):
        place(space, KEYS, SQUARE[:3], VECTORS)
    with pytest.raises(EngineError, match="N x 2 or N x 3"):
        place(space, KEYS, np.zeros((4, 4)), VECTORS)
    with pytest.raises(EngineError, match="have 2 dimensions but the space has 3"):
        place(space, KEYS, SQUARE, np.zeros((1, 2)))
    with pytest.raises(EngineError, match="k must be at least 1"):
        place(space, KEYS, SQUARE, VECTORS, k=0)
    with pytest.raises(EngineError, match="None of the layout's keys"):
        place(space, ("a", "b"), SQUARE[:2], VECTORS)


def test_the_place_request_through_the_engine(tmp_path):
    engine = Engine()
    path = tmp_path / "space"
    engine.remember(path, EmbeddingSpace(KEYS, VECTORS))
    result = engine.handle(api.Place(VECTORS[[2, 0]], KEYS, SQUARE, space=path, k=2))
    assert isinstance(result, api.Placement)
    np.testing.assert_allclose(result.coords, SQUARE[[2, 0]], atol=1e-6)
    assert [n[0] for n in result.nearest] == ["up", "east"]
    with pytest.raises(EngineError, match="dimensions"):
        engine.handle(api.Place(np.zeros((1, 5)), KEYS, SQUARE, space=path))
    assert lane_of(api.Place(VECTORS, KEYS, SQUARE)) == "analysis"


def test_the_place_request_on_a_random_space(tmp_path):
    # Built as tests/engine/test_engine.py's engine_with_space builds its space.
    engine = Engine()
    path = tmp_path / "space"
    words = tuple(f"w{i}" for i in range(50))
    engine.remember(path, EmbeddingSpace(words, np.random.default_rng(0).normal(size=(50, 8))))
    space = engine.space(path)
    keys = space.keys[:30]
    layout = np.random.default_rng(1).normal(size=(30, 3))
    result = engine.handle(api.Place(space.vectors[[3, 7]], keys, layout, space=path))
    assert result.nearest[0][0] == "w3" and result.nearest[1][0] == "w7"
    assert result.coords.shape == (2, 3) and result.similarities.shape == (2, 5)


def test_the_shipped_atlas_is_placed_among_its_labels(tmp_path):
    """LoadAtlas and Place together, as the image-label space uses them: pictures land
    near their own label."""
    from engine.images.label_space import label_space
    from engine.images.shipped import load_models

    engine = Engine()
    atlas = engine.handle(api.LoadAtlas())
    assert atlas.vectors.shape[0] == len(atlas.pictures) == len(atlas)
    space = label_space(load_models(), atlas)
    path = tmp_path / "labels"
    engine.remember(path, space)
    train = [i for i, p in enumerate(atlas.pictures)
             if p["split"] == "train" and p["head"] in space][:500]
    layout = np.random.default_rng(0).normal(size=(len(space), 2))
    result = engine.handle(api.Place(atlas.vectors[train], space.keys, layout, space=path))
    own = [atlas.pictures[i]["head"] in nearest for i, nearest in zip(train, result.nearest,
                                                                      strict=True)]
    assert np.mean(own) > 0.5, np.mean(own)


def test_load_atlas_says_when_it_was_made_with_other_models(tmp_path):
    other = tmp_path / "models"
    other.mkdir()
    (other / "models.npz").write_bytes(b"other weights")
    with pytest.raises(EngineError, match="other image models") as stale:
        Engine().handle(api.LoadAtlas(models=other))
    assert "build-atlas" in stale.value.hint
    assert lane_of(api.LoadAtlas()) == "queries"
