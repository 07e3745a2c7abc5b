from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pytest

from engine import projection
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken, Progress
from engine.projection import Projection, ProjectionParams, default_cache_dir, project
from engine.spaces.embedding_space import EmbeddingSpace


@pytest.fixture(scope="module", autouse=True)
def _stop_workers():
    yield
    projection.shutdown_workers()


def random_space(n: int = 300, d: int = 16, seed: int = 0) -> EmbeddingSpace:
    rng = np.random.default_rng(seed)
    return EmbeddingSpace(tuple(f"w{i}" for i in range(n)),
                          rng.standard_normal((n, d)).astype(np.float32))


def plane_space(n: int = 300, d: int = 16) -> tuple[EmbeddingSpace, np.ndarray]:
    """Points on a 2D plane through a random offset in d dimensions, plus tiny noise."""
    rng = np.random.default_rng(1)
    planar = rng.standard_normal((n, 2)) * np.array([5.0, 2.0])
    basis, _ = np.linalg.qr(rng.standard_normal((d, 2)))
    x = planar @ basis.T + rng.standard_normal(d) * 3 + rng.standard_normal((n, d)) * 1e-4
    return EmbeddingSpace(tuple(f"p{i}" for i in range(n)), x.astype(np.float32)), planar


def pairwise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))


# ---- PCA ------------------------------------------------------------------------------
def test_pca_recovers_a_planted_plane(tmp_path):
    space, planar = plane_space()
    result = project(space, ProjectionParams("pca", dims=2), cache_dir=tmp_path)
    assert isinstance(result, Projection)
    assert result.keys == space.keys
    assert result.coords.shape == (300, 2) and result.coords.dtype == np.float32
    np.testing.assert_allclose(pairwise(result.coords), pairwise(planar), atol=2e-3)
    # The first axis carries the larger spread (5 against 2).
    assert result.coords[:, 0].std() > 2 * result.coords[:, 1].std()


def test_pca_is_deterministic(tmp_path):
    space = random_space()
    a = project(space, ProjectionParams("pca"), cache_dir=tmp_path / "a")
    b = project(space, ProjectionParams("pca"), cache_dir=tmp_path / "b")
    assert not a.cached and not b.cached
    np.testing.assert_array_equal(a.coords, b.coords)


def test_pca_3d_respects_the_limit_and_is_read_only(tmp_path):
    space = random_space()
    result = project(space, ProjectionParams("pca", dims=3, limit=100), cache_dir=tmp_path)
    assert result.coords.shape == (100, 3)
    assert result.keys == space.keys[:100]
    assert not result.coords.flags.writeable
    with pytest.raises(ValueError):
        result.coords[0, 0] = 1.0


def test_pca_whiten_gives_unit_variance(tmp_path):
    result = project(random_space(), ProjectionParams("pca", whiten=True), cache_dir=tmp_path)
    np.testing.assert_allclose(result.coords.std(axis=0, ddof=1), [1.0, 1.0], rtol=1e-4)


def test_progress_ends_at_one(tmp_path):
    reports: list[Progress] = []
    project(random_space(), ProjectionParams("pca"), reports.append, cache_dir=tmp_path)
    fractions = [p.fraction for p in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


# ---- cache ----------------------------------------------------------------------------
def test_second_call_is_a_cache_hit(tmp_path, monkeypatch):
    space = random_space()
    params = ProjectionParams("pca", dims=3)
    first = project(space, params, cache_dir=tmp_path)
    assert not first.cached
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first.cache_key}.npz"]

    def must_not_run(*args, **kwargs):
        raise AssertionError("recomputed despite a cached result")

    monkeypatch.setattr(projection, "_pca", must_not_run)
    second = project(space, params, cache_dir=tmp_path)
    assert second.cached and second.cache_key == first.cache_key
    np.testing.assert_array_equal(second.coords, first.coords)
    assert not second.coords.flags.writeable


def test_cache_key_follows_vectors_and_the_parameters_the_method_reads():
    space = random_space()
    keys, vectors = space.keys, space.vectors
    base = projection.cache_key(keys, vectors, ProjectionParams("pca"))
    # PCA reads neither seed nor n_neighbors: same layout, same file.
    assert base == projection.cache_key(keys, vectors, ProjectionParams("pca", seed=3,
                                                                        n_neighbors=5))
    assert base != projection.cache_key(keys, vectors, ProjectionParams("pca", whiten=True))
    assert base != projection.cache_key(keys, vectors, ProjectionParams("pca", dims=3))
    changed = vectors.copy()
    changed[7, 3] += 1e-3
    assert base != projection.cache_key(keys, changed, ProjectionParams("pca"))
    renamed = ("other",) + keys[1:]
    assert base != projection.cache_key(renamed, vectors, ProjectionParams("pca"))
    umap_a = projection.cache_key(keys, vectors, ProjectionParams("umap", seed=1))
    assert umap_a != projection.cache_key(keys, vectors, ProjectionParams("umap", seed=2))


def test_numpy_and_int_params_share_the_float_cache_key():
    space = random_space()
    a = ProjectionParams("tsne", perplexity=30, seed=np.int64(4))
    b = ProjectionParams("tsne", perplexity=30.0, seed=4)
    assert a == b and isinstance(a.seed, int)
    assert (projection.cache_key(space.keys, space.vectors, a)
            == projection.cache_key(space.keys, space.vectors, b))


def test_a_limit_past_the_end_shares_the_full_projection(tmp_path):
    space = random_space()
    full = project(space, ProjectionParams("pca"), cache_dir=tmp_path)
    again = project(space, ProjectionParams("pca", limit=10_000), cache_dir=tmp_path)
    assert again.cached and again.cache_key == full.cache_key


def test_a_corrupt_cache_file_is_recomputed(tmp_path):
    space = random_space()
    first = project(space, ProjectionParams("pca"), cache_dir=tmp_path)
    (tmp_path / f"{first.cache_key}.npz").write_bytes(b"not a zip file")
    second = project(space, ProjectionParams("pca"), cache_dir=tmp_path)
    assert not second.cached
    np.testing.assert_array_equal(second.coords, first.coords)
    third = project(space, ProjectionParams("pca"), cache_dir=tmp_path)
    assert third.cached


def test_default_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "ee"))
    assert default_cache_dir() == tmp_path / "ee" / "projections"
    monkeypatch.delenv("EMBEDDING_EXPLORER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "embedding-explorer" / "projections"


# ---- UMAP and t-SNE -------------------------------------------------------------------
def test_umap_gives_finite_coordinates_with_epoch_progress(tmp_path):
    reports: list[Progress] = []
    space = random_space()
    result = project(space, ProjectionParams("umap", dims=2, seed=1), reports.append,
                     cache_dir=tmp_path)
    assert result.coords.shape == (300, 2)
    assert np.isfinite(result.coords).all()
    assert (tmp_path / f"{result.cache_key}.npz").is_file()
    fractions = [p.fraction for p in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("epoch" in p.stats for p in reports)


def test_tsne_gives_finite_reproducible_coordinates(tmp_path):
    space = random_space()
    params = ProjectionParams("tsne", dims=2, seed=3, perplexity=10, n_iter=150)
    reports: list[Progress] = []
    a = project(space, params, reports.append, cache_dir=tmp_path / "a")
    b = project(space, params, cache_dir=tmp_path / "b")
    assert a.coords.shape == (300, 2) and np.isfinite(a.coords).all()
    np.testing.assert_allclose(a.coords, b.coords, rtol=1e-5, atol=1e-5)
    assert any("iteration" in p.stats for p in reports)


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_fitting_on_the_most_frequent_places_the_rest_by_their_neighbours(tmp_path, method):
    """A big space's UMAP or t-SNE is fitted on its first keys; every other key lands
    where its nearest fitted keys are (here: near-copies of fitted keys, in 20 tight
    clusters, land by their twins)."""
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((20, 16)) * 4
    fitted = centres[np.arange(300) % 20] + 0.2 * rng.standard_normal((300, 16))
    twins = np.arange(0, 300, 3)
    copies = fitted[twins] + 1e-3 * rng.standard_normal((len(twins), 16))
    space = EmbeddingSpace(tuple(f"w{i}" for i in range(300)) + tuple(f"c{i}" for i in twins),
                           np.vstack([fitted, copies]).astype(np.float32))
    extra = {"n_iter": 150, "perplexity": 10} if method == "tsne" else {}
    params = ProjectionParams(method, dims=2, seed=1, fit_limit=300, **extra)
    reports: list[Progress] = []
    result = project(space, params, reports.append, cache_dir=tmp_path)
    assert result.coords.shape == (400, 2) and np.isfinite(result.coords).all()
    spread = np.ptp(result.coords[:300], axis=0).max()
    gaps = np.linalg.norm(result.coords[300:] - result.coords[twins], axis=1)
    assert np.median(gaps) < 0.05 * spread
    assert any("placing the other 100 points" in p.message for p in reports)
    # Another fit size is another layout; a fit size covering every key is the plain one.
    assert projection.cache_key(space.keys, space.vectors, params) != projection.cache_key(
        space.keys, space.vectors, ProjectionParams(method, dims=2, seed=1, **extra))
    assert ProjectionParams(method, **extra).relevant() == ProjectionParams(
        method, **extra).relevant()
    assert "fit_limit" not in ProjectionParams(method, **extra).relevant()


@pytest.mark.parametrize("method", ["pca", "umap", "tsne"])
def test_a_cancelled_token_raises_and_writes_nothing(tmp_path, method):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        project(random_space(), ProjectionParams(method), cancel=token, cache_dir=tmp_path)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_cancelling_a_running_job_kills_its_worker(tmp_path, method):
    token = CancelToken()
    cancelled_at: list[float] = []

    def on_progress(p: Progress) -> None:
        # Reports from inside the worker mean the job is running there.
        if "loading" in p.message and not cancelled_at:
            cancelled_at.append(time.perf_counter())
            token.cancel()

    with pytest.raises(Cancelled):
        project(random_space(), ProjectionParams(method), on_progress, token, tmp_path)
    assert cancelled_at and time.perf_counter() - cancelled_at[0] < 2.0
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
    idle = {w.process.pid for w in projection._idle}
    assert {p.pid for p in multiprocessing.active_children()} <= idle


# ---- validation -----------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"method": "mds"},
    {"dims": 4},
    {"dims": True},
    {"seed": -1},
    {"seed": 1.5},
    {"limit": 0},
    {"n_neighbors": 1},
    {"min_dist": 2.0},
    {"metric": "hamming"},
    {"init": "random"},
    {"perplexity": 0},
    {"perplexity": float("nan")},
    {"n_iter": 10},
    {"learning_rate": -1.0},
    {"whiten": "yes"},
])
def test_bad_params_are_engine_errors(kwargs):
    with pytest.raises(EngineError):
        ProjectionParams(**kwargs)


@pytest.mark.parametrize("params, words", [
    (ProjectionParams("umap", n_neighbors=15, limit=10), "n_neighbors"),
    (ProjectionParams("tsne", perplexity=30, limit=50), "perplexity"),
    (ProjectionParams("pca", dims=3, limit=3), "more than 3 points"),
])
def test_a_space_too_small_for_the_params_is_an_engine_error(tmp_path, params, words):
    with pytest.raises(EngineError, match=words):
        project(random_space(), params, cache_dir=tmp_path)


def test_pca_needs_as_many_dimensions_as_axes(tmp_path):
    with pytest.raises(EngineError, match="2D"):
        project(random_space(d=2), ProjectionParams("pca", dims=3), cache_dir=tmp_path)


# ---- shipped layouts --------------------------------------------------------------------
def test_a_shipped_layout_is_used_whatever_the_library_version(tmp_path, monkeypatch):
    space = random_space()
    params = ProjectionParams("pca", dims=2)
    shipped = tmp_path / "shipped"
    path = projection.store_shipped(space, params, shipped, cache_dir=tmp_path / "cache")
    made = project(space, params, cache_dir=tmp_path / "made")
    # another machine: an empty cache and another numpy version
    monkeypatch.setattr(projection, "_library_version", lambda method: "numpy 0.0")
    progress: list[Progress] = []
    got = project(space, params, progress.append, cache_dir=tmp_path / "empty",
                  shipped=[shipped])
    assert got.cached and "shipped" in progress[-1].message
    np.testing.assert_array_equal(got.coords, made.coords)
    assert path.parent == shipped and len(list(shipped.glob("*.npz"))) == 1
    # another space does not take it
    other = random_space(seed=5)
    assert not project(other, params, cache_dir=tmp_path / "empty", shipped=[shipped]).cached


def test_cached_only_fails_fast_without_a_stored_layout(tmp_path):
    space = random_space()
    with pytest.raises(EngineError, match="No stored UMAP 2D layout"):
        project(space, ProjectionParams("umap", dims=2), cache_dir=tmp_path, shipped=[],
                cached_only=True)
    assert not list(tmp_path.glob("*.npz"))
