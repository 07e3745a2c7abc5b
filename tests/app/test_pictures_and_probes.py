"""Pictures and probes among the points (the image-label space): the state checks and
clears them, the 2D view draws thumbnails only when zoomed in and links each probe to
its keys, the 3D view links probes too.

The 3D test needs OpenGL: run it under Xvfb + Mesa; Qt's offscreen platform skips it.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

from app.state import AppState, PictureLayer, Probe
from app.views.scatter2d import MAX_THUMBNAILS, THUMBNAIL_PX, Scatter2DView
from engine.spaces import EmbeddingSpace

needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen",
                              reason="OpenGL needs a display (run under xvfb-run)")
KEYS = tuple(f"label{i}" for i in range(50))
# A cluster of pictures far from the cloud of the rest, to zoom in on.
CLUSTER = np.array([40.0, 40.0])
CLUSTERED = 30


class Tiles:
    """A picture layer's ``tile``: picture i as a flat colour, counting the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, i: int) -> np.ndarray:
        self.calls += 1
        return np.full((40, 40, 3), (i * 37) % 256, dtype=np.uint8)


def _state(dims: int = 2) -> AppState:
    rng = np.random.default_rng(0)
    state = AppState()
    state.set_projection(KEYS, rng.uniform(-10, 10, (len(KEYS), dims)).astype(np.float32))
    return state


def _layer(state: AppState, tiles: Tiles | None = None) -> PictureLayer:
    """500 pictures spread over the cloud plus ``CLUSTERED`` around ``CLUSTER``."""
    rng = np.random.default_rng(1)
    spread = rng.uniform(-10, 10, (500, state.dims))
    cluster = rng.normal(0, 0.5, (CLUSTERED, state.dims)) + CLUSTER[0]
    coords = np.vstack([spread, cluster])
    names = tuple(f"picture{i}.png" for i in range(len(coords)))
    return PictureLayer(coords, names, tuple("crow" for _ in names), tiles or Tiles())


def _view2d(qtbot, state: AppState) -> Scatter2DView:
    """A shown 2D view of ``state``'s layout (it draws layouts set after it exists)."""
    view = Scatter2DView(state)
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    state.set_projection(state.keys, state.coords)
    return view


def _on_screen(view: Scatter2DView, item) -> QRectF:
    """Where ``item`` is drawn in the view's pixels (its scene rectangle ignores that it
    ignores the zoom)."""
    view.view_box.updateMatrix()  # a new range reaches the items' transform lazily
    return item.deviceTransform(view.plot.viewportTransform()).mapRect(item.boundingRect())


# ---- the state -------------------------------------------------------------------------
def test_pictures_and_probes_must_lie_in_the_layouts_dimensions():
    state = _state(dims=2)
    with pytest.raises(ValueError, match="2-D layout: expected M x 2"):
        state.set_pictures(_layer(_state(dims=3)))
    with pytest.raises(ValueError, match="530 pictures with 2 names"):
        state.set_pictures(PictureLayer(np.zeros((530, 2)), ("a", "b"), ("a", "b"), Tiles()))
    with pytest.raises(ValueError, match=r"probe 'drop.png' .* expected \(2,\)"):
        state.set_probes([Probe("drop.png", np.zeros(3), ("label1",))])
    assert state.pictures is None and state.probes == ()

    layer = _layer(state)
    state.set_pictures(layer)
    state.set_probes([Probe("drop.png", [1, 2], ["label1"])])
    assert state.pictures is layer and layer.coords.dtype == np.float32
    assert state.probes[0].position.dtype == np.float32
    assert state.probes[0].linked == ("label1",)


def test_a_new_layout_or_space_clears_pictures_and_probes(qtbot):
    state = _state()
    state.set_pictures(_layer(state))
    state.set_probes([Probe("drop.png", np.zeros(2), ("label1",))])
    with qtbot.waitSignals([state.pictures_changed, state.probes_changed,
                            state.projection_changed], order="strict"):
        state.set_projection(state.keys, state.coords * 2)  # their owner places them again
    assert state.pictures is None and state.probes == ()

    state.set_pictures(_layer(state))
    state.set_probes([Probe("drop.png", np.zeros(2), ("label1",))])
    space = EmbeddingSpace(KEYS, np.eye(len(KEYS), dtype=np.float32))
    state.set_space(space, None)
    assert state.pictures is None and state.probes == ()


# ---- the 2D view ----------------------------------------------------------------------
def test_thumbnails_are_drawn_only_when_few_pictures_are_in_view(qtbot):
    state = _state()
    view = _view2d(qtbot, state)
    tiles = Tiles()
    state.set_pictures(_layer(state, tiles))
    view.view_box.autoRange(padding=0.02)  # the cloud: hundreds of pictures in view
    assert view.shown_thumbnails() == [] and tiles.calls == 0
    assert len(view.picture_points.data) == 500 + CLUSTERED  # a faint square each

    view.view_box.setRange(xRange=(38, 42), yRange=(38, 42), padding=0)
    shown = view.shown_thumbnails()
    assert 0 < len(shown) <= MAX_THUMBNAILS
    assert set(shown) <= set(range(500, 500 + CLUSTERED))  # only the cluster's
    item = view._thumbnails[shown[0]]
    x, y = state.pictures.coords[shown[0]]
    on_screen = _on_screen(view, item)
    centre = view.plot.mapFromScene(view.view_box.mapViewToScene(QPointF(float(x), float(y))))
    assert (on_screen.center() - centre.toPointF()).manhattanLength() < 2  # centred on it
    assert on_screen.width() == pytest.approx(THUMBNAIL_PX, abs=1)
    assert item.toolTip() == f"picture{shown[0]}.png: crow"

    # The same size on screen at another zoom; pictures already converted are reused.
    calls = tiles.calls
    view.view_box.setRange(xRange=(39, 41), yRange=(39, 41), padding=0)
    view.view_box.setRange(xRange=(38, 42), yRange=(38, 42), padding=0)
    assert tiles.calls == calls
    assert _on_screen(view, view._thumbnails[shown[0]]).width() == pytest.approx(
        on_screen.width())

    view.view_box.autoRange(padding=0.02)
    assert view.shown_thumbnails() == []
    assert not any(item.isVisible() for item in view._spare_thumbnails)


def test_without_pictures_a_zoom_draws_none(qtbot):
    state = _state()
    view = _view2d(qtbot, state)
    state.set_pictures(_layer(state))
    view.view_box.setRange(xRange=(38, 42), yRange=(38, 42), padding=0)
    assert view.shown_thumbnails()
    state.set_projection(state.keys, state.coords)  # clears the pictures
    view.view_box.setRange(xRange=(38, 42), yRange=(38, 42), padding=0)
    assert view.shown_thumbnails() == [] and len(view.picture_points.data) == 0


def test_a_probe_is_linked_to_each_of_its_keys_the_layout_shows(qtbot):
    state = _state()
    view = _view2d(qtbot, state)
    thumbnail = np.zeros((64, 48, 3), dtype=np.uint8)
    state.set_probes([Probe("drop.png", np.array([1.0, 2.0]), ("label3", "missing", "label7"),
                            thumbnail)])
    assert view.probe_links() == [("drop.png", "label3"), ("drop.png", "label7")]
    x, y = view.probe_lines.getData()
    assert len(x) == 4  # two segments, as pairs of ends
    ends = np.column_stack((x, y))
    np.testing.assert_allclose(ends[0::2], [[1, 2], [1, 2]])
    np.testing.assert_allclose(ends[1::2], state.coords[[3, 7]], rtol=1e-6)
    assert len(view.probe_points.data) == 1
    label, picture = view._probe_labels[0], view._probe_pictures[0]
    assert label.isVisible() and label.textItem.toPlainText() == "drop.png"
    assert picture.isVisible() and picture.pixmap().height() == 48  # at most 48 px a side

    # A probe without a picture; then none at all.
    state.set_probes([Probe("word query", np.zeros(2), ("label1",))])
    assert view.probe_links() == [("word query", "label1")]
    assert len(view.probe_lines.getData()[0]) == 2 and not picture.isVisible()
    state.set_probes([])
    assert view.probe_links() == [] and len(view.probe_lines.getData()[0]) == 0
    assert not label.isVisible() and len(view.probe_points.data) == 0


# ---- the 3D view ----------------------------------------------------------------------
@needs_gl
def test_a_probe_is_linked_to_its_keys_in_3d(qtbot):
    from app.views.scatter3d import Scatter3DView

    state = _state(dims=3)
    view = Scatter3DView(state)
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    state.set_probes([Probe("drop.png", np.array([1.0, 2.0, 3.0]),
                            ("label3", "missing", "label7"))])
    assert view.probe_links() == [("drop.png", "label3"), ("drop.png", "label7")]
    lines = np.asarray(view.probe_lines.pos)
    assert lines.shape == (4, 3)
    np.testing.assert_allclose(lines[1::2], state.coords[[3, 7]], rtol=1e-6)
    assert np.asarray(view.probe_points.pos).shape == (1, 3)
    assert view._probe_labels[0].text.strip() == "drop.png"
    view.grab()  # draws without a GL error

    state.set_projection(state.keys, state.coords)  # a new layout clears the probe
    assert view.probe_links() == [] and len(view.probe_lines.pos) == 0
