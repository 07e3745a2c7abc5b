"""Box and lasso selection in the 2D view, the multi-word selection in both views, and
Isolate / Show all."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.views.selection_tools import (
    framing_bounds,
    points_in_polygon,
    points_in_rect,
    thin_polygon,
)

TIMEOUT_MS = 30_000
needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen",
                              reason="OpenGL needs a display (run under xvfb-run)")


# ---- geometry -------------------------------------------------------------------------
def test_points_in_a_concave_polygon():
    # An L shape: the unit square's top-right quarter is cut away.
    polygon = np.array([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)], dtype=float)
    points = np.array([(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (1.5, 1.5), (3, 0.5), (-1, 1),
                       (0.5, 2.5)])
    assert points_in_polygon(points, polygon).tolist() == [True, True, True, False, False,
                                                           False, False]
    # Winding does not matter.
    assert points_in_polygon(points, polygon[::-1]).tolist() == \
        points_in_polygon(points, polygon).tolist()
    assert not points_in_polygon(points, polygon[:2]).any()  # two vertices: no area


def test_points_in_a_circle_match_the_distance_test_for_many_points():
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, size=(60_000, 2))
    angles = np.linspace(0, 2 * np.pi, 2000, endpoint=False)  # thinned to 256 vertices
    circle = np.column_stack([np.cos(angles), np.sin(angles)])
    inside = points_in_polygon(points, circle)
    radius = np.hypot(points[:, 0], points[:, 1])
    clear = np.abs(radius - 1) > 1e-3  # the 256-gon and the circle differ by < 1e-4
    assert np.array_equal(inside[clear], radius[clear] < 1)
    assert len(thin_polygon(circle)) <= 256


def test_points_in_rect_takes_corners_in_any_order():
    points = np.array([(0, 0), (1, 1), (2, 2), (1, 3)], dtype=float)
    assert points_in_rect(points, (2, 0), (0.5, 2)).tolist() == [False, True, True, False]


# ---- the 2D view ----------------------------------------------------------------------
GRID = 10  # a GRID x GRID lattice of words at integer coordinates


@pytest.fixture
def grid_window(qtbot, window):
    """The window with its first 100 words laid out on a lattice: x = i % 10, y = i // 10."""
    keys = window.state.keys[:GRID * GRID]
    coords = np.array([(i % GRID, i // GRID) for i in range(len(keys))], dtype=np.float32)
    window.state.set_projection(tuple(keys), coords)
    qtbot.wait(10)
    return window


def _word(window, x: int, y: int) -> str:
    return window.state.keys[y * GRID + x]


def test_box_selection_selects_exactly_the_points_inside(grid_window):
    window = grid_window
    view = window.scatter
    words = view.select_in_box((1.5, 2.5), (4.5, 3.5))
    expected = [_word(window, x, 3) for x in (2, 3, 4)]
    assert words == expected
    assert window.state.selected_set == tuple(expected)
    assert window.views.selection_bar.count.text() == "3 selected"
    assert len(view.selected_set_item.data) == 3
    # Ctrl adds to the selection.
    view.select_in_box((0, 0), (0, 0), add=True)
    assert window.state.selected_set == (*expected, _word(window, 0, 0))
    bar = window.views.selection_bar
    assert bar.clear_button.isVisibleTo(bar)
    bar.clear_button.click()
    assert window.state.selected_set == () and len(view.selected_set_item.data) == 0
    assert not bar.clear_button.isVisibleTo(bar) and bar.count.text() == ""


def _drag(widget, start: QPoint, end: QPoint, modifiers=Qt.KeyboardModifier.NoModifier,
          path: list[QPoint] | None = None) -> None:
    """A real left-button drag, as Qt delivers it (press, moves with the button, release).
    pyqtgraph's scene drops moves that come within 10 ms of the last one (its
    ``mouseRateLimit``), so the moves are paced like a hand's."""
    left = Qt.MouseButton.LeftButton

    def send(kind, at: QPoint, buttons) -> None:
        global_at = widget.mapToGlobal(at)
        event = QMouseEvent(kind, QPointF(at), QPointF(global_at), left, buttons, modifiers)
        QApplication.sendEvent(widget, event)

    send(QMouseEvent.Type.MouseButtonPress, start, left)
    for at in [*(path or []), end]:
        time.sleep(0.015)
        send(QMouseEvent.Type.MouseMove, at, left)
    send(QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def _screen(view, x: float, y: float) -> QPoint:
    scene = view.view_box.mapViewToScene(QPointF(x, y))
    return view.plot.mapFromScene(scene)


def test_shift_drag_draws_a_box_and_selects_what_it_covers(qtbot, grid_window):
    window = grid_window
    view = window.scatter
    before = view.view_box.viewRange()
    with qtbot.waitSignal(window.state.selected_set_changed, timeout=TIMEOUT_MS) as blocker:
        _drag(view.plot.viewport(), _screen(view, 5.5, 5.5), _screen(view, 7.5, 7.5),
              Qt.KeyboardModifier.ShiftModifier,
              path=[_screen(view, 6, 6), _screen(view, 7, 7)])
    expected = {_word(window, x, y) for x in (6, 7) for y in (6, 7)}
    assert set(blocker.args[0]) == expected
    assert view.view_box.viewRange() == before  # the drag selected; it did not pan
    assert not view.selection_shape.isVisible()


def test_box_tool_selects_without_shift_and_pick_tool_pans(qtbot, grid_window):
    window = grid_window
    view = window.scatter
    window.views.selection_bar.set_tool("box")
    assert view.tool == "box"
    _drag(view.plot.viewport(), _screen(view, -0.1, -0.1), _screen(view, 1.5, 0.5),
          path=[_screen(view, 1, 0)])
    assert set(window.state.selected_set) == {_word(window, 0, 0), _word(window, 1, 0)}
    window.views.selection_bar.set_tool("pick")
    before = view.view_box.viewRange()
    _drag(view.plot.viewport(), _screen(view, 3, 3), _screen(view, 6, 6),
          path=[_screen(view, 4, 4), _screen(view, 5, 5)])
    assert view.view_box.viewRange() != before  # panned
    assert len(window.state.selected_set) == 2  # unchanged


def test_lasso_selects_exactly_the_points_inside_its_outline(qtbot, grid_window):
    window = grid_window
    view = window.scatter
    # A triangle whose edges pass between lattice points (x = 0.5, y = 0.5, x + y = 6.7),
    # far more than a pixel's rounding away from any of them: a lattice point (x, y) is
    # inside when x >= 1, y >= 1 and x + y <= 6.
    triangle = [(0.5, 0.5), (6.2, 0.5), (0.5, 6.2)]
    words = view.select_in_lasso(triangle)
    expected = {_word(window, x, y) for x in range(1, 7) for y in range(1, 7) if x + y <= 6}
    assert set(words) == expected and len(words) == len(expected) == 15
    # The same outline drawn with the lasso tool, one mouse move per vertex.
    window.state.set_selected_set([])
    window.views.selection_bar.set_tool("lasso")
    corners = [_screen(view, x, y) for x, y in triangle]
    with qtbot.waitSignal(window.state.selected_set_changed, timeout=TIMEOUT_MS) as blocker:
        _drag(view.plot.viewport(), corners[0], corners[0], path=corners[1:])
    assert set(blocker.args[0]) == expected


def _isolate(qtbot, window) -> None:
    with qtbot.waitSignal(window.views.selection_bar.isolated, timeout=TIMEOUT_MS):
        window.views.selection_bar.isolate_button.click()


def test_isolate_hides_other_points_and_show_all_restores_them(qtbot, window):
    view = window.scatter
    bar = window.views.selection_bar
    bar.neighbours.setValue(3)
    window.state.set_selected_set(["apple", "rome"])
    _isolate(qtbot, window)
    shown = window.state.visible_words
    space = window.state.space
    expected = {"apple", "rome", *(s.word for w in ("apple", "rome")
                                   for s in space.neighbours(w, 3))}
    assert shown == expected
    visible = view.points.data["visible"]
    assert int(visible.sum()) == len(expected)
    assert {window.state.keys[r] for r in np.flatnonzero(visible)} == expected
    assert bar.show_all_button.isEnabled()
    assert "Showing 2 selected words and their 3 nearest neighbours" in \
        window.statusBar().currentMessage()
    # A hidden word cannot be picked, a shown one can.
    hidden = next(k for k in window.state.keys if k not in expected)
    assert view.word_at(view.scene_pos_of(hidden)) in expected | {None}
    # Box selection only takes shown words.
    assert set(view.select_in_box((-1e9, -1e9), (1e9, 1e9))) == expected
    bar.show_all_button.click()
    assert window.state.visible_words is None
    assert bool(view.points.data["visible"].all())
    assert not bar.show_all_button.isEnabled()


def test_isolate_with_nothing_selected_says_what_to_do(qtbot, window):
    window.views.selection_bar.isolate_button.click()
    assert "Nothing is selected" in window.statusBar().currentMessage()
    assert window.state.visible_words is None


def test_isolate_uses_the_single_selection_when_no_set_is_selected(qtbot, window):
    window.views.selection_bar.neighbours.setValue(0)
    window.state.select("pear")
    _isolate(qtbot, window)
    assert window.state.visible_words == {"pear"}


@needs_gl
def test_3d_view_follows_the_selection_set_and_the_isolation(qtbot, window):
    window.state.set_selected_set(["apple", "pear", "rome"])
    window.views.selection_bar.neighbours.setValue(2)
    _isolate(qtbot, window)
    with qtbot.waitSignal(window.projection_panel.projection_shown, timeout=TIMEOUT_MS):
        window.views.show_dims(3)
    view3d = window.views.view3d
    shown = len(window.state.visible_words)
    assert view3d.drawn_point_count() == shown < 200
    assert len(view3d.selected_set_item.pos) == 3
    assert window.views.selection_bar.tool_buttons["lasso"].isHidden()
    hidden = next(k for k in window.state.keys if k not in window.state.visible_words)
    assert view3d.word_at(view3d.view_pos_of(hidden)) != hidden
    # The shown words are named, and the camera comes close to them.
    assert set(view3d.isolated_labels()) <= window.state.visible_words
    assert len(view3d.isolated_labels()) == min(shown, 30)
    isolated_distance = view3d.view.opts["distance"]
    window.views.selection_bar.show_all()
    assert view3d.drawn_point_count() == 200
    assert view3d.isolated_labels() == []
    assert view3d.view.opts["distance"] > isolated_distance


def test_isolate_skips_words_the_space_lacks_and_large_selections_go_alone(
        qtbot, window, monkeypatch):
    import app.panels.appearance as appearance

    # Coordinates read from a file may name a word the space does not have.
    keys = (*window.state.keys[:20], "not-in-the-space")
    coords = np.random.default_rng(0).standard_normal((len(keys), 2)).astype(np.float32)
    window.state.set_projection(keys, coords)
    window.state.set_selected_set(["apple", "not-in-the-space"])
    window.views.selection_bar.neighbours.setValue(2)
    _isolate(qtbot, window)
    assert "apple" in window.state.visible_words
    assert "not-in-the-space" not in window.state.visible_words
    # Above MAX_WORDS_WITH_NEIGHBOURS selected words, neighbours are skipped (and said so).
    monkeypatch.setattr(appearance, "MAX_WORDS_WITH_NEIGHBOURS", 2)
    window.state.set_selected_set(["apple", "pear", "rome"])
    messages = []
    window.views.selection_bar.status_message.connect(messages.append)
    _isolate(qtbot, window)
    assert window.state.visible_words == {"apple", "pear", "rome"}
    assert "without neighbours" in messages[0]


def test_framing_bounds_ignore_far_outliers_but_keep_the_selection():
    rng = np.random.default_rng(0)
    core = rng.uniform(0, 1, size=(200, 2))
    points = np.vstack([core, [[50.0, 50.0], [-40.0, 0.5]]])
    lo, hi = framing_bounds(points)
    assert np.all(lo > -0.5) and np.all(hi < 1.5)  # the two outliers are left out
    lo, hi = framing_bounds(points, keep=np.array([[-40.0, 0.5]]))
    assert lo[0] == -40.0 and hi[0] < 1.5  # a selected word is always in the frame
    few = np.array([[0.0, 0.0], [10.0, 10.0]])
    assert [c.tolist() for c in framing_bounds(few)] == [[0.0, 0.0], [10.0, 10.0]]
