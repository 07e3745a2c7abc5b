"""``Scatter3DView``: a 3-D layout as one pyqtgraph.opengl ``GLScatterPlotItem``.

Like the 2D view, the big item is set once per projection (one colour, pixel-sized
points, no depth test so a translucent cloud needs no sorting) and the selection,
highlight and hover live in small overlay items drawn after it. Dragging orbits, the
wheel zooms and Ctrl+drag pans (``GLViewWidget``'s own controls); a click that did not
drag selects the nearest word and hovering names it. Picking projects every point to
screen pixels with the camera's own matrices: one 4x4 product over all points.

OpenGL needs a real display: Xvfb + Mesa in the tests, never Qt's offscreen platform.
pyqtgraph compiles each GL item's shader once per process, in the first context that
draws one; a later window's view can use it only if the program set
``Qt.AA_ShareOpenGLContexts`` before creating its QApplication (main.py and the tests do).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QVector3D,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.state import AppState
from app.views.point_raster import RASTER_MIN_POINTS, GLPointRasterItem
from app.views.scatter2d import (
    ARROW,
    FREQUENT_LABEL,
    HIGHLIGHT,
    HOVER,
    MISSED_ARROW,
    PICK_RADIUS_PX,
    POINT,
    PROBE,
    SELECTED,
    SELECTED_SET,
    scaled_point_size,
)
from app.views.selection_tools import framing_bounds

# An isolated set shows this many of its most frequent words' labels.
_ISOLATED_LABELS = 30
# A click that moved the mouse less than this is a click, not the end of an orbit.
CLICK_SLOP_PX = 4.0
# Camera distance as a multiple of the cloud's largest extent: the whole cloud fits the
# default 60° field of view with a little margin.
_DISTANCE_PER_EXTENT = 1.2
# An arrow's head: four fins this fraction of the arrow's length back from the tip (so
# it reads as a head from any side), the tip this fraction short of the end word.
_HEAD_LENGTH = 0.12
_HEAD_WIDTH = 0.05
_TIP_GAP = 0.03
# Painter's order, so overlays drawn later sit on top of the cloud.
_BLEND = {
    GL.GL_DEPTH_TEST: False,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFuncSeparate": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA,
                            GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA),
}


def _rgba(colour: QColor, alpha: float | None = None) -> tuple[float, float, float, float]:
    return (colour.redF(), colour.greenF(), colour.blueF(),
            colour.alphaF() if alpha is None else alpha)


class _Label(gl.GLTextItem):
    """``GLTextItem`` with a white halo, so a label stays legible over a dense cloud
    (the 2D view's labels get a translucent white box for the same reason)."""

    def paint(self) -> None:
        if not self.text:
            return
        self.setupGLState()
        at = self.compute_projection().map(QVector3D(*self.pos)).toPointF()
        path = QPainterPath()
        path.addText(self.align_text(at), self.font, self.text)
        painter = QPainter(self.view())
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing)
        painter.strokePath(path, QPen(QColor(255, 255, 255, 220), 3))
        painter.fillPath(path, self.color)
        painter.end()


class _GLView(gl.GLViewWidget):
    """``GLViewWidget`` that also reports clicks (press and release without a drag) and
    mouse moves with no button held."""

    clicked = Signal(QPointF)
    moved = Signal(QPointF)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self._pressed_at: QPointF | None = None

    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mousePressEvent(ev)
        if ev.button() == Qt.MouseButton.LeftButton:
            self._pressed_at = ev.position()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseMoveEvent(ev)
        if ev.buttons() == Qt.MouseButton.NoButton:
            self.moved.emit(ev.position())

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseReleaseEvent(ev)
        pressed, self._pressed_at = self._pressed_at, None
        if ev.button() == Qt.MouseButton.LeftButton and pressed is not None:
            moved = ev.position() - pressed
            if abs(moved.x()) + abs(moved.y()) <= CLICK_SLOP_PX:
                self.clicked.emit(ev.position())


class Scatter3DView(QWidget):
    """Follows ``AppState`` when its coordinates have three axes: draws the points, the
    selection, highlight and hover, with ``GLTextItem`` labels for the selected word and
    its neighbours."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.view = _GLView()
        self.view.setBackgroundColor("w")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

        # The cloud is fainter than in 2D: in 3D points overlap more along the view axis.
        self.points = gl.GLScatterPlotItem(size=3, pxMode=True, color=_rgba(POINT, 0.22),
                                           glOptions=_BLEND)
        self.highlight = gl.GLScatterPlotItem(size=9, pxMode=True, color=_rgba(HIGHLIGHT),
                                              glOptions=_BLEND)
        self.selected = gl.GLScatterPlotItem(size=14, pxMode=True, color=_rgba(SELECTED),
                                             glOptions=_BLEND)
        self.hovered = gl.GLScatterPlotItem(size=11, pxMode=True, color=_rgba(HOVER, 0.6),
                                            glOptions=_BLEND)
        # Big spaces (400k words): one image splatted in numpy (app/views/point_raster.py).
        self.raster = GLPointRasterItem(POINT, 0.22, 0.45)
        self.raster.setDepthValue(-1)
        self.view.addItem(self.raster)
        self.raster_mode = False
        for depth, item in enumerate((self.points, self.highlight, self.selected,
                                      self.hovered)):
            item.setDepthValue(depth)
            self.view.addItem(item)
        self._selected_label = self._make_label(SELECTED, 11, bold=True)
        self._hover_label = self._make_label(HOVER, 10, bold=False)
        self._highlight_labels: list[_Label] = []
        self._xyz = np.zeros((0, 3), dtype=np.float32)
        self._screen_cache: tuple[tuple, np.ndarray] | None = None

        self._mouse_proxy = pg.SignalProxy(self.view.moved, rateLimit=30,
                                           slot=self._on_view_moved)
        self.view.clicked.connect(self._on_view_clicked)
        state.projection_changed.connect(self._on_state_projection_changed)
        state.selection_changed.connect(self._on_state_selection_changed)
        state.highlight_changed.connect(self._on_state_highlight_changed)
        state.hover_changed.connect(self._on_state_hover_changed)
        state.centre_requested.connect(self._on_state_centre_requested)
        self._on_state_projection_changed()
        self._init_arrows()
        self._init_appearance()
        self._init_probes()

    # ---- labels ----------------------------------------------------------------------
    def _make_label(self, colour: QColor, point_size: int, bold: bool) -> _Label:
        font = QFont()
        font.setPointSize(scaled_point_size(point_size, self.state.label_size))
        font.setBold(bold)
        label = _Label(color=colour, font=font, glOptions=_BLEND)
        label.base_point_size = point_size  # the size at the default label size
        label.setDepthValue(10)
        self.view.addItem(label)
        return label

    def _place(self, label: _Label, word: str | None) -> None:
        row = self.state.row_of(word) if word else None
        if row is None:
            label.setData(text="")
            return
        # Two spaces: the text starts beside the marker instead of on it.
        label.setData(pos=self._xyz[row].astype(float), text="  " + word)

    def labels(self) -> dict[str, str]:
        """The words labelled now, by role (for tests): selected, hover, highlight."""
        return {
            "selected": self._selected_label.text.strip(),
            "hover": self._hover_label.text.strip(),
            "highlight": ",".join(lab.text.strip() for lab in self._highlight_labels
                                  if lab.text),
        }

    # ---- picking ---------------------------------------------------------------------
    def screen_positions(self) -> np.ndarray:
        """Every point's position in the view's pixels (N x 2), NaN behind the camera."""
        xyz = self._xyz
        if len(xyz) == 0:
            return np.zeros((0, 2))
        viewport = self.view.getViewport()
        mvp = self.view.projectionMatrix(viewport, viewport) * self.view.viewMatrix()
        # Hovering asks again and again with the same camera: project once per camera.
        key = (tuple(mvp.copyDataTo()), viewport, id(xyz))
        if self._screen_cache is not None and self._screen_cache[0] == key:
            return self._screen_cache[1]
        m = np.array(key[0], dtype=np.float64).reshape(4, 4)
        clip = xyz.astype(np.float64) @ m[:, :3].T + m[:, 3]
        w = clip[:, 3]
        with np.errstate(divide="ignore", invalid="ignore"):
            ndc = clip[:, :2] / w[:, None]
        ndc[w <= 0] = np.nan
        _, _, width, height = viewport
        px = np.column_stack(((ndc[:, 0] + 1) * 0.5 * width, (1 - ndc[:, 1]) * 0.5 * height))
        self._screen_cache = (key, px)
        return px

    def word_at(self, pos: QPointF) -> str | None:
        """The word drawn nearest ``pos`` (view pixels), if within ``PICK_RADIUS_PX``."""
        px = self.screen_positions()
        if len(px) == 0:
            return None
        d2 = (px[:, 0] - pos.x()) ** 2 + (px[:, 1] - pos.y()) ** 2
        visible = self.state.visible_mask()
        if visible is not None and len(visible) == len(d2):  # hidden points: not picked
            d2 = np.where(visible, d2, np.nan)
        if np.isnan(d2).all():
            return None
        row = int(np.nanargmin(d2))
        return self.state.keys[row] if d2[row] <= PICK_RADIUS_PX**2 else None

    def view_pos_of(self, word: str) -> QPointF | None:
        """Where ``word`` is drawn, in the view's pixels (for tests)."""
        row = self.state.row_of(word)
        if row is None or len(self._xyz) == 0:
            return None
        x, y = self.screen_positions()[row]
        return QPointF(float(x), float(y))

    # ---- slots -----------------------------------------------------------------------
    def _on_view_moved(self, args: tuple) -> None:
        self.state.set_hover(self.word_at(args[0]))

    def _on_view_clicked(self, pos: QPointF) -> None:
        word = self.word_at(pos)
        if word is not None:
            self.state.select(word)

    def _on_state_projection_changed(self) -> None:
        coords = self.state.coords
        if coords.shape[1] != 3 or len(coords) == 0:
            # A 2-D layout is the 2D view's; keep nothing stale here.
            self._xyz = np.zeros((0, 3), dtype=np.float32)
            self.points.setData(pos=self._xyz)
            self.raster.set_points(self._xyz)
            self.raster_mode = False
        else:
            self._xyz = np.ascontiguousarray(coords, dtype=np.float32)
            self.raster_mode = len(self._xyz) >= RASTER_MIN_POINTS
            self.raster.set_points(self._xyz if self.raster_mode else self._xyz[:0])
            self.points.setData(pos=self._xyz[:0] if self.raster_mode else self._xyz)
            self._frame_cloud()
        self._on_state_highlight_changed(self.state.highlighted)
        self._on_state_selection_changed(self.state.selection or "")
        self._on_state_hover_changed(self.state.hover or "")

    def _frame_cloud(self) -> None:
        lo, hi = self._xyz.min(axis=0), self._xyz.max(axis=0)
        centre = (lo + hi) / 2
        extent = float(max((hi - lo).max(), 1e-6))
        self.view.setCameraPosition(pos=QVector3D(*(float(c) for c in centre)),
                                    distance=extent * _DISTANCE_PER_EXTENT,
                                    elevation=25, azimuth=45)

    def _overlay(self, item: gl.GLScatterPlotItem, rows: list[int]) -> None:
        if rows and len(self._xyz):
            item.setData(pos=self._xyz[rows])
        else:
            item.setData(pos=np.zeros((0, 3), dtype=np.float32))

    def _on_state_selection_changed(self, word: str) -> None:
        row = self.state.row_of(word) if word else None
        self._overlay(self.selected, [] if row is None else [row])
        self._place(self._selected_label, word if len(self._xyz) else None)

    def _on_state_highlight_changed(self, words: list) -> None:
        rows = [r for r in (self.state.row_of(w) for w in words) if r is not None]
        self._overlay(self.highlight, rows)
        while len(self._highlight_labels) < len(rows):
            self._highlight_labels.append(self._make_label(HIGHLIGHT.darker(150), 9, False))
        shown = [w for w in words if self.state.row_of(w) is not None] if len(self._xyz) else []
        for label, word in zip(self._highlight_labels, shown, strict=False):
            self._place(label, word)
        for label in self._highlight_labels[len(shown):]:
            label.setData(text="")

    def _on_state_hover_changed(self, word: str) -> None:
        row = self.state.row_of(word) if word else None
        self._overlay(self.hovered, [] if row is None else [row])
        self._place(self._hover_label, word if len(self._xyz) else None)

    def _on_state_centre_requested(self, word: str) -> None:
        row = self.state.row_of(word)
        if row is None or len(self._xyz) == 0:
            return
        self.view.setCameraPosition(pos=QVector3D(*(float(c) for c in self._xyz[row])))

    # ---- arrows (an analogy's parallelogram) -----------------------------------------
    def _init_arrows(self) -> None:
        """One ``GLLinePlotItem`` of segments per style: each arrow's shaft and the four
        fins of its head."""
        self.arrow_lines = gl.GLLinePlotItem(mode="lines", width=2.5, antialias=True,
                                             color=_rgba(ARROW), glOptions=_BLEND)
        self.missed_arrow_lines = gl.GLLinePlotItem(mode="lines", width=1.5, antialias=True,
                                                    color=_rgba(MISSED_ARROW, 0.8),
                                                    glOptions=_BLEND)
        for item in (self.arrow_lines, self.missed_arrow_lines):
            item.setDepthValue(0.5)  # over the cloud, under the coloured markers
            self.view.addItem(item)
        self._arrow_labels: list[_Label] = []
        self._arrow_words: list[tuple[str, str, bool]] = []
        self.state.arrows_changed.connect(self._on_state_arrows_changed)
        self.state.projection_changed.connect(self._on_state_projection_changed_arrows)
        self.state.highlight_changed.connect(self._on_state_words_marked)
        self.state.selection_changed.connect(self._on_state_words_marked)
        self._draw_arrows()

    def arrow_segments(self) -> list[tuple[str, str, bool]]:
        """The arrows drawn now as (start word, end word, missed), for tests."""
        return list(self._arrow_words)

    @staticmethod
    def _arrow_vertices(a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
        """Shaft and head of the arrow a→b as segment end points (pairs)."""
        d = b - a
        length = float(np.linalg.norm(d))
        tip = b - d * _TIP_GAP
        unit = d / length
        # Two directions across the shaft: any vector not parallel to it, made orthogonal.
        helper = np.eye(3)[int(np.argmin(np.abs(unit)))]
        across = np.cross(unit, helper)
        across /= np.linalg.norm(across)
        across2 = np.cross(unit, across)
        base = tip - d * _HEAD_LENGTH
        fins = [base + s * length * _HEAD_WIDTH * v for v in (across, across2)
                for s in (1.0, -1.0)]
        return [a, tip, *(p for fin in fins for p in (tip, fin))]

    def _draw_arrows(self) -> None:
        self._arrow_words = []
        vertices: dict[bool, list[np.ndarray]] = {False: [], True: []}
        if len(self._xyz):
            for pairs, missed in ((self.state.arrows, False),
                                  (self.state.missed_arrows, True)):
                for start, end in pairs:
                    rows = self.state.row_of(start), self.state.row_of(end)
                    if None in rows:
                        continue
                    a = self._xyz[rows[0]].astype(np.float64)
                    b = self._xyz[rows[1]].astype(np.float64)
                    if float(np.linalg.norm(b - a)) < 1e-9:
                        continue
                    vertices[missed] += self._arrow_vertices(a, b)
                    self._arrow_words.append((start, end, missed))
        for missed, item in ((False, self.arrow_lines), (True, self.missed_arrow_lines)):
            pos = (np.asarray(vertices[missed], dtype=np.float32) if vertices[missed]
                   else np.zeros((0, 3), dtype=np.float32))
            item.setData(pos=pos)
        self._label_arrow_words()

    def _label_arrow_words(self) -> None:
        """Name the arrows' ends that no highlight or selection label names already."""
        named = {self.state.selection, *self.state.highlighted}
        words: list[str] = []
        for start, end, _ in self._arrow_words:
            for word in (start, end):
                if word not in named and word not in words:
                    words.append(word)
        while len(self._arrow_labels) < len(words):
            self._arrow_labels.append(self._make_label(ARROW.darker(130), 9, bold=True))
        for label, word in zip(self._arrow_labels, words, strict=False):
            self._place(label, word)
        for label in self._arrow_labels[len(words):]:
            label.setData(text="")

    def _frame_arrow_words(self) -> None:
        """Turn the camera to the arrows' words and back off until they all fit."""
        rows = [self.state.row_of(w) for s, e, _ in self._arrow_words for w in (s, e)]
        if not rows or len(self._xyz) == 0:
            return
        xyz = self._xyz[rows]
        lo, hi = xyz.min(axis=0), xyz.max(axis=0)
        extent = float(max((hi - lo).max(), 1e-6))
        self.view.setCameraPosition(pos=QVector3D(*(float(c) for c in (lo + hi) / 2)),
                                    distance=extent * 2 * _DISTANCE_PER_EXTENT)

    def _on_state_arrows_changed(self) -> None:
        self._draw_arrows()
        self._frame_arrow_words()

    def _on_state_projection_changed_arrows(self) -> None:
        self._draw_arrows()

    def _on_state_words_marked(self, *_: object) -> None:
        self._label_arrow_words()

    # ---- colours, multi-word selection, isolation, label size ------------------------
    def _init_appearance(self) -> None:
        """The state's colours and isolation apply to the big item; the multi-word
        selection is one more overlay, drawn under the highlight."""
        self.selected_set_item = gl.GLScatterPlotItem(size=7, pxMode=True,
                                                      color=_rgba(SELECTED_SET, 0.9),
                                                      glOptions=_BLEND)
        self.selected_set_item.setDepthValue(0.5)
        self.view.addItem(self.selected_set_item)
        self.state.projection_changed.connect(self._on_state_projection_changed_appearance)
        self.state.colours_changed.connect(self._on_state_appearance_changed)
        self.state.visibility_changed.connect(self._on_state_visibility_changed)
        self.state.selected_set_changed.connect(self._on_state_selected_set_changed)
        self.state.label_size_changed.connect(self._on_state_label_size_changed)
        self._isolated_labels: list[_Label] = []
        self._on_state_projection_changed_appearance()
        self._on_state_label_size_changed(self.state.label_size)

    def point_colours(self) -> np.ndarray:
        """RGBA floats of the points drawn now (N x 4, or one row for a single colour),
        for tests."""
        return np.atleast_2d(np.asarray(self.points.color, dtype=float))

    def drawn_point_count(self) -> int:
        if self.raster_mode:
            visible = self.state.visible_mask()
            return self.raster.point_count() if visible is None else int(visible.sum())
        return len(self.points.pos) if self.points.pos is not None else 0

    def _apply_points(self) -> None:
        if len(self._xyz) == 0:
            return
        colours = self.state.shown_colours()
        if self.raster_mode:
            self.raster.set_colours(colours)
            self.raster.set_visible_points(self.state.visible_mask())
            return
        if colours is None:
            colour = _rgba(POINT, 0.22)
        else:
            # More opaque than the default cloud, so that hues survive the blending.
            colour = colours.astype(np.float32) / 255.0
            colour[:, 3] = 0.45
        visible = self.state.visible_mask()
        if visible is None:
            self.points.setData(pos=self._xyz, color=colour)
        else:
            colour = colour if isinstance(colour, tuple) else colour[visible]
            self.points.setData(pos=self._xyz[visible], color=colour)

    def _frame_visible(self) -> None:
        """Bring the shown points into view, keeping the camera's direction."""
        visible = self.state.visible_mask()
        xyz = self._xyz if visible is None else self._xyz[visible]
        if len(xyz) == 0:
            return
        if visible is None:
            lo, hi = xyz.min(axis=0), xyz.max(axis=0)
        else:  # the isolated set's central part (see framing_bounds)
            selected = [r for r in map(self.state.row_of, self.state.selected_set)
                        if r is not None and visible[r]]
            lo, hi = framing_bounds(xyz, self._xyz[selected] if selected else None)
        extent = float(max((hi - lo).max(), 1e-6))
        # A little farther than for the whole cloud: a sparse set reaches its box's
        # corners, where the field of view is narrowest.
        self.view.setCameraPosition(pos=QVector3D(*(float(c) for c in (lo + hi) / 2)),
                                    distance=extent * _DISTANCE_PER_EXTENT * 1.3)

    def _label_isolated_words(self) -> None:
        """Isolated, the most frequent shown words get a grey label each (the 2D view
        labels them on a grid for the same reason): a few dozen points mean little
        unnamed."""
        visible = self.state.visible_mask()
        words: list[str] = []
        if visible is not None and len(self._xyz):
            taken = {self.state.selection, *self.state.highlighted}
            words = [self.state.keys[r] for r in np.flatnonzero(visible)[:2 * _ISOLATED_LABELS]
                     if self.state.keys[r] not in taken][:_ISOLATED_LABELS]
        while len(self._isolated_labels) < len(words):
            self._isolated_labels.append(self._make_label(FREQUENT_LABEL.darker(130), 8, False))
        for label, word in zip(self._isolated_labels, words, strict=False):
            self._place(label, word)
        for label in self._isolated_labels[len(words):]:
            label.setData(text="")

    def isolated_labels(self) -> list[str]:
        """The words labelled because the view is isolated (for tests)."""
        return [lab.text.strip() for lab in self._isolated_labels if lab.text]

    def _on_state_visibility_changed(self) -> None:
        self._on_state_appearance_changed()
        self._label_isolated_words()
        if len(self._xyz):
            self._frame_visible()

    def _on_state_projection_changed_appearance(self) -> None:
        self._apply_points()
        self._on_state_selected_set_changed(list(self.state.selected_set))
        self._label_isolated_words()
        if self.state.visible_words is not None and len(self._xyz):
            self._frame_visible()

    def _on_state_appearance_changed(self) -> None:
        self._apply_points()
        self._on_state_selected_set_changed(list(self.state.selected_set))

    def _on_state_selected_set_changed(self, words: list) -> None:
        rows = [r for r in map(self.state.row_of, words) if r is not None]
        visible = self.state.visible_mask()
        if visible is not None:
            rows = [r for r in rows if visible[r]]
        self._overlay(self.selected_set_item, rows)

    def _on_state_label_size_changed(self, label_size: int) -> None:
        for item in self.view.items:
            base = getattr(item, "base_point_size", None)
            if isinstance(item, _Label) and base is not None:
                font = QFont(item.font)
                font.setPointSize(scaled_point_size(base, label_size))
                item.setData(font=font)

    # ---- probes (a dropped picture among the labels) ----------------------------------
    def _init_probes(self) -> None:
        self.probe_points = gl.GLScatterPlotItem(size=18, pxMode=True, color=_rgba(PROBE),
                                                 glOptions=_BLEND)
        self.probe_lines = gl.GLLinePlotItem(mode="lines", width=1.5, antialias=True,
                                             color=_rgba(PROBE, 0.8), glOptions=_BLEND)
        self.probe_points.setDepthValue(5)
        self.probe_lines.setDepthValue(0.5)
        for item in (self.probe_points, self.probe_lines):
            self.view.addItem(item)
        self._probe_labels: list[_Label] = []
        self._probe_links: list[tuple[str, str]] = []
        self.state.probes_changed.connect(self._on_state_probes_changed)
        self.state.projection_changed.connect(self._on_state_probes_changed)
        self._on_state_probes_changed()

    def probe_links(self) -> list[tuple[str, str]]:
        """The lines drawn from probes to their keys as (probe, key), for tests."""
        return list(self._probe_links)

    def _on_state_probes_changed(self) -> None:
        probes = self.state.probes if len(self._xyz) else ()
        vertices, links = [], []
        for probe in probes:
            for key in probe.linked:
                row = self.state.row_of(key)
                if row is not None:
                    vertices += [np.asarray(probe.position, np.float32), self._xyz[row]]
                    links.append((probe.name, key))
        self._probe_links = links
        self.probe_lines.setData(pos=np.asarray(vertices, np.float32).reshape(-1, 3))
        self.probe_points.setData(pos=np.asarray([p.position for p in probes],
                                                 np.float32).reshape(-1, 3))
        while len(self._probe_labels) < len(probes):
            self._probe_labels.append(self._make_label(PROBE.darker(140), 10, bold=True))
        for i, label in enumerate(self._probe_labels):
            if i < len(probes):
                label.setData(pos=np.asarray(probes[i].position, float),
                              text="  " + probes[i].name)
            else:
                label.setData(text="")
