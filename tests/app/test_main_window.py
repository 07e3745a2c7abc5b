"""The first increment of the desktop program: the word space, searched and explored."""

from __future__ import annotations

import sys
import threading

import numpy as np
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QImage

import main
from app.engine_client import EngineClient
from app.main_window import MainWindow
from engine import api

TIMEOUT_MS = 30_000


class _Probe(QObject):
    fired = Signal(int)


def _neighbour_words(window: MainWindow) -> list[str]:
    tree = window.words_panel.neighbours
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def _search(qtbot, window: MainWindow, text: str) -> None:
    panel = window.words_panel
    panel.search.clear()
    qtbot.keyClicks(panel.search, text)
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)


def test_client_delivers_results_on_the_gui_thread(qtbot, small_space_path):
    client = EngineClient()
    threads: list[int] = []
    client.job_finished.connect(lambda job_id, result: threads.append(threading.get_ident()))
    try:
        with qtbot.waitSignal(client.job_finished, timeout=TIMEOUT_MS) as blocker:
            job_id = client.submit(api.LoadSpace(small_space_path))
        assert blocker.args[0] == job_id
        assert len(blocker.args[1].space) == 200
        assert threads == [threading.get_ident()]
        qtbot.waitUntil(lambda: client.pending() == [])
    finally:
        client.shutdown()
    assert not client.is_running


def test_client_reports_engine_errors_as_messages(qtbot, tmp_path):
    client = EngineClient()
    try:
        with qtbot.waitSignal(client.job_failed, timeout=TIMEOUT_MS) as blocker:
            client.submit(api.LoadSpace(tmp_path / "missing"))
        assert "does not exist" in blocker.args[1]
    finally:
        client.shutdown()


def test_window_shows_every_word_of_the_space(window):
    assert len(window.state.space) == 200
    assert window.state.coords.shape == (200, 2)
    assert len(window.scatter.points.data) == 200
    assert not window.progress.isVisible()
    assert "200 words" in window.statusBar().currentMessage()
    assert window.tabs.isTabEnabled(1)  # Images
    assert window.tabs.isTabEnabled(2) and window.tabs.tabText(2) == "Audio"


def test_search_selects_the_word_and_fills_the_neighbours(qtbot, window):
    panel = window.words_panel
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS) as blocker:
        _search(qtbot, window, "Apple")
    assert blocker.args == ["apple"]
    assert window.state.selection == "apple"
    words = _neighbour_words(window)
    assert len(words) == panel.k.value() == 10
    assert "apple" not in words
    assert window.state.highlighted == words
    assert len(window.scatter.highlight.data) == 10
    assert len(window.scatter.selected.data) == 1


def test_changing_k_and_metric_asks_again(qtbot, window):
    panel = window.words_panel
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS):
        panel.find("pear")
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS):
        panel.k.setValue(4)
    assert len(_neighbour_words(window)) == 4
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS):
        panel.metric.setCurrentText("euclidean")
    assert "euclidean" in panel.neighbours_title.text()


def test_clicking_a_neighbour_selects_it(qtbot, window):
    panel = window.words_panel
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS):
        panel.find("apple")
    tree = panel.neighbours
    item = tree.topLevelItem(2)
    target = item.text(0)
    rect = tree.visualItemRect(item)
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.state.selection == target
    assert blocker.args == [target]
    assert panel.search.text() == target


def test_clicking_a_point_selects_its_word(qtbot, window):
    scatter = window.scatter
    scene_pos = scatter.scene_pos_of("rome")
    view_pos = scatter.plot.mapFromScene(scene_pos)
    expected = scatter.word_at(scene_pos)  # "rome", unless another word sits on it
    assert expected is not None
    with qtbot.waitSignal(window.state.selection_changed, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(scatter.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert blocker.args == [expected]


def test_hovering_a_point_names_it(qtbot, window):
    scatter = window.scatter
    scene_pos = scatter.scene_pos_of("berlin")
    expected = scatter.word_at(scene_pos)
    near = scatter.plot.mapFromScene(scene_pos) + QPoint(1, 0)
    with qtbot.waitSignal(window.state.hover_changed, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseMove(scatter.plot.viewport(), near)
    assert blocker.args == [expected]
    assert window.hover_label.text() == expected


def test_analogy_fills_its_results(qtbot, window):
    panel = window.words_panel
    with qtbot.waitSignal(panel.analogy_shown, timeout=TIMEOUT_MS):
        panel.run_analogy("rome", "italy", "germany", "mul")
    tree = panel.analogy_results
    words = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert len(words) == 10
    assert not {"rome", "italy", "germany"} & set(words)
    assert "rome − italy + germany ≈" in window.statusBar().currentMessage()


def test_unknown_word_is_a_status_message_not_a_traceback(qtbot, window):
    panel = window.words_panel
    with qtbot.waitSignal(panel.neighbours_shown, timeout=TIMEOUT_MS):
        panel.find("apple")
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS) as blocker:
        _search(qtbot, window, "appel")
    message = window.statusBar().currentMessage()
    assert message == blocker.args[0]
    assert "'appel' is not in this space's vocabulary" in message
    assert "apple" in message  # the engine's "Did you mean" names it
    assert "\n" not in message
    assert window.state.selection == "apple"


def test_analogy_with_an_unknown_word_is_a_status_message(qtbot, window):
    panel = window.words_panel
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS):
        panel.run_analogy("rome", "itlay", "germany")
    assert "'itlay' is not in this space's vocabulary" in window.statusBar().currentMessage()
    assert panel.analogy_results.topLevelItemCount() == 0


def test_missing_space_fails_with_a_message(qtbot, tmp_path):
    win = MainWindow(space_path=tmp_path / "nowhere")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.load_failed, timeout=TIMEOUT_MS) as blocker:
        win.start()
    assert "does not exist" in blocker.args[0]
    assert "does not exist" in win.statusBar().currentMessage()
    assert not win.words_panel.isEnabled()


def test_screenshot_writes_a_picture_of_the_window(qtbot, small_space_path, tmp_path):
    out = tmp_path / "shot.png"
    win = MainWindow(space_path=small_space_path)
    qtbot.addWidget(win)
    run = main.ScreenshotRun(win, out, select="apple")
    win.show()
    with qtbot.waitSignal(run.done, timeout=TIMEOUT_MS) as blocker:
        win.start()
    assert blocker.args == [0], run.messages
    assert _neighbour_words(win)  # taken after the neighbours arrived
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (win.width(), win.height())
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    assert pixels.std() > 10  # not one flat colour


def test_closing_the_window_stops_the_engine(qtbot, window):
    client = window.client
    assert client.is_running
    window.close()
    qtbot.waitUntil(lambda: not client.is_running, timeout=10_000)
    assert client.pending() == []


def test_signals_do_not_leak_references_to_true():
    """PySide6 6.12.0 drops a reference to ``True`` on every ``Signal.emit`` (seen on
    Python 3.11): a GUI that emits a few thousand signals then aborts with "bool_dealloc".
    pyproject pins PySide6 below 6.12; this catches a build with that bug."""
    probe = _Probe()
    probe.fired.connect(lambda n: None)
    before = sys.getrefcount(True)
    for i in range(100):
        probe.fired.emit(i)
    assert sys.getrefcount(True) >= before - 5


def test_screenshot_of_an_unknown_word_still_saves_and_says_why(qtbot, small_space_path,
                                                                 tmp_path):
    out = tmp_path / "shot.png"
    win = MainWindow(space_path=small_space_path)
    qtbot.addWidget(win)
    run = main.ScreenshotRun(win, out, select="appel")
    win.show()
    with qtbot.waitSignal(run.done, timeout=TIMEOUT_MS) as blocker:
        win.start()
    assert blocker.args == [0]
    assert out.is_file()
    assert any("'appel' is not in this space's vocabulary" in m for m in run.messages)


def test_screenshot_of_a_missing_space_fails(qtbot, tmp_path):
    win = MainWindow(space_path=tmp_path / "nowhere")
    qtbot.addWidget(win)
    run = main.ScreenshotRun(win, tmp_path / "shot.png")
    with qtbot.waitSignal(run.done, timeout=TIMEOUT_MS) as blocker:
        win.start()
    assert blocker.args == [1]
    assert not (tmp_path / "shot.png").exists()
    assert "does not exist" in run.messages[0]


def test_a_space_without_a_stored_layout_opens_with_pca_and_no_error(window):
    # the small space has no shipped or cached UMAP layout: the window falls back quietly
    assert window.state.projection_params.method == "pca"
    assert "UMAP" not in window.statusBar().currentMessage()


def test_the_default_space_opens_on_its_shipped_umap_layout(qtbot):
    from app.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.ready, timeout=60_000):
        win.start()
    params = win.state.projection_params
    assert (params.method, params.dims, params.seed) == ("umap", 2, 0)
    assert len(win.state.keys) > 40_000
    assert win.projection_panel.method.currentData() == "umap"
    win.close()
