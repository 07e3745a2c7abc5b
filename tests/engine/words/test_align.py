"""Orthogonal Procrustes between two spaces, on hand-made rotated vectors."""

import json

import numpy as np
import pytest
from scipy.stats import ortho_group

from engine import api
from engine.__main__ import main
from engine.engine import Engine
from engine.errors import EngineError
from engine.spaces import EmbeddingSpace
from engine.storage import load_space, save_space
from engine.words.align import align, normalised, orthogonal_procrustes


def rotated_pair(n=600, dim=12, noise=0.0, seed=0, target_dim=None):
    rng = np.random.default_rng(seed)
    keys = tuple(f"w{i:04d}" for i in range(n))
    x = rng.standard_normal((n, dim)).astype(np.float32)
    rotation = ortho_group.rvs(dim, random_state=seed).astype(np.float32)
    y = x @ rotation
    if target_dim is not None:  # a target space of another dimension: embed isometrically
        pad = ortho_group.rvs(target_dim, random_state=seed + 1)[:dim].astype(np.float32)
        y = x @ pad
    y = y + noise * rng.standard_normal(y.shape).astype(np.float32)
    return EmbeddingSpace(keys, x), EmbeddingSpace(keys, y), rotation


def test_procrustes_recovers_a_rotation():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 8))
    q = ortho_group.rvs(8, random_state=2)
    w = orthogonal_procrustes(x, x @ q)
    assert np.allclose(w, q, atol=1e-4)
    assert np.allclose(w.T @ w, np.eye(8), atol=1e-4)


def test_a_rotated_copy_is_found_exactly_and_the_unrotated_one_is_not():
    source, target, _ = rotated_pair()
    result = align(source, target, vocab_limit=None, test_words=100, seed=3)
    assert result.test_words == 100 and result.train_words == 500 and result.shared == 600
    assert result.precision_at_1 == 1.0 and result.precision_at_5 == 1.0
    assert result.identity_precision_at_1 < 0.2  # without the rotation: mostly misses
    assert result.mean_overlap == pytest.approx(1.0)  # a rotation keeps neighbourhoods
    mapped = result.space.vectors
    assert np.allclose(mapped, normalised(target.vectors), atol=1e-4)


def test_noise_lowers_precision_and_the_split_is_seeded():
    source, target, _ = rotated_pair(noise=0.8)
    a = align(source, target, vocab_limit=None, test_words=100, seed=5)
    b = align(source, target, vocab_limit=None, test_words=100, seed=5)
    c = align(source, target, vocab_limit=None, test_words=100, seed=6)
    assert 0.0 < a.precision_at_1 < 1.0
    assert a.precision_at_1 <= a.precision_at_5
    assert a.precision_at_1 == b.precision_at_1 and np.array_equal(a.matrix, b.matrix)
    assert not np.array_equal(a.matrix, c.matrix)


def test_spaces_of_different_dimensions_align_through_a_semi_orthogonal_map():
    source, target, _ = rotated_pair(dim=10, target_dim=16)
    result = align(source, target, vocab_limit=None, test_words=100)
    assert result.matrix.shape == (10, 16)
    assert np.allclose(result.matrix @ result.matrix.T, np.eye(10), atol=1e-4)
    assert result.precision_at_1 == 1.0
    assert result.identity_precision_at_1 is None


def test_only_shared_words_are_paired_and_changed_words_are_reported():
    source, target, _ = rotated_pair(n=400)
    keys = list(target.keys)
    keys[-50:] = [f"other{i}" for i in range(50)]  # words only the target knows
    vectors = target.vectors.copy()
    rng = np.random.default_rng(9)
    vectors[7] = rng.standard_normal(vectors.shape[1])  # w0007 moved somewhere else
    target = EmbeddingSpace(tuple(keys), vectors)
    result = align(source, target, vocab_limit=None, test_words=50, compare_words=350)
    assert result.shared == 350
    assert result.changed[0].word == "w0007"
    assert result.changed[0].overlap < 0.5


def test_too_few_shared_words_is_a_clear_error():
    a = EmbeddingSpace(("a", "b", "c"), np.eye(3, dtype=np.float32))
    b = EmbeddingSpace(("x", "y", "c"), np.eye(3, dtype=np.float32))
    with pytest.raises(EngineError, match="share only 1 words"):
        align(a, b)


def test_the_cli_writes_the_aligned_space_and_reports_precision(tmp_path, capsys):
    source, target, _ = rotated_pair(n=300)
    save_space(source, tmp_path / "a")
    save_space(target, tmp_path / "b")
    assert main(["words", "align", "--space", str(tmp_path / "a"), "--to", str(tmp_path / "b"),
                 "--out", str(tmp_path / "aligned"), "--test", "50", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["precision_at_1"] == 1.0 and report["test_words"] == 50
    assert {"word", "overlap", "neighbours_in_space"} <= set(report["most_changed"][0])
    aligned = load_space(tmp_path / "aligned")
    assert aligned.keys == source.keys
    assert aligned.info["alignment"]["method"].startswith("orthogonal Procrustes")
    answer = Engine().handle(api.Neighbours("w0001", 3, space=tmp_path / "aligned"))
    assert len(answer.items) == 3


def test_the_least_squares_map_fits_too_but_is_not_orthogonal():
    source, target, _ = rotated_pair(noise=0.3)
    linear = align(source, target, vocab_limit=None, test_words=100, method="linear")
    assert linear.method == "linear" and linear.precision_at_1 > 0.5
    assert not np.allclose(linear.matrix.T @ linear.matrix, np.eye(12), atol=1e-3)
    with pytest.raises(EngineError, match="Unknown alignment method"):
        align(source, target, method="cca")


def test_a_shared_layout_puts_a_rotated_copy_on_the_same_points():
    from engine.words.align import shared_layout

    source, target, _ = rotated_pair(n=300, dim=6)
    layout = shared_layout(source, target, dims=2, vocab_limit=None)
    assert layout.coords.shape == (300, 2) and layout.other_coords.shape == (300, 2)
    assert np.allclose(layout.coords, layout.other_coords, atol=1e-4)
    assert layout.alignment.precision_at_1 == 1.0
    assert set(layout.counterparts()) == set(target.keys)
    with pytest.raises(EngineError, match="2 or 3 axes"):
        shared_layout(source, target, dims=4)
