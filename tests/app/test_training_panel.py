"""The Training panel: train a tiny corpus, watch progress, cancel, fail, close."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QStandardPaths, Qt, QTimer

from app.main_window import MainWindow
from app.panels.training import TrainingPanel

TIMEOUT_MS = 60_000
TOPICS = (
    ("king", "queen", "prince", "castle", "crown", "throne", "royal", "palace"),
    ("apple", "pear", "fruit", "orchard", "juice", "tree", "sweet", "ripe"),
    ("rome", "italy", "paris", "france", "berlin", "germany", "city", "capital"),
    ("dog", "cat", "pet", "animal", "fur", "tail", "bark", "purr"),
)


def write_corpus(path, lines: int, words_per_line: int = 8, seed: int = 0):
    """Short lines, each mostly from one topic, so neighbours have something to learn."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(lines):
            topic = TOPICS[rng.integers(len(TOPICS))]
            f.write(" ".join(rng.choice(topic, words_per_line)) + "\n")
    return path


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    """Encoded-corpus cache and default output folders stay inside the test's tmp_path."""
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))
    QStandardPaths.setTestModeEnabled(True)
    yield
    QStandardPaths.setTestModeEnabled(False)


def set_up(qtbot, panel: TrainingPanel, corpus, out, *, epochs: int, dim: int = 8) -> None:
    """Fill the widgets the way a person would."""
    panel.corpus_own.setChecked(True)
    panel.corpus_path.clear()
    qtbot.keyClicks(panel.corpus_path, str(corpus))
    panel.output_path.clear()
    qtbot.keyClicks(panel.output_path, str(out))
    panel.dim.setValue(dim)
    panel.epochs.setValue(epochs)
    panel.min_count.setValue(1)
    panel.window.setValue(3)


def test_defaults_are_the_skipgram_defaults(qtbot):
    from app.engine_client import EngineClient
    from engine.words.trainer import SkipGramSettings

    client = EngineClient()
    try:
        panel = TrainingPanel(client)
        qtbot.addWidget(panel)
        want = SkipGramSettings()
        got = panel.settings()
        for name in ("dim", "window", "negative", "epochs", "min_count", "sample", "seed",
                     "output_weight"):
            assert getattr(got, name) == getattr(want, name), name
        panel.output_weight.setValue(0.5)  # the default space's input + 0.5 x output
        assert panel.settings().output_weight == 0.5
        assert panel.corpus() is None
        assert panel.output().parts[-2:] == ("spaces", "default-corpus")
        panel.set_corpus("/somewhere/my notes.txt")
        assert panel.output().name == "my-notes"
        assert panel.follow.isChecked()
    finally:
        client.shutdown()


def test_training_reports_progress_loss_and_metrics_per_epoch(qtbot, window, tmp_path):
    panel = window.training_panel
    window.show_tab("training")
    corpus = write_corpus(tmp_path / "tiny.txt", 400)
    out = tmp_path / "out" / "tiny"
    set_up(qtbot, panel, corpus, out, epochs=3)
    progress: list[object] = []
    window.client.job_progress.connect(lambda job_id, p: progress.append(p))
    metrics: list[int] = []
    panel.metrics_shown.connect(lambda epoch, summary: metrics.append(epoch))

    with qtbot.waitSignal(panel.settled, timeout=TIMEOUT_MS):
        with qtbot.waitSignal(panel.training_ended, timeout=TIMEOUT_MS) as ended:
            qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
            assert not panel.train_button.isEnabled() and panel.is_training
    assert ended.args == ["finished"]

    epochs_seen = {p.stats["epoch"] for p in progress if "epoch" in p.stats}
    assert epochs_seen == {1, 2, 3}
    assert len(panel.loss_x) >= 3 and len(panel.loss_x) == len(panel.loss_y)
    assert panel.loss_x[-1] == pytest.approx(1.0)
    assert all(y > 0 for y in panel.loss_y)
    xs, _ = panel.loss_curve.getData()
    assert len(xs) == len(panel.loss_x)
    # One evaluation per epoch, unless an epoch ended while the previous one still ran.
    assert metrics and metrics[-1] == 3 and metrics == sorted(set(metrics))
    assert set(panel.metrics[3]) >= {"analogy", "simlex999", "wordsim353"}
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.progress.value() == 1000
    assert "Trained" in panel.state_label.text()
    assert (out / "manifest.json").exists()

    # "Follow training": the Words view now shows the trained space.
    qtbot.waitUntil(lambda: window.state.space_path == out and len(window.state.keys) == 32,
                    timeout=TIMEOUT_MS)
    assert set(window.state.keys) == {w for topic in TOPICS for w in topic}


def test_cancel_resets_the_panel_within_two_seconds(qtbot, window, tmp_path):
    panel = window.training_panel
    panel.follow.setChecked(False)
    corpus = write_corpus(tmp_path / "bigger.txt", 20_000, 10)
    set_up(qtbot, panel, corpus, tmp_path / "out" / "long", epochs=200, dim=16)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.loss_x) >= 2, timeout=TIMEOUT_MS)
    job_id = panel._train_job

    started = time.perf_counter()
    with qtbot.waitSignal(window.client.job_cancelled, timeout=2_000) as cancelled:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert cancelled.args == [job_id]
    assert time.perf_counter() - started < 2.0
    assert not panel.is_training
    assert "cancelled" in panel.state_label.text().lower()
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.dim.isEnabled()


def test_a_missing_corpus_shows_the_engines_message(qtbot, window, tmp_path):
    panel = window.training_panel
    set_up(qtbot, panel, tmp_path / "missing.txt", tmp_path / "out" / "none", epochs=1)
    with qtbot.waitSignal(panel.training_ended, timeout=TIMEOUT_MS) as ended:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert ended.args == ["failed"]
    text = panel.state_label.text()
    assert "missing.txt does not exist" in text and "Traceback" not in text
    assert "does not exist" in window.statusBar().currentMessage()
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_the_event_loop_keeps_turning_while_training(qtbot, window, tmp_path):
    panel = window.training_panel
    # Training alone. With "follow training" on, each epoch's space also opens in the
    # views while the engine thread evaluates it in Python: the two share the GIL, and on
    # 2 cores the largest gap measured 90-230 ms (see bench/gui.py for the refresh alone).
    panel.follow.setChecked(False)
    corpus = write_corpus(tmp_path / "medium.txt", 8_000, 10)
    set_up(qtbot, panel, corpus, tmp_path / "out" / "medium", epochs=12, dim=16)
    # The window imports the trainer's heavy modules in the background when it opens
    # (the GUI stalls then, once); this test is about the training that follows.
    qtbot.waitUntil(lambda: panel.trainer_ready, timeout=TIMEOUT_MS)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        with qtbot.waitSignal(panel.settled, timeout=TIMEOUT_MS):
            with qtbot.waitSignal(panel.training_ended, timeout=TIMEOUT_MS) as ended:
                qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    finally:
        timer.stop()
    assert ended.args == ["finished"]
    gaps = np.diff(ticks)
    print(f"event loop: {len(ticks)} ticks, max gap {1000 * gaps.max():.1f} ms")
    assert len(ticks) > 20
    assert gaps.max() < 0.100, f"the event loop stalled for {1000 * gaps.max():.0f} ms"


def test_closing_the_window_cancels_training(qtbot, small_space_path, tmp_path):
    win = MainWindow(space_path=small_space_path)
    qtbot.addWidget(win)
    win.show()
    panel = win.training_panel
    panel.follow.setChecked(False)
    corpus = write_corpus(tmp_path / "bigger.txt", 20_000, 10)
    out = tmp_path / "out" / "closed"
    set_up(qtbot, panel, corpus, out, epochs=200, dim=16)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.loss_x) >= 2, timeout=TIMEOUT_MS)

    started = time.perf_counter()
    win.close()
    assert time.perf_counter() - started < 5.0
    assert not win.client.is_running
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_the_default_output_folder_names_the_program_once(qtbot, window):
    from app.panels.training import default_output_folder

    folder = default_output_folder("default-corpus")
    assert folder.parts[-3:] == ("embedding-explorer", "spaces", "default-corpus")
    assert str(folder).count("mbedding") == 1
    assert window.training_panel.output_path.text() == str(folder)


def test_the_trainer_warm_up_is_an_engine_request(qtbot, window):
    """app/ asks the engine (api.PrepareTraining) rather than importing the kernel."""
    import ast
    from pathlib import Path

    import app

    # CPython 3.11's ast.parse can fail while another thread imports modules (its
    # recursion-depth check is shared): let the image-label space finish loading first.
    qtbot.waitUntil(lambda: window.label_state.pictures is not None, timeout=TIMEOUT_MS)
    for path in Path(app.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("engine.words.sgns", "engine.device",
                                                   "engine.words.runtime")), path
    panel = window.training_panel
    with qtbot.waitSignal(panel.trainer_warmed_up, timeout=TIMEOUT_MS):
        panel._submit_warm_up()
    assert panel.trainer_ready
