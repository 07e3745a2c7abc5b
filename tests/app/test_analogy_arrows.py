"""An analogy draws its parallelogram: arrows B→A and C→answer in the 2D and 3D views.

The 3D test needs OpenGL: run it under Xvfb + Mesa; Qt's offscreen platform skips it.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.main_window import MainWindow
from app.views.scatter2d import ARROW

TIMEOUT_MS = 30_000
needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen",
                              reason="OpenGL needs a display (run under xvfb-run)")


def _analogy(qtbot, window: MainWindow, a: str, b: str, c: str) -> str:
    """Run A − B + C from the panel; the first answer."""
    panel = window.words_panel
    with qtbot.waitSignal(panel.analogy_shown, timeout=TIMEOUT_MS):
        panel.run_analogy(a, b, c)
    return panel.analogy_results.topLevelItem(0).text(0)


def _arrow_pixels(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = rows.reshape(image.height(), image.bytesPerLine())
    pixels = rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    target = np.array([ARROW.red(), ARROW.green(), ARROW.blue()])
    return int((np.abs(pixels - target).sum(axis=2) < 40).sum())


def test_an_analogy_draws_its_arrows_in_2d(qtbot, window):
    view = window.scatter
    before = _arrow_pixels(view.plot.grab().toImage())
    answer = _analogy(qtbot, window, "rome", "italy", "germany")

    # rome − italy + germany ≈ answer: italy→rome and germany→answer carry one offset.
    assert window.state.arrows == [("italy", "rome"), ("germany", answer)]
    assert view.arrow_segments() == [("italy", "rome", False), ("germany", answer, False)]
    assert window.state.highlighted == ["rome", "italy", "germany", answer]
    x, y = view.arrow_lines.getData()
    ends = np.column_stack((x, y))
    rows = [window.state.row_of(w) for w in ("italy", "rome", "germany", answer)]
    np.testing.assert_allclose(ends, window.state.coords[rows], rtol=1e-6)

    # Two heads, each near its arrow's end and pointing away from its start on screen.
    heads = [h for h in view._arrow_heads if h.isVisible()]
    assert len(heads) == 2
    for head, (start, end) in zip(heads, window.state.arrows, strict=True):
        tip = view.view_box.mapViewToScene(head.pos())
        at_start, at_end = view.scene_pos_of(start), view.scene_pos_of(end)
        assert (tip - at_end).manhattanLength() < 12
        assert (tip - at_start).manhattanLength() > (at_end - at_start).manhattanLength() - 12

    # The four words are in view, and the arrows really reach the screen.
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    for wx, wy in window.state.coords[rows]:
        assert x0 <= wx <= x1 and y0 <= wy <= y1
    qtbot.waitUntil(lambda: _arrow_pixels(view.plot.grab().toImage()) > before + 50,
                    timeout=5_000)


def test_clicking_another_answer_moves_the_second_arrow(qtbot, window):
    answer = _analogy(qtbot, window, "rome", "italy", "germany")
    results = window.words_panel.analogy_results
    second = results.topLevelItem(1)
    assert second.text(0) != answer
    results.itemClicked.emit(second, 0)
    assert window.state.arrows == [("italy", "rome"), ("germany", second.text(0))]
    assert window.state.selection == second.text(0)


def test_arrows_clear_when_a_new_space_loads(qtbot, window, small_space_path):
    _analogy(qtbot, window, "rome", "italy", "germany")
    assert window.scatter.arrow_segments()
    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        window.open_space(small_space_path)
    assert window.state.arrows == []
    assert window.scatter.arrow_segments() == []
    assert len(window.scatter.arrow_lines.getData()[0]) == 0
    assert not any(h.isVisible() for h in window.scatter._arrow_heads)


def test_an_unknown_word_draws_no_arrows(qtbot, window):
    _analogy(qtbot, window, "rome", "italy", "germany")
    panel = window.words_panel
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS) as blocker:
        panel.run_analogy("rome", "italy", "atlantis")
    assert "atlantis" in blocker.args[0]
    assert window.state.arrows == []
    assert window.scatter.arrow_segments() == []


@needs_gl
def test_the_3d_view_gets_the_arrow_segments(qtbot, window):
    answer = _analogy(qtbot, window, "rome", "italy", "germany")
    with qtbot.waitSignal(window.projection_panel.projection_shown, timeout=TIMEOUT_MS):
        window.views.show_dims(3)
    view3d = window.views.view3d
    assert window.views.current_view is view3d
    assert view3d.arrow_segments() == [("italy", "rome", False), ("germany", answer, False)]
    # Per arrow: the shaft (2 vertices) and four head fins (2 each).
    pos = view3d.arrow_lines.pos
    assert pos.shape == (2 * 10, 3)
    coords = window.state.coords
    np.testing.assert_allclose(pos[0], coords[window.state.row_of("italy")], rtol=1e-5)
    np.testing.assert_allclose(pos[10], coords[window.state.row_of("germany")], rtol=1e-5)
    # The shaft ends just short of its end word, on the line towards it.
    end = coords[window.state.row_of("rome")]
    shaft = pos[1] - pos[0]
    whole = end - pos[0]
    np.testing.assert_allclose(np.cross(shaft, whole), 0, atol=1e-4)
    assert 0.9 < np.linalg.norm(shaft) / np.linalg.norm(whole) < 1.0
