"""The 2D/3D switch, the 3D view and the Projection panel (project, cancel, CSV files).

The 3D tests need OpenGL: run them under Xvfb + Mesa; Qt's offscreen platform skips them.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

import main
from app.main_window import MainWindow
from engine.spaces import EmbeddingSpace
from engine.storage import save_space

TIMEOUT_MS = 60_000
needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen",
                              reason="OpenGL needs a display (run under xvfb-run)")


def _select(qtbot, window: MainWindow, word: str) -> None:
    with qtbot.waitSignal(window.words_panel.neighbours_shown, timeout=TIMEOUT_MS):
        window.words_panel.find(word)


def _switch(qtbot, window: MainWindow, dims: int) -> None:
    button = window.views.button3d if dims == 3 else window.views.button2d
    with qtbot.waitSignal(window.projection_panel.projection_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = rows.reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3)


def _red(image: QImage) -> int:
    pixels = _pixels(image).astype(int)
    return int(((pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)).sum())


@needs_gl
def test_switching_to_3d_shows_every_point_and_keeps_the_selection(qtbot, window):
    import pyqtgraph.opengl as gl

    _select(qtbot, window, "apple")
    _switch(qtbot, window, 3)
    view3d = window.views.view3d
    assert window.views.current_view is view3d
    assert isinstance(view3d.view, gl.GLViewWidget)
    assert window.state.coords.shape == (200, 3)
    assert window.state.projection_params.method == "pca"
    assert len(view3d.points.pos) == 200
    assert window.state.selection == "apple"
    assert len(view3d.selected.pos) == 1
    assert len(view3d.highlight.pos) == 10
    labels = view3d.labels()
    assert labels["selected"] == "apple"
    assert labels["highlight"].split(",") == window.state.highlighted
    assert window.views.button3d.isChecked()

    # It draws: the cloud and the red selected marker are on the framebuffer.
    pixels = _pixels(view3d.view.grabFramebuffer()).astype(int)
    assert (pixels.sum(axis=2) < 600).sum() > 100  # blue points on white
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.sum() > 20

    # Back to 2D: instant (kept in memory), same selection.
    _switch(qtbot, window, 2)
    assert window.views.current_view is window.scatter
    assert window.state.coords.shape == (200, 2)
    assert window.state.selection == "apple"
    assert len(window.scatter.selected.data) == 1


@needs_gl
def test_clicking_a_point_in_3d_selects_its_word(qtbot, window):
    _switch(qtbot, window, 3)
    view3d = window.views.view3d
    qtbot.waitExposed(view3d.view)
    pos = view3d.view_pos_of("rome")
    expected = view3d.word_at(pos)  # "rome", unless another word is drawn on it
    assert expected is not None
    with qtbot.waitSignal(window.state.selection_changed, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(view3d.view, Qt.MouseButton.LeftButton, pos=pos.toPoint())
    assert blocker.args == [expected]
    assert view3d.labels()["selected"] == expected


@needs_gl
def test_pca_3d_from_the_panel_replaces_the_coordinates(qtbot, window):
    panel = window.projection_panel
    panel.method.setCurrentIndex(panel.method.findData("pca"))
    panel.dims.setCurrentIndex(panel.dims.findData(3))
    panel.limit.setValue(50)
    with qtbot.waitSignal(panel.projection_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.project_button, Qt.MouseButton.LeftButton)
    assert window.state.coords.shape == (50, 3)
    assert window.state.row_of("word199") is None  # not projected: hidden
    assert window.views.current_view is window.views.view3d
    assert len(window.views.view3d.points.pos) == 50
    assert not panel.progress.isVisible()
    assert not panel.cancel_button.isEnabled()


def test_a_umap_job_can_be_cancelled_from_the_panel(qtbot, tmp_path):
    rng = np.random.default_rng(1)
    keys = tuple(f"w{i}" for i in range(3000))
    space = EmbeddingSpace(keys, rng.standard_normal((3000, 16)).astype(np.float32))
    save_space(space, tmp_path / "space")
    win = MainWindow(space_path=tmp_path / "space")
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.ready, timeout=TIMEOUT_MS):
        win.start()
    panel = win.projection_panel
    panel.method.setCurrentIndex(panel.method.findData("umap"))
    assert panel.limit.value() == 20_000  # the slow methods' default
    with qtbot.waitSignal(win.client.job_progress, timeout=TIMEOUT_MS,
                          check_params_cb=lambda job_id, _: job_id == panel.job_id):
        qtbot.mouseClick(panel.project_button, Qt.MouseButton.LeftButton)
    job_id = panel.job_id
    assert panel.progress.isVisible() and panel.cancel_button.isEnabled()
    with qtbot.waitSignal(win.client.job_cancelled, timeout=TIMEOUT_MS,
                          check_params_cb=lambda cancelled: cancelled == job_id):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.job_id is None
    assert not panel.progress.isVisible()
    assert "cancelled" in win.statusBar().currentMessage()
    assert win.state.coords.shape == (3000, 2)  # the PCA layout stays
    assert win.state.projection_params.method == "pca"
    win.close()


def test_a_malformed_coordinates_csv_is_a_status_message(qtbot, window, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("word,x\napple,1\n", encoding="utf-8")
    before = window.state.coords
    assert window.projection_panel.load_coordinates(bad) is False
    message = window.statusBar().currentMessage()
    assert "bad.csv" in message and "word,x,y" in message
    assert "\n" not in message
    assert window.state.coords is before


def test_exported_coordinates_load_back(qtbot, window, tmp_path):
    panel = window.projection_panel
    out = tmp_path / "coords.csv"
    assert panel.export_coordinates(out)
    assert "200 coordinates written" in window.statusBar().currentMessage()
    shown = window.state.coords.copy()
    assert panel.load_coordinates(out)
    assert window.state.coords.shape == (200, 2)
    np.testing.assert_allclose(window.state.coords, shown, rtol=1e-6)
    assert window.state.projection_params is None
    assert "coordinates from a file" in window.views.hint.text()


@needs_gl
def test_screenshot_in_3d_shows_the_labels(qtbot, small_space_path, tmp_path):
    out = tmp_path / "shot3d.png"
    win = MainWindow(space_path=small_space_path)
    qtbot.addWidget(win)
    run = main.ScreenshotRun(win, out, select="apple", view="3d")
    win.show()
    with qtbot.waitSignal(run.done, timeout=TIMEOUT_MS) as blocker:
        win.start()
    assert blocker.args == [0], run.messages
    assert win.state.dims == 3
    # The selected word's label is drawn with a QPainter; a plain QWidget.grab loses it
    # and keeps only the red marker.
    assert _red(QImage(str(out))) > _red(win.grab().toImage()) + 30


def test_umap_fitted_on_the_most_frequent_places_the_rest_and_says_so(qtbot, window,
                                                                     monkeypatch):
    """A big space's UMAP fits on the limit's most frequent words and places the others
    (the checkbox starts checked above PLACE_REST_FROM words); the view says so."""
    import app.panels.projection as projection_panel

    monkeypatch.setattr(projection_panel, "PLACE_REST_FROM", 150)
    panel = window.projection_panel
    panel.method.setCurrentIndex(panel.method.findData("umap"))
    assert panel.place_rest.isVisible() and panel.place_rest.isChecked()
    panel.limit.setValue(120)
    request = panel.request()
    assert request.limit is None and request.params["fit_limit"] == 120
    with qtbot.waitSignal(panel.projection_shown, timeout=120_000):
        panel.run()
    state = window.state
    assert len(state.keys) == 200 and state.projection_params.fit_limit == 120
    assert "fitted on the 120 most frequent, the other 80 placed" in window.views.hint.text()
    assert panel.limit.value() == 120 and panel.place_rest.isChecked()
    panel.place_rest.setChecked(False)  # unchecked: only the limit's words are shown
    assert panel.request().limit == 120 and "fit_limit" not in panel.request().params
    panel.method.setCurrentIndex(panel.method.findData("pca"))
    assert not panel.place_rest.isVisible()
