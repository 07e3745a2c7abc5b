import ast
import threading
from pathlib import Path

import numpy as np
import pytest

from engine import api
from engine.engine import Engine, EngineThread, JobCallbacks
from engine.errors import EngineError
from engine.jobs import Cancelled

ENGINE_DIR = Path(__file__).resolve().parents[2] / "engine"


def test_engine_package_never_imports_qt_or_app():
    forbidden = {"PySide6", "PyQt5", "PyQt6", "pyqtgraph", "app"}
    offenders = []
    for path in ENGINE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert offenders == []


@pytest.fixture
def engine_with_space(tmp_path):
    from engine.spaces import EmbeddingSpace

    engine = Engine()
    rng = np.random.default_rng(0)
    words = tuple(f"w{i}" for i in range(50))
    path = tmp_path / "space"
    engine.remember(path, EmbeddingSpace(words, rng.normal(size=(50, 8))))
    return engine, path


def test_handle_answers_neighbours_and_analogy(engine_with_space):
    engine, path = engine_with_space
    ans = engine.handle(api.Neighbours("w1", k=3, space=path))
    assert len(ans.items) == 3 and "w1" not in [s.word for s in ans.items]
    ans = engine.handle(api.Analogy("w1", "w2", "w3", k=4, space=path))
    assert len(ans.items) == 4


def test_unknown_request_and_missing_space_are_engine_errors(tmp_path):
    with pytest.raises(EngineError):
        Engine().handle(object())
    with pytest.raises(EngineError, match="does not exist"):
        Engine().handle(api.Neighbours("x", space=tmp_path / "nope"))


class Recorder:
    def __init__(self):
        self.events = []
        self.done = threading.Event()

    def callbacks(self):
        def finish(kind):
            def f(job, *rest):
                self.events.append((kind, job.id, rest[0] if rest else None))
                self.done.set()
            return f
        return JobCallbacks(finished=finish("finished"), failed=finish("failed"),
                            cancelled=finish("cancelled"))


def test_engine_thread_runs_queries_and_reports_failures(engine_with_space):
    engine, path = engine_with_space
    thread = EngineThread(engine)
    try:
        ok, bad = Recorder(), Recorder()
        thread.submit(api.Neighbours("w1", space=path), ok.callbacks())
        thread.submit(api.Analogy("w1", "zzz", "w3", space=path), bad.callbacks())
        assert ok.done.wait(5) and bad.done.wait(5)
        assert ok.events[0][0] == "finished"
        assert bad.events[0][0] == "failed" and "zzz" in bad.events[0][2]
    finally:
        thread.shutdown()


def test_newer_query_cancels_the_stale_one_of_the_same_kind(engine_with_space):
    engine, path = engine_with_space
    started, release = threading.Event(), threading.Event()

    class SlowEngine(Engine):
        def _handle_Project(self, r, progress, cancel):
            started.set()
            release.wait(5)
            cancel.raise_if_cancelled()
            return "projection"

    slow = SlowEngine()
    thread = EngineThread(slow)
    try:
        first, second = Recorder(), Recorder()
        thread.submit(api.Project(space=path), first.callbacks())
        assert started.wait(5)
        thread.submit(api.Project(space=path, seed=1), second.callbacks())
        release.set()
        assert first.done.wait(5) and second.done.wait(5)
        assert first.events[0][0] == "cancelled"
        assert second.events[0][0] == "finished"
    finally:
        thread.shutdown()


def test_cancelled_exception_is_not_an_error():
    assert not issubclass(Cancelled, EngineError)


@pytest.mark.parametrize("slow_request", [
    lambda path: api.Project(space=path),
    lambda path: api.Evaluate(space=path),
    lambda path: api.ExportVectors(path.parent / "out.txt", "word2vec-text", path),
], ids=["projection", "evaluate", "export"])
def test_a_long_job_does_not_hold_up_queries(engine_with_space, slow_request):
    # UMAP takes minutes, an evaluation or a large export seconds: each runs on a lane
    # of its own, never the queries lane.
    engine, path = engine_with_space
    started, release = threading.Event(), threading.Event()

    class SlowEngine(Engine):
        def _handle_Project(self, r, progress, cancel):
            started.set()
            release.wait(5)
            return "done"

        _handle_Evaluate = _handle_ExportVectors = _handle_Project

    slow = SlowEngine()
    slow.remember(path, engine.space(path))
    thread = EngineThread(slow)
    try:
        long_job, query = Recorder(), Recorder()
        thread.submit(slow_request(path), long_job.callbacks())
        assert started.wait(5)
        thread.submit(api.Neighbours("w1", space=path), query.callbacks())
        assert query.done.wait(5), "the neighbours query waited behind the long job"
        assert query.events[0][0] == "finished"
        release.set()
        assert long_job.done.wait(5)
    finally:
        release.set()
        thread.shutdown()


def test_compare_answers_one_query_in_two_spaces(tmp_path):
    from engine.spaces import EmbeddingSpace
    from engine.storage import save_space

    rng = np.random.default_rng(4)
    words = ("apple", "pear", "plum", "car", "bus", "tram")
    vectors = rng.normal(size=(6, 5)).astype(np.float32)
    save_space(EmbeddingSpace(words, vectors), tmp_path / "a")
    save_space(EmbeddingSpace(words[:5], vectors[:5] @ np.diag([1, 1, 1, 1, -1])
                              .astype(np.float32)), tmp_path / "b")
    engine = Engine()
    result = engine.handle(api.Compare(api.Neighbours("apple", 3, space=tmp_path / "a"),
                                       tmp_path / "b"))
    assert len(result.first.items) == 3 and len(result.second.items) == 3
    assert 0.0 <= result.agreement <= 1.0
    assert result.common == {s.word for s in result.first.items} & {
        s.word for s in result.second.items}
    missing = engine.handle(api.Compare(api.Neighbours("tram", 3, space=tmp_path / "a"),
                                        tmp_path / "b"))
    assert missing.first is not None and missing.second is None
    assert "'tram' is not in this space" in missing.second_error
    assert missing.agreement is None
    analogy = engine.handle(api.Compare(api.Analogy("apple", "pear", "car", 2,
                                                    space=tmp_path / "a"), tmp_path / "b"))
    assert len(analogy.first.items) == 2 and len(analogy.second.items) == 2


def test_a_query_on_another_channel_leaves_the_first_running(engine_with_space):
    engine, path = engine_with_space
    started, release = threading.Event(), threading.Event()

    class SlowEngine(Engine):
        def _handle_Project(self, r, progress, cancel):
            if r.seed == 0:
                started.set()
                release.wait(5)
            cancel.raise_if_cancelled()
            return f"projection {r.seed}"

    thread = EngineThread(SlowEngine())
    try:
        words, labels = Recorder(), Recorder()
        thread.submit(api.Project(space=path), words.callbacks())
        assert started.wait(5)
        thread.submit(api.Project(space=path, seed=1), labels.callbacks(), "image-labels")
        release.set()
        assert words.done.wait(5) and labels.done.wait(5)
        assert (words.events[0][0], words.events[0][2]) == ("finished", "projection 0")
        assert (labels.events[0][0], labels.events[0][2]) == ("finished", "projection 1")
    finally:
        thread.shutdown()
