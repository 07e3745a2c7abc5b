import threading

import numpy as np
import pytest

from engine import api
from engine.clustering import neighbourhood, spherical_kmeans, top_words, typical_words
from engine.engine import Engine, EngineThread, JobCallbacks, lane_of
from engine.errors import EngineError
from engine.jobs import Cancelled, CancelToken
from engine.spaces import EmbeddingSpace


def blobs(k=5, per_blob=(40, 60, 80, 100, 120), dim=16, spread=0.05, seed=1):
    """``k`` tight bundles of directions around random unit centres, shuffled."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.repeat(np.arange(k), per_blob[:k])
    vectors = centres[truth] + spread * rng.standard_normal((len(truth), dim))
    # Lengths must not matter: spherical k-means looks at directions only.
    vectors *= rng.uniform(0.5, 3.0, size=(len(truth), 1))
    order = rng.permutation(len(truth))
    return vectors[order].astype(np.float32), truth[order]


def test_well_separated_blobs_are_recovered_and_numbered_by_size():
    vectors, truth = blobs()
    result = spherical_kmeans(vectors, 5, seed=0)
    # Same partition as the truth: every found cluster maps to exactly one blob.
    pairs = set(zip(result.labels.tolist(), truth.tolist(), strict=True))
    assert len(pairs) == 5
    # Blob 4 has 120 points, the most: it must be cluster 0.
    sizes = np.bincount(result.labels, minlength=5)
    assert sizes.tolist() == [120, 100, 80, 60, 40]
    assert np.allclose(np.linalg.norm(result.centroids, axis=1), 1.0, atol=1e-5)
    assert 0.0 <= result.inertia < 0.05 * len(vectors)  # 1 - cos ~ 0.02 per point


def test_same_seed_same_clusters_other_seed_still_valid():
    vectors, _ = blobs(spread=0.4)
    a = spherical_kmeans(vectors, 5, seed=3)
    b = spherical_kmeans(vectors, 5, seed=3)
    assert np.array_equal(a.labels, b.labels)
    c = spherical_kmeans(vectors, 5, seed=4)
    assert c.labels.min() == 0 and c.labels.max() == 4


def test_cancel_stops_between_iterations_and_progress_is_reported():
    vectors, _ = blobs(spread=0.6)
    token = CancelToken()
    reports = []

    def on_progress(p):
        reports.append(p)
        if len(reports) == 3:  # seeding, then two iterations
            token.cancel()

    with pytest.raises(Cancelled):
        spherical_kmeans(vectors, 5, seed=0, progress=on_progress, cancel=token)
    assert len(reports) == 3
    assert reports[1].stats["iteration"] == 1


def test_bad_k_is_an_error_a_person_can_act_on():
    vectors, _ = blobs()
    with pytest.raises(EngineError, match="between 1 and"):
        spherical_kmeans(vectors, 0)
    with pytest.raises(EngineError, match="Cannot make 1,000 clusters"):
        spherical_kmeans(vectors, 1000)


def test_top_words_are_each_clusters_first_keys():
    keys = ("a", "b", "c", "d", "e", "f")
    labels = np.array([1, 0, 1, 1, 0, 1])
    assert top_words(keys, labels, 2, per_cluster=2) == (("b", "e"), ("a", "c"))


def test_typical_words_are_frequent_members_nearest_the_clusters_direction():
    # cluster 0: "edge" is the most frequent but off-centre; "core" sits on the mean
    keys = ("edge", "core", "mid", "far", "other")
    vectors = np.array([[1.0, 0.9], [1.0, 0.05], [1.0, -0.3], [1.0, -0.8], [-1.0, 0.0]])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([0, 0, 0, 0, 1])
    assert typical_words(keys, unit, labels, 2, per_cluster=2) == (("core", "mid"),
                                                                   ("other",))
    # only the `among` most frequent members are candidates
    assert typical_words(keys, unit, labels, 2, per_cluster=1, among=1)[0] == ("edge",)


@pytest.fixture
def engine_and_path(tmp_path):
    vectors, truth = blobs()
    keys = tuple(f"w{i}" for i in range(len(vectors)))
    engine = Engine()
    path = tmp_path / "space"
    engine.remember(path, EmbeddingSpace(keys, vectors))
    return engine, path, truth


def test_engine_clusters_and_caches_per_space_k_and_seed(engine_and_path):
    engine, path, truth = engine_and_path
    first = engine.handle(api.Cluster(k=5, seed=0, space=path))
    assert first.k == 5 and len(first.labels) == len(truth) and first.elapsed > 0
    assert sum(first.sizes) == len(truth) and first.sizes[0] == 120
    assert all(len(words) == 3 for words in first.top_words)
    again = engine.handle(api.Cluster(k=5, seed=0, space=path))
    assert again.elapsed == 0.0 and again.labels is first.labels
    other = engine.handle(api.Cluster(k=4, seed=0, space=path))
    assert other.elapsed > 0 and other.labels.max() == 3
    # A newer snapshot under the same path is clustered afresh.
    space = engine.space(path)
    engine.remember(path, EmbeddingSpace(space.keys, space.vectors[::-1].copy()))
    assert engine.handle(api.Cluster(k=5, seed=0, space=path)).elapsed > 0


def test_clustering_runs_on_its_own_lane_and_can_be_cancelled(engine_and_path):
    engine, path, _ = engine_and_path
    assert lane_of(api.Cluster(k=5, space=path)) == "analysis"
    assert lane_of(api.NeighbourhoodOf(("w1",), 3, path)) == "analysis"
    assert lane_of(api.Project(space=path)) == "projections"
    thread = EngineThread(engine)
    ended = threading.Event()
    outcome = []
    callbacks = JobCallbacks(
        finished=lambda job, r: (outcome.append("finished"), ended.set()),
        cancelled=lambda job: (outcome.append("cancelled"), ended.set()),
        failed=lambda job, m: (outcome.append(m), ended.set()),
    )
    try:
        job = thread.submit(api.Cluster(k=5, space=path), callbacks)
        job.cancel()  # before or while it runs: either way it must report cancelled
        assert ended.wait(10)
        assert outcome in (["cancelled"], ["finished"])
    finally:
        thread.shutdown()


def test_neighbourhood_is_the_words_then_their_nearest_neighbours():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((30, 8)).astype(np.float32)
    keys = tuple(f"w{i}" for i in range(30))
    space = EmbeddingSpace(keys, vectors)
    members = neighbourhood(space, ("w3", "w7"), 4)
    assert members[:2] == ("w3", "w7")
    expected = {"w3", "w7"}
    for word in ("w3", "w7"):
        expected |= {s.word for s in space.neighbours(word, 4)}
    assert set(members) == expected and len(members) == len(set(members))
    assert neighbourhood(space, ("w3",), 0) == ("w3",)


def test_neighbourhood_of_an_unknown_word_is_an_engine_error(engine_and_path):
    engine, path, _ = engine_and_path
    with pytest.raises(EngineError, match="not in this space"):
        engine.handle(api.NeighbourhoodOf(("nope",), 3, path))
    ok = engine.handle(api.NeighbourhoodOf(("w1",), 3, path))
    assert ok.members[0] == "w1" and len(ok.members) == 4


def test_cli_cluster_prints_clusters_and_writes_word_cluster_csv(tmp_path, capsys):
    import json

    from engine.__main__ import main
    from engine.storage import save_space

    vectors, truth = blobs(k=3, per_blob=(10, 20, 30))
    keys = tuple(f"w{i}" for i in range(len(vectors)))
    save_space(EmbeddingSpace(keys, vectors), tmp_path / "space")
    out = tmp_path / "clusters.csv"
    assert main(["words", "cluster", "-k", "3", "--space", str(tmp_path / "space"),
                 "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["size"] for c in data["clusters"]] == [30, 20, 10]
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "word,cluster" and len(rows) == 61
    by_word = dict(row.split(",") for row in rows[1:])
    # The 30-point blob (truth 2) is cluster 0.
    assert {by_word[k] for k, t in zip(keys, truth, strict=True) if t == 2} == {"0"}
    assert main(["words", "cluster", "-k", "0", "--space", str(tmp_path / "space")]) == 2
    assert "between 1 and 60" in capsys.readouterr().err


def test_cached_clusterings_do_not_keep_old_snapshots_alive(engine_and_path):
    import gc
    import weakref

    engine, path, _ = engine_and_path
    engine.handle(api.Cluster(k=3, space=path))
    old = weakref.ref(engine.space(path))
    space = engine.space(path)
    engine.remember(path, EmbeddingSpace(space.keys, space.vectors[::-1].copy()))
    del space
    gc.collect()
    assert old() is None
