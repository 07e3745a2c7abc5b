"""Big spaces are drawn as one splatted image (app/views/point_raster.py) in 2D and 3D:
every point, its colour, hidden points left out, and the same picking as before."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtGui import QColor

import app.views.scatter2d
import app.views.scatter3d
from app.views.point_raster import splat
from tests.app.conftest import open_window

TIMEOUT_MS = 30_000
needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen",
                              reason="OpenGL needs a display (run under xvfb-run)")
BLUE = np.array([70, 100, 160], dtype=np.float32)


def _pixel(image, x, y):
    c = QColor(image.pixel(x, y))  # un-premultiplied ARGB
    return c.red(), c.green(), c.blue(), QColor.fromRgba(image.pixel(x, y)).alpha()


def test_each_point_is_a_three_pixel_square_and_stacks_add_coverage():
    px = np.array([5.2, 5.7, 20.0, -3.0, 8.0], dtype=np.float32)
    py = np.array([5.1, 5.9, 20.0, 4.0, np.nan], dtype=np.float32)  # off-screen, NaN
    image, _ = splat(px, py, 32, 24, None, None, BLUE, 0.3, 0.6)
    alpha = lambda x, y: QColor.fromRgba(image.pixel(x, y)).alpha()  # noqa: E731
    assert abs(alpha(5, 5) - 255 * (1 - 0.7 ** 2)) <= 1  # two points on one pixel
    assert alpha(4, 4) == alpha(6, 6) == alpha(5, 5)  # the 3 x 3 square around it
    assert abs(alpha(20, 20) - 255 * 0.3) <= 1 and alpha(21, 21) == alpha(20, 20)
    assert alpha(22, 22) == 0 and alpha(0, 4) == 0 and alpha(8, 10) == 0


def test_coloured_points_average_their_colours_and_hidden_ones_are_left_out():
    px = np.array([10.0, 10.0, 30.0], dtype=np.float32)
    py = np.array([10.0, 10.0, 10.0], dtype=np.float32)
    rgb = np.array([[250, 0, 0], [0, 0, 250], [0, 250, 0]], dtype=np.float32)
    visible = np.array([True, True, False])
    image, _ = splat(px, py, 40, 20, rgb, visible, BLUE, 0.3, 1.0)
    colour = QColor.fromRgba(image.pixel(10, 10))
    assert abs(colour.red() - 125) <= 2 and abs(colour.blue() - 125) <= 2
    assert colour.green() == 0 and colour.alpha() == 255
    assert QColor.fromRgba(image.pixel(30, 10)).alpha() == 0  # hidden


@pytest.fixture
def raster_window(qtbot, small_space_path, monkeypatch):
    """The 200-word test space drawn the way a 400k space is."""
    monkeypatch.setattr(app.views.scatter2d, "RASTER_MIN_POINTS", 100)
    monkeypatch.setattr(app.views.scatter3d, "RASTER_MIN_POINTS", 100)
    window = open_window(qtbot, small_space_path)
    yield window
    window.close()


def test_a_big_space_is_drawn_as_an_image_and_picks_as_before(qtbot, raster_window):
    view = raster_window.scatter
    assert view.raster_mode and view.raster.isVisible() and not view.points.isVisible()
    image = view.plot.grab().toImage()
    at = view.plot.mapFromScene(view.scene_pos_of("word100"))
    r, g, b, _ = _pixel(image, at.x(), at.y())
    assert (r, g, b) != (255, 255, 255)  # a point is drawn where the word sits
    splats = view.raster.splats
    view.plot.repaint()  # the same view again: the cached image, no new splat
    assert view.raster.splats == splats
    assert view.word_at(view.scene_pos_of("apple")) == "apple"
    # Colours reach the image; isolating hides the rest.
    bar = raster_window.views.appearance_bar
    with qtbot.waitSignal(bar.colours_applied, timeout=TIMEOUT_MS):
        bar.choose("frequency")
    first = view.point_brushes()[raster_window.state.row_of("apple")].color()
    last = view.point_brushes()[-1].color()
    assert first.red() > last.red()  # viridis: yellow for the most frequent
    raster_window.state.isolate(["apple", "pear"])
    assert view.raster._visible.sum() == 2


@needs_gl
def test_the_3d_view_splats_a_big_space_too(qtbot, raster_window):
    views = raster_window.views
    with qtbot.waitSignal(raster_window.projection_panel.projection_shown,
                          timeout=TIMEOUT_MS):
        views.show_dims(3)
    view3d = views.view3d
    assert view3d.raster_mode and view3d.drawn_point_count() == 200
    qtbot.waitUntil(lambda: view3d.raster.splats > 0, timeout=TIMEOUT_MS)
    splats = view3d.raster.splats
    view3d.view.orbit(10, 0)  # a new camera: a new splat
    qtbot.waitUntil(lambda: view3d.raster.splats == splats + 1, timeout=TIMEOUT_MS)
    raster_window.state.isolate(["apple", "pear", "fruit"])
    assert view3d.drawn_point_count() == 3
