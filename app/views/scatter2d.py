"""``Scatter2DView``: the whole vocabulary as one pyqtgraph ``ScatterPlotItem``.

Tens of thousands of points stay fast because the big item is set once per projection,
in pixel mode with one shared pen and brush; hover, selection and highlight never touch
it. They live in small overlay items (a few dozen points) and a pool of ``TextItem``
labels that are reused, not recreated. Hover picking is one vectorised distance in
screen pixels over all points (~1 ms for 60k), throttled by ``SignalProxy``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QVBoxLayout,
    QWidget,
)

from app.state import AppState
from app.views.point_raster import RASTER_MIN_POINTS, PointRasterItem
from app.views.selection_tools import (
    TOOLS,
    SelectingViewBox,
    framing_bounds,
    points_in_polygon,
    points_in_rect,
)

POINT = QColor(70, 100, 160, 70)
HIGHLIGHT = QColor(240, 130, 20)
SELECTED = QColor(215, 30, 40)
HOVER = QColor(20, 20, 20)
FREQUENT_LABEL = QColor(110, 110, 110)
PICK_RADIUS_PX = 8.0
FREQUENT_LABELS = 40
# Frequent words are labelled only where no other label sits yet: the ``FREQUENT_LABELS``
# first words of the ``_FREQUENT_POOL`` most frequent that land in an empty cell of a
# ``_LABEL_GRID`` x ``_LABEL_GRID`` grid over the cloud, so labels spread out instead of
# piling up on the dense centre where stop words sit.
_FREQUENT_POOL = 2000
_LABEL_GRID = 10
# Where a coloured label may sit around its point, tried in order until one overlaps no
# label placed before it: above right, below right, above left, below left.
_LABEL_ANCHORS = ((0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0))
ARROW = QColor(30, 130, 70)
# A word's place in the other space of an aligned shared layout (the Compare tab).
COUNTERPART = QColor(120, 40, 160)
MISSED_ARROW = QColor(120, 120, 120)
# The head's tip stops this many pixels short of the end word, at the edge of its
# highlight marker (9 px across) instead of under it.
_ARROW_TIP_GAP_PX = 5.0
# Room left around an analogy's words when the view zooms to them.
_ARROW_FRAME_PADDING = 0.25

# Colours, box/lasso selection and isolation (the last section of Scatter2DView).
# Dark rings: red is the single selection, and a cluster colour too.
SELECTED_SET = QColor(30, 30, 30)
SELECTION_SHAPE = QColor(30, 30, 30)
# Coloured points are more opaque than the default cloud, or hues wash out to grey where
# few points overlap; 3 px points of 60k words still leave the dense centre readable.
_COLOURED_POINT_ALPHA = 170
_FEW_SELECTED = 50  # up to this many selected words are drawn with bold rings
# Zoom to an isolated set with this much room around it (a fraction of its extent).
_ISOLATE_FRAME_PADDING = 0.08

# Pictures among the points (the image-label space's atlas): a faint square per picture
# always, its thumbnail once zoomed in so far that at most MAX_THUMBNAILS are in view.
PICTURE = QColor(160, 130, 70, 45)
MAX_THUMBNAILS = 150
THUMBNAIL_PX = 40
_THUMBNAIL_CACHE = 4 * MAX_THUMBNAILS  # pixmaps kept: ~6 KB each at 40 x 40
PROBE = QColor(0, 150, 170)


def pixmap_of(rgb: np.ndarray, size: int) -> QPixmap:
    """An H x W x 3 uint8 picture as a pixmap at most ``size`` pixels a side."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)


def framed(pixmap: QPixmap, colour: QColor, width: int = 2) -> QPixmap:
    """``pixmap`` with a ``width``-pixel border drawn inside its edge."""
    pixmap = QPixmap(pixmap)
    painter = QPainter(pixmap)
    pen = QPen(colour, width)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    painter.setPen(pen)
    half = width / 2
    painter.drawRect(QRectF(half, half, pixmap.width() - width, pixmap.height() - width))
    painter.end()
    return pixmap


def scaled_point_size(base_point_size: int, label_size: int) -> int:
    """A label's size in points when the labels' base size is ``label_size``."""
    return max(5, round(base_point_size * label_size / AppState.DEFAULT_LABEL_SIZE))


class Scatter2DView(QWidget):
    """Follows ``AppState``: draws its coordinates, selection, highlight and hover; a
    click selects the nearest word and hovering names it."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        # Its left-button drags can draw a box or a lasso (see _init_selection_tools).
        self.plot = pg.PlotWidget(background="w", viewBox=SelectingViewBox())
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.view_box = self.plot.getPlotItem().getViewBox()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

        self.points = pg.ScatterPlotItem(pxMode=True, size=3, pen=None, brush=pg.mkBrush(POINT),
                                         hoverable=False)
        self.highlight = pg.ScatterPlotItem(pxMode=True, size=9, brush=pg.mkBrush(HIGHLIGHT),
                                            pen=pg.mkPen("w", width=1))
        self.selected = pg.ScatterPlotItem(pxMode=True, size=14, brush=pg.mkBrush(SELECTED),
                                           pen=pg.mkPen("w", width=1.5))
        self.hovered = pg.ScatterPlotItem(pxMode=True, size=12, brush=None,
                                          pen=pg.mkPen(HOVER, width=1.5))
        # Big spaces (400k words) are drawn as one image instead (app/views/point_raster.py).
        self.raster = PointRasterItem(POINT, _COLOURED_POINT_ALPHA)
        self.raster.hide()
        self.raster_mode = False
        # Labels sit under the coloured markers, so a label never hides a neighbour's dot.
        for z, item in ((0, self.points), (0, self.raster), (4, self.highlight),
                        (5, self.selected), (6, self.hovered)):
            item.setZValue(z)
            self.plot.addItem(item)

        self._frequent_labels = self._label_pool(FREQUENT_LABEL, 8, z=1)
        self._frequent_words: list[str] = []
        self._highlight_labels: list[pg.TextItem] = []
        self._selected_label = self._make_label(SELECTED, 11, bold=True, z=3, fill=True)
        self._hover_label = self._make_label(HOVER, 10, bold=False, z=7, fill=True)

        self._mouse_proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._on_scene_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self.view_box.sigRangeChanged.connect(self._on_view_box_range_changed)
        state.projection_changed.connect(self._on_state_projection_changed)
        state.selection_changed.connect(self._on_state_selection_changed)
        state.highlight_changed.connect(self._on_state_highlight_changed)
        state.hover_changed.connect(self._on_state_hover_changed)
        state.centre_requested.connect(self._on_state_centre_requested)
        self._init_arrows()
        self._init_selection_tools()
        self._init_counterparts()
        self._init_pictures()

    @property
    def xy(self) -> np.ndarray:
        """The first two axes of the state's coordinates (all of them in a 2-D layout)."""
        return self.state.coords[:, :2]

    # ---- labels ----------------------------------------------------------------------
    def _make_label(self, colour: QColor, point_size: int, bold: bool, z: int,
                    fill: bool = False) -> pg.TextItem:
        label = pg.TextItem("", color=colour, anchor=(0, 1),
                            fill=pg.mkBrush(255, 255, 255, 170) if fill else None)
        font = QFont()
        font.setPointSize(scaled_point_size(point_size, self.state.label_size))
        font.setBold(bold)
        label.setFont(font)
        label.base_point_size = point_size  # the size at the default label size
        label.setZValue(z)
        label.hide()
        self.plot.addItem(label, ignoreBounds=True)
        return label

    def _label_pool(self, colour: QColor, point_size: int, z: int, n: int = FREQUENT_LABELS
                    ) -> list[pg.TextItem]:
        return [self._make_label(colour, point_size, False, z) for _ in range(n)]

    def _show_labels(self, pool: list[pg.TextItem], words: list[str]) -> None:
        """Put ``words`` on the first labels of ``pool`` and hide the rest."""
        shown = 0
        for word in words:
            row = self.state.row_of(word)
            if row is None or shown >= len(pool):
                continue
            label = pool[shown]
            label.setText(word)
            x, y = self.xy[row]
            label.setPos(float(x), float(y))
            label.show()
            shown += 1
        for label in pool[shown:]:
            label.hide()

    def _place(self, label: pg.TextItem, word: str | None) -> None:
        row = self.state.row_of(word) if word else None
        if row is None:
            label.hide()
            return
        label.setText(word)
        x, y = self.xy[row]
        label.setPos(float(x), float(y))
        label.show()

    def _refresh_frequent_labels(self) -> None:
        """Frequent words get a grey label unless they carry a coloured one already."""
        taken = {self.state.selection, *self.state.highlighted}
        self._show_labels(self._frequent_labels,
                          [w for w in self._frequent_words if w not in taken])

    def _pick_frequent_words(self) -> list[str]:
        visible = self.state.visible_mask()
        if visible is None:
            keys, coords = self.state.keys, self.xy[:_FREQUENT_POOL]
        else:  # isolated: label the most frequent of the words still shown
            rows = np.flatnonzero(visible)[:_FREQUENT_POOL]
            keys, coords = [self.state.keys[r] for r in rows], self.xy[rows]
        if len(coords) == 0:
            return []
        lo, hi = coords.min(axis=0), coords.max(axis=0)
        cell = np.maximum(hi - lo, 1e-9) / _LABEL_GRID
        cells = np.minimum(((coords - lo) / cell).astype(int), _LABEL_GRID - 1)
        taken: set[tuple[int, int]] = set()
        words = []
        for key, (cx, cy) in zip(keys, cells, strict=False):
            if (cx, cy) in taken:
                continue
            taken.add((cx, cy))
            words.append(key)
            if len(words) == FREQUENT_LABELS:
                break
        return words

    def _spread_labels(self) -> None:
        """Give the selected word's and its neighbours' labels corners that do not
        overlap (in screen pixels, so it is redone when the view zooms or pans)."""
        placed: list[QRectF] = []
        labels = [self._selected_label, *self._highlight_labels]
        for label in labels:
            if not label.isVisible():
                continue
            at = self.view_box.mapViewToScene(label.pos())
            size = label.textItem.boundingRect().size()
            best = None
            for ax, ay in _LABEL_ANCHORS:
                rect = QRectF(at.x() - ax * size.width(), at.y() - ay * size.height(),
                              size.width(), size.height())
                if not any(rect.intersects(other) for other in placed):
                    best = ((ax, ay), rect)
                    break
            if best is None:  # crowded: keep the first corner
                ax, ay = _LABEL_ANCHORS[0]
                best = ((ax, ay), QRectF(at.x(), at.y() - size.height(), size.width(),
                                          size.height()))
            label.setAnchor(best[0])
            placed.append(best[1])

    # ---- picking ---------------------------------------------------------------------
    def word_at(self, scene_pos: QPointF) -> str | None:
        """The word drawn nearest ``scene_pos``, if within ``PICK_RADIUS_PX`` pixels."""
        coords = self.xy
        if len(coords) == 0 or not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        at = self.view_box.mapSceneToView(scene_pos)
        pixel = self.view_box.viewPixelSize()
        if not pixel[0] or not pixel[1]:
            return None
        dx = (coords[:, 0] - at.x()) / pixel[0]
        dy = (coords[:, 1] - at.y()) / pixel[1]
        d2 = dx * dx + dy * dy
        visible = self.state.visible_mask()
        if visible is not None:  # isolated: hidden points cannot be picked
            d2 = np.where(visible, d2, np.inf)
        row = int(np.argmin(d2))
        return self.state.keys[row] if d2[row] <= PICK_RADIUS_PX**2 else None

    def scene_pos_of(self, word: str) -> QPointF | None:
        """Where ``word`` is drawn, in scene coordinates (for tests and tooltips)."""
        row = self.state.row_of(word)
        if row is None:
            return None
        x, y = self.xy[row]
        return self.view_box.mapViewToScene(QPointF(float(x), float(y)))

    # ---- slots -----------------------------------------------------------------------
    def _on_scene_mouse_moved(self, args: tuple) -> None:
        self.state.set_hover(self.word_at(args[0]))

    def _on_scene_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        word = self.word_at(event.scenePos())
        if word is not None:
            self.state.select(word)

    def _on_view_box_range_changed(self, *_: object) -> None:
        self._spread_labels()

    def _on_state_projection_changed(self) -> None:
        coords = self.xy
        if len(coords) >= RASTER_MIN_POINTS:
            if not self.raster_mode:
                self.points.clear()
                self.points.hide()
                self._shown_keys = ()
                self.raster_mode = True
            self.raster.set_points(coords)
            self.raster.show()
        elif len(coords) and self._shown_keys == self.state.keys:
            self._leave_raster_mode()
            self._move_points(coords)
            self.points.show()
        elif len(coords):
            self._leave_raster_mode()
            self.points.setData(pos=coords, data=np.array(self.state.keys, dtype=object))
            self._applied_colours = None  # a fresh item: every point has the default brush
            self._all_visible = True
            self._shown_keys = self.state.keys
            self.points.show()
        else:
            # A space is loading (set_space clears the layout first). Hidden, not cleared:
            # the next layout usually has the same words (each epoch of a training run).
            self.points.hide()
            self.raster.hide()
        self._frequent_words = self._pick_frequent_words()
        self._on_state_highlight_changed(self.state.highlighted)
        self._on_state_selection_changed(self.state.selection or "")
        self._on_state_hover_changed(self.state.hover or "")
        self.view_box.autoRange(padding=0.02)

    def _leave_raster_mode(self) -> None:
        if self.raster_mode:
            self.raster_mode = False
            self.raster.set_points(np.zeros((0, 2), dtype=np.float32))
            self.raster.hide()

    def _move_points(self, coords: np.ndarray) -> None:
        """New positions for the same words (each epoch of a training run, another
        layout): only x and y change, so brushes, visibility and pyqtgraph's per-point
        sprite lookup are kept. ``setData`` rebuilds all of them (~170 ms for 58k points,
        measured), which stalled the GUI at every epoch while following a training run."""
        points = self.points
        points.data["x"] = coords[:, 0]
        points.data["y"] = coords[:, 1]
        points.prepareGeometryChange()
        points.informViewBoundsChanged()
        points.bounds = [None, None]
        points.invalidate()
        points.sigPlotChanged.emit(points)

    def _on_state_selection_changed(self, word: str) -> None:
        row = self.state.row_of(word) if word else None
        if row is None:
            self.selected.clear()
        else:
            self.selected.setData(pos=self.xy[row:row + 1])
        self._place(self._selected_label, word)
        self._refresh_frequent_labels()
        self._spread_labels()

    def _on_state_highlight_changed(self, words: list) -> None:
        rows = [r for r in (self.state.row_of(w) for w in words) if r is not None]
        if rows:
            self.highlight.setData(pos=self.xy[rows])
        else:
            self.highlight.clear()
        while len(self._highlight_labels) < len(rows):
            self._highlight_labels.append(
                self._make_label(HIGHLIGHT.darker(140), 9, bold=False, z=2, fill=True))
        self._show_labels(self._highlight_labels, list(words))
        self._refresh_frequent_labels()
        self._spread_labels()

    def _on_state_hover_changed(self, word: str) -> None:
        row = self.state.row_of(word) if word else None
        if row is None:
            self.hovered.clear()
        else:
            self.hovered.setData(pos=self.xy[row:row + 1])
        self._place(self._hover_label, word)

    def _on_state_centre_requested(self, word: str) -> None:
        row = self.state.row_of(word)
        if row is None:
            return
        x, y = (float(v) for v in self.xy[row])
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        w, h = (x1 - x0) / 2, (y1 - y0) / 2
        self.view_box.setRange(xRange=(x - w, x + w), yRange=(y - h, y + h), padding=0)

    # ---- arrows (an analogy's parallelogram) -----------------------------------------
    def _init_arrows(self) -> None:
        """Arrows are one ``PlotCurveItem`` of line pairs per style plus a pool of
        pixel-sized ``ArrowItem`` heads, turned on each zoom or pan: the view's axes
        scale independently, so a head's screen angle changes with the aspect ratio."""
        self.arrow_lines = pg.PlotCurveItem(pen=pg.mkPen(ARROW, width=2.5),
                                            connect="pairs", antialias=True)
        self.missed_arrow_lines = pg.PlotCurveItem(
            pen=pg.mkPen(MISSED_ARROW, width=1.5, style=Qt.PenStyle.DashLine),
            connect="pairs", antialias=True)
        for item in (self.arrow_lines, self.missed_arrow_lines):
            item.setZValue(3.5)  # over the labels, under the coloured markers
            self.plot.addItem(item, ignoreBounds=True)
        self._arrow_heads: list[pg.ArrowItem] = []
        self._arrow_labels: list[pg.TextItem] = []
        # (start xy, end xy, missed) of each arrow drawn now, for turning the heads.
        self._drawn_arrows: list[tuple[np.ndarray, np.ndarray, bool]] = []
        self._drawn_words: list[tuple[str, str, bool]] = []
        self.state.arrows_changed.connect(self._on_state_arrows_changed)
        self.state.projection_changed.connect(self._on_state_projection_changed_arrows)
        self.state.highlight_changed.connect(self._on_state_words_marked)
        self.state.selection_changed.connect(self._on_state_words_marked)
        self.view_box.sigRangeChanged.connect(self._on_view_box_range_changed_arrows)

    def arrow_segments(self) -> list[tuple[str, str, bool]]:
        """The arrows drawn now as (start word, end word, missed), for tests."""
        return list(self._drawn_words)

    def _draw_arrows(self) -> None:
        self._drawn_arrows = []
        self._drawn_words = []
        lines: dict[bool, list[np.ndarray]] = {False: [], True: []}
        for pairs, missed in ((self.state.arrows, False), (self.state.missed_arrows, True)):
            for start, end in pairs:
                rows = self.state.row_of(start), self.state.row_of(end)
                if None in rows or start == end:
                    continue
                a, b = self.xy[rows[0]], self.xy[rows[1]]
                lines[missed] += [a, b]
                self._drawn_arrows.append((a, b, missed))
                self._drawn_words.append((start, end, missed))
        for missed, item in ((False, self.arrow_lines), (True, self.missed_arrow_lines)):
            if lines[missed]:
                xy = np.asarray(lines[missed], dtype=float)
                item.setData(x=xy[:, 0], y=xy[:, 1])
            else:
                item.setData(x=np.zeros(0), y=np.zeros(0))
        while len(self._arrow_heads) < len(self._drawn_arrows):
            head = pg.ArrowItem(headLen=13, tipAngle=32, tailLen=None, pen=None)
            head.setZValue(3.6)
            self.plot.addItem(head, ignoreBounds=True)
            self._arrow_heads.append(head)
        self._turn_arrow_heads()
        self._label_arrow_words()

    def _turn_arrow_heads(self) -> None:
        """Point each head along its arrow in screen pixels, its tip just short of the
        end word's marker."""
        for head, (a, b, missed) in zip(self._arrow_heads, self._drawn_arrows, strict=False):
            sa = self.view_box.mapViewToScene(QPointF(float(a[0]), float(a[1])))
            sb = self.view_box.mapViewToScene(QPointF(float(b[0]), float(b[1])))
            dx, dy = sb.x() - sa.x(), sb.y() - sa.y()
            length = float(np.hypot(dx, dy))
            if length < 1e-6:
                head.hide()
                continue
            gap = min(_ARROW_TIP_GAP_PX, length / 2) / length
            tip = self.view_box.mapSceneToView(QPointF(sb.x() - dx * gap, sb.y() - dy * gap))
            # makeArrowPath points along -x; Qt turns clockwise on a y-down screen.
            angle = float(np.degrees(np.arctan2(-dy, -dx)))
            colour = MISSED_ARROW if missed else ARROW
            head.setStyle(angle=angle, brush=pg.mkBrush(colour), pen=pg.mkPen(colour))
            head.setPos(tip)
            head.show()
        for head in self._arrow_heads[len(self._drawn_arrows):]:
            head.hide()

    def _label_arrow_words(self) -> None:
        """Name the arrows' ends that no highlight or selection label names already."""
        named = {self.state.selection, *self.state.highlighted}
        words = []
        for start, end, _ in self._drawn_words:
            for word in (start, end):
                if word not in named and word not in words:
                    words.append(word)
        while len(self._arrow_labels) < len(words):
            self._arrow_labels.append(self._make_label(ARROW.darker(130), 9, bold=True, z=2,
                                                       fill=True))
        self._show_labels(self._arrow_labels, words)

    def _frame_arrow_words(self) -> None:
        """Zoom to the arrows' words, so a parallelogram is never a speck in the cloud.

        Both axes get the same scale (data units per pixel): stretching one axis more
        than the other keeps exactly parallel arrows parallel but turns nearly parallel
        ones apart (a 4:1 stretch made a 20° gap look like 50°)."""
        ends = [p for a, b, _ in self._drawn_arrows for p in (a, b)]
        if not ends:
            return
        xy = np.asarray(ends, dtype=float)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        centre = (lo + hi) / 2
        span = np.maximum(hi - lo, 1e-6) * (1 + 2 * _ARROW_FRAME_PADDING)
        rect = self.view_box.boundingRect()
        width, height = max(rect.width(), 1.0), max(rect.height(), 1.0)
        per_pixel = max(span[0] / width, span[1] / height)
        half_x, half_y = per_pixel * width / 2, per_pixel * height / 2
        self.view_box.setRange(xRange=(centre[0] - half_x, centre[0] + half_x),
                               yRange=(centre[1] - half_y, centre[1] + half_y), padding=0)

    def _on_state_arrows_changed(self) -> None:
        self._draw_arrows()
        self._frame_arrow_words()

    def _on_state_projection_changed_arrows(self) -> None:
        self._draw_arrows()

    def _on_state_words_marked(self, *_: object) -> None:
        self._label_arrow_words()

    def _on_view_box_range_changed_arrows(self, *_: object) -> None:
        self._turn_arrow_heads()

    # ---- colours, box/lasso selection, isolation, label size -------------------------
    def _init_selection_tools(self) -> None:
        """The multi-word selection is its own small overlay; the selection shape is a
        path item in view coordinates, drawn while the mouse drags."""
        self.tool = "pick"
        self._applied_colours: np.ndarray | None = None  # None: the default brush
        self._all_visible = True
        self._shown_keys: tuple[str, ...] = ()
        # Rings, so the colour of a selected point (its cluster, say) still shows.
        self.selected_set_item = pg.ScatterPlotItem(
            pxMode=True, size=8, brush=pg.mkBrush(SELECTED_SET.red(), SELECTED_SET.green(),
                                                  SELECTED_SET.blue(), 50),
            pen=pg.mkPen(SELECTED_SET, width=1.3))
        self.selected_set_item.setZValue(3.8)  # under the highlight and selection markers
        self.plot.addItem(self.selected_set_item)
        self.selection_shape = QGraphicsPathItem()
        self.selection_shape.setPen(pg.mkPen(SELECTION_SHAPE, width=1.5,
                                             style=Qt.PenStyle.DashLine))
        self.selection_shape.setBrush(pg.mkBrush(SELECTION_SHAPE.red(), SELECTION_SHAPE.green(),
                                                 SELECTION_SHAPE.blue(), 25))
        self.selection_shape.setZValue(8)
        self.selection_shape.hide()
        self.plot.addItem(self.selection_shape, ignoreBounds=True)
        self._drag_tool: str | None = None
        self._drag_path: list[tuple[float, float]] = []
        self.view_box.drag_handler = self._on_view_box_drag
        self.state.projection_changed.connect(self._on_state_projection_changed_appearance)
        self.state.colours_changed.connect(self._on_state_colours_changed)
        self.state.selected_set_changed.connect(self._on_state_selected_set_changed)
        self.state.visibility_changed.connect(self._on_state_visibility_changed)
        self.state.label_size_changed.connect(self._on_state_label_size_changed)

    def set_tool(self, tool: str) -> None:
        """What a left-button drag does: ``pick`` pans (Shift+drag draws a box),
        ``box`` draws a box, ``lasso`` a free-hand outline."""
        if tool not in TOOLS:
            raise ValueError(f"unknown selection tool {tool!r}: expected one of {TOOLS}")
        self.tool = tool
        cursor = Qt.CursorShape.ArrowCursor if tool == "pick" else Qt.CursorShape.CrossCursor
        self.plot.viewport().setCursor(cursor)

    def select_in_box(self, corner_a: tuple[float, float], corner_b: tuple[float, float],
                      add: bool = False) -> list[str]:
        """Select the shown words inside the box spanned by two corners (view coords)."""
        return self._select_rows(points_in_rect(self.xy, corner_a, corner_b), add)

    def select_in_lasso(self, polygon, add: bool = False) -> list[str]:
        """Select the shown words inside ``polygon`` (M x 2 view coordinates)."""
        return self._select_rows(points_in_polygon(self.xy, np.asarray(polygon)), add)

    def _select_rows(self, inside: np.ndarray, add: bool) -> list[str]:
        visible = self.state.visible_mask()
        if visible is not None:
            inside = inside & visible
        words = [self.state.keys[r] for r in np.flatnonzero(inside)]
        self.state.set_selected_set([*self.state.selected_set, *words] if add else words)
        return words

    def point_brushes(self) -> list:
        """The brush every point is drawn with (its own, else the item's default)."""
        if self.raster_mode:
            return [pg.mkBrush(self.raster.colour_of(i)) for i in range(len(self.xy))]
        default = self.points.opts["brush"]
        return [default if b is None else b for b in self.points.data["brush"]]

    def _apply_colours(self) -> None:
        if self.raster_mode:
            self.raster.set_colours(self.state.shown_colours())
            self._style_frequent_labels(self.state.shown_colours() is not None)
            return
        n = len(self.points.data)
        if n == 0:
            return
        colours = self.state.shown_colours()
        if colours is not None and len(colours) != n:
            colours = None
        if colours is self._applied_colours:
            pass  # already drawn so: re-brushing 58k points costs ~0.2 s
        elif colours is None:
            self.points.setBrush(np.full(n, pg.mkBrush(POINT), dtype=object))
        else:
            # A few dozen distinct colours at most: one brush each, shared by its points,
            # so pyqtgraph renders one sprite per colour.
            packed = np.ascontiguousarray(colours).view(np.uint32).ravel()
            unique, inverse = np.unique(packed, return_inverse=True)
            palette = unique.view(np.uint8).reshape(-1, 4)
            shared = np.empty(len(palette), dtype=object)
            shared[:] = [pg.mkBrush(int(r), int(g), int(b), _COLOURED_POINT_ALPHA)
                         for r, g, b, _ in palette]
            self.points.setBrush(shared[inverse.ravel()])
        self._applied_colours = colours
        self._style_frequent_labels(colours is not None and len(colours) == n)

    def _style_frequent_labels(self, coloured: bool) -> None:
        # Over coloured points the grey labels of frequent words need a backing to stay
        # legible; over the pale default cloud they read better without one.
        for label in self._frequent_labels:
            label.fill = pg.mkBrush(255, 255, 255, 150) if coloured else pg.mkBrush(None)
            label.setColor(FREQUENT_LABEL.darker(160) if coloured else FREQUENT_LABEL)
            label.update()

    def _apply_visibility(self, frame: bool) -> None:
        n = len(self.xy) if self.raster_mode else len(self.points.data)
        visible = self.state.visible_mask()
        if self.raster_mode:
            self.raster.set_visible_points(visible)
        elif n and not (visible is None and self._all_visible):
            self.points.setPointsVisible(np.ones(n, dtype=bool) if visible is None
                                         else visible[:n])
            self._all_visible = visible is None
        self._on_state_selected_set_changed(list(self.state.selected_set))
        self._frequent_words = self._pick_frequent_words()
        self._refresh_frequent_labels()
        if not frame or n == 0:
            return
        if visible is None or not visible.any():
            self.view_box.autoRange(padding=0.02)
            return
        # float64: float32 bounds overflow pyqtgraph's range checks
        xy = self.xy[visible].astype(np.float64)
        selected = [r for r in map(self.state.row_of, self.state.selected_set)
                    if r is not None and visible[r]]
        lo, hi = framing_bounds(xy, self.xy[selected] if selected else None)
        pad = np.maximum(hi - lo, 1e-6) * _ISOLATE_FRAME_PADDING
        self.view_box.setRange(xRange=(float(lo[0] - pad[0]), float(hi[0] + pad[0])),
                               yRange=(float(lo[1] - pad[1]), float(hi[1] + pad[1])), padding=0)

    def _draw_selection_shape(self) -> None:
        path = QPainterPath()
        (x0, y0), (x1, y1) = self._drag_path[0], self._drag_path[-1]
        if self._drag_tool == "box":
            path.addRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized())
        else:
            path.moveTo(x0, y0)
            for x, y in self._drag_path[1:]:
                path.lineTo(x, y)
            path.closeSubpath()
        self.selection_shape.setPath(path)
        self.selection_shape.show()

    def _on_view_box_drag(self, ev) -> bool:
        if ev.isStart():
            self._drag_tool = None
            if ev.button() != Qt.MouseButton.LeftButton:
                return False
            shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            tool = "box" if self.tool == "pick" and shift else self.tool
            if tool == "pick":
                return False
            self._drag_tool = tool
            start = self.view_box.mapSceneToView(ev.buttonDownScenePos())
            self._drag_path = [(start.x(), start.y())]
        elif self._drag_tool is None:
            return False
        ev.accept()
        at = self.view_box.mapSceneToView(ev.scenePos())
        self._drag_path.append((at.x(), at.y()))
        self._draw_selection_shape()
        if ev.isFinish():
            self.selection_shape.hide()
            add = bool(ev.modifiers() & Qt.KeyboardModifier.ControlModifier)
            tool, self._drag_tool = self._drag_tool, None
            if tool == "box":
                self.select_in_box(self._drag_path[0], self._drag_path[-1], add)
            else:
                self.select_in_lasso(self._drag_path, add)
        return True

    def _on_state_projection_changed_appearance(self) -> None:
        self._apply_colours()
        self._apply_visibility(frame=False)

    def _on_state_colours_changed(self) -> None:
        self._apply_colours()

    def _on_state_selected_set_changed(self, words: list) -> None:
        rows = [r for r in map(self.state.row_of, words) if r is not None]
        visible = self.state.visible_mask()
        if visible is not None:
            rows = [r for r in rows if visible[r]]
        if not rows:
            self.selected_set_item.clear()
            return
        # A few rings stand out; hundreds of them merge into one dark blot that hides
        # the colours underneath, so a large selection gets small, faint rings.
        few = len(rows) <= _FEW_SELECTED
        pen = pg.mkPen(SELECTED_SET if few else QColor(SELECTED_SET.red(), SELECTED_SET.green(),
                                                        SELECTED_SET.blue(), 130),
                       width=1.3 if few else 1.0)
        self.selected_set_item.setData(pos=self.xy[rows], size=8 if few else 5, pen=pen)

    def _on_state_visibility_changed(self) -> None:
        self._apply_visibility(frame=True)

    def _on_state_label_size_changed(self, label_size: int) -> None:
        for item in self.plot.getPlotItem().items:
            base = getattr(item, "base_point_size", None)
            if isinstance(item, pg.TextItem) and base is not None:
                font = item.textItem.font()
                font.setPointSize(scaled_point_size(base, label_size))
                item.setFont(font)
        self._spread_labels()

    # ---- counterparts (the same words in an aligned second space) ---------------------
    def _init_counterparts(self) -> None:
        """For the selected word and its highlighted neighbours: a hollow diamond where
        the word sits in the other space of a shared layout, and a dashed line from its
        point here to there."""
        self.counterpart_lines = pg.PlotCurveItem(
            pen=pg.mkPen(COUNTERPART, width=1.5, style=Qt.PenStyle.DashLine),
            connect="pairs", antialias=True)
        self.counterpart_lines.setZValue(3.4)
        self.plot.addItem(self.counterpart_lines, ignoreBounds=True)
        self.counterpart_points = pg.ScatterPlotItem(
            pxMode=True, size=10, symbol="d", brush=pg.mkBrush(255, 255, 255, 160),
            pen=pg.mkPen(COUNTERPART, width=1.5))
        self.counterpart_points.setZValue(3.9)
        self.plot.addItem(self.counterpart_points, ignoreBounds=True)
        self._counterpart_label = self._make_label(COUNTERPART, 9, bold=False, z=3,
                                                   fill=True)
        self._counterpart_words: list[str] = []
        for signal in (self.state.counterparts_changed, self.state.selection_changed,
                       self.state.highlight_changed, self.state.projection_changed):
            signal.connect(self._on_state_counterparts_changed)

    def counterpart_words(self) -> list[str]:
        """The words whose other-space position is drawn now (for tests)."""
        return list(self._counterpart_words)

    def _on_state_counterparts_changed(self, *_: object) -> None:
        state = self.state
        words, starts, ends = [], [], []
        if state.counterpart_keys:
            for word in dict.fromkeys([state.selection, *state.highlighted]):
                row = state.row_of(word) if word else None
                there = state.counterpart_of(word) if word else None
                if row is None or there is None:
                    continue
                words.append(word)
                starts.append(self.xy[row])
                ends.append(there[:2])
        self._counterpart_words = words
        if words:
            ends_xy = np.asarray(ends, dtype=float)
            pairs = np.empty((2 * len(words), 2))
            pairs[0::2], pairs[1::2] = np.asarray(starts, dtype=float), ends_xy
            self.counterpart_lines.setData(x=pairs[:, 0], y=pairs[:, 1])
            self.counterpart_points.setData(pos=ends_xy)
        else:
            self.counterpart_lines.setData(x=np.zeros(0), y=np.zeros(0))
            self.counterpart_points.clear()
        first = words[0] if words else None
        if first is not None and first == state.selection:
            x, y = (float(v) for v in ends[0])
            self._counterpart_label.setText(f"{first} in {state.counterpart_space}")
            self._counterpart_label.setPos(x, y)
            self._counterpart_label.show()
            self._keep_in_view(starts[0], ends[0])
        else:
            self._counterpart_label.hide()

    def _keep_in_view(self, *points: np.ndarray) -> None:
        """Widen the view just enough to show ``points`` (a word and its counterpart)."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        xs = [x0, x1, *(float(p[0]) for p in points)]
        ys = [y0, y1, *(float(p[1]) for p in points)]
        if min(xs) < x0 or max(xs) > x1 or min(ys) < y0 or max(ys) > y1:
            self.view_box.setRange(xRange=(min(xs), max(xs)), yRange=(min(ys), max(ys)),
                                   padding=0.05)

    # ---- pictures and probes (things placed among the points) ------------------------
    def _init_pictures(self) -> None:
        self.picture_points = pg.ScatterPlotItem(pxMode=True, size=4, symbol="s", pen=None,
                                                 brush=pg.mkBrush(PICTURE), hoverable=False)
        self.picture_points.setZValue(0.5)
        self.plot.addItem(self.picture_points, ignoreBounds=True)
        # Thumbnails are drawn at a fixed size on screen, whatever the zoom. A picture
        # that stays in view keeps its item (a pan moves nothing: the items sit in view
        # coordinates); items that leave go back to a pool, and the pixmaps of recently
        # shown pictures are kept, so panning back and forth converts no tile twice.
        self._thumbnails: dict[int, QGraphicsPixmapItem] = {}  # shown, by picture
        self._spare_thumbnails: list[QGraphicsPixmapItem] = []
        self._pixmaps: dict[int, QPixmap] = {}  # oldest first
        self.probe_points = pg.ScatterPlotItem(pxMode=True, size=24, symbol="star",
                                               brush=pg.mkBrush(PROBE),
                                               pen=pg.mkPen("w", width=1.5))
        self.probe_points.setZValue(7.5)  # over its own name's backing
        self.plot.addItem(self.probe_points, ignoreBounds=True)
        self.probe_lines = pg.PlotCurveItem(pen=pg.mkPen(PROBE, width=1.5), connect="pairs",
                                            antialias=True)
        self.probe_lines.setZValue(3.5)
        self.plot.addItem(self.probe_lines, ignoreBounds=True)
        self._probe_labels: list[pg.TextItem] = []
        self._probe_pictures: list[QGraphicsPixmapItem] = []
        self._probe_links: list[tuple[str, str]] = []
        self.state.pictures_changed.connect(self._on_state_pictures_changed)
        self.state.probes_changed.connect(self._on_state_probes_changed)
        self.view_box.sigRangeChanged.connect(self._on_view_box_range_changed_pictures)

    def shown_thumbnails(self) -> list[int]:
        """The pictures drawn as thumbnails now (rows of the picture layer), for tests."""
        return sorted(self._thumbnails)

    def probe_links(self) -> list[tuple[str, str]]:
        """The lines drawn from probes to their keys as (probe, key), for tests."""
        return list(self._probe_links)

    def _pixmap_item(self, z: float) -> QGraphicsPixmapItem:
        item = QGraphicsPixmapItem()
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        item.setZValue(z)
        self.plot.addItem(item, ignoreBounds=True)
        return item

    def _on_state_pictures_changed(self) -> None:
        self._pixmaps.clear()
        for row in list(self._thumbnails):  # another layer's pictures, or none
            self._hide_thumbnail(row)
        layer = self.state.pictures
        if layer is None:
            self.picture_points.clear()
        else:
            self.picture_points.setData(pos=np.asarray(layer.coords[:, :2], dtype=float))
        self._draw_thumbnails()

    def _on_view_box_range_changed_pictures(self, *_: object) -> None:
        if self.state.pictures is not None:
            self._draw_thumbnails()

    def _pictures_in_view(self) -> np.ndarray:
        """The rows of the pictures inside the visible range; none when more than
        ``MAX_THUMBNAILS`` are (a numpy mask over a few thousand points: microseconds)."""
        layer = self.state.pictures
        if layer is None or not len(layer):
            return np.zeros(0, dtype=int)
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        x, y = layer.coords[:, 0], layer.coords[:, 1]
        inside = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        return inside if len(inside) <= MAX_THUMBNAILS else inside[:0]

    def _draw_thumbnails(self) -> None:
        layer = self.state.pictures
        rows = set(self._pictures_in_view().tolist())
        for row in [r for r in self._thumbnails if r not in rows]:
            self._hide_thumbnail(row)
        for row in sorted(rows - self._thumbnails.keys()):
            item = self._spare_thumbnails.pop() if self._spare_thumbnails \
                else self._pixmap_item(0.8)
            pixmap = self._thumbnail_pixmap(row)
            item.setPixmap(pixmap)
            item.setOffset(-pixmap.width() / 2, -pixmap.height() / 2)  # centred on it
            item.setPos(float(layer.coords[row, 0]), float(layer.coords[row, 1]))
            item.setToolTip(f"{layer.names[row]}: {layer.labels[row]}")
            item.show()
            self._thumbnails[row] = item

    def _hide_thumbnail(self, row: int) -> None:
        item = self._thumbnails.pop(row)
        item.hide()
        self._spare_thumbnails.append(item)

    def _thumbnail_pixmap(self, row: int) -> QPixmap:
        pixmap = self._pixmaps.pop(row, None)
        if pixmap is None:
            pixmap = pixmap_of(self.state.pictures.tile(row), THUMBNAIL_PX)
            if len(self._pixmaps) >= _THUMBNAIL_CACHE:
                del self._pixmaps[next(iter(self._pixmaps))]  # the least recently shown
        self._pixmaps[row] = pixmap  # (re)inserted: now the most recently shown
        return pixmap

    def _on_state_probes_changed(self) -> None:
        probes = self.state.probes
        starts, ends, links = [], [], []
        for probe in probes:
            for key in probe.linked:
                row = self.state.row_of(key)
                if row is None:
                    continue  # a key this layout does not show
                starts.append(probe.position[:2])
                ends.append(self.xy[row])
                links.append((probe.name, key))
        self._probe_links = links
        if links:
            pairs = np.empty((2 * len(links), 2))
            pairs[0::2], pairs[1::2] = np.asarray(starts, float), np.asarray(ends, float)
            self.probe_lines.setData(x=pairs[:, 0], y=pairs[:, 1])
        else:
            self.probe_lines.setData(x=np.zeros(0), y=np.zeros(0))
        if probes:
            self.probe_points.setData(pos=np.asarray([p.position[:2] for p in probes], float))
        else:
            self.probe_points.clear()
        while len(self._probe_labels) < len(probes):
            self._probe_labels.append(self._make_label(PROBE.darker(140), 10, bold=True,
                                                       z=7, fill=True))
            self._probe_pictures.append(self._pixmap_item(7))
        for i, (label, picture) in enumerate(zip(self._probe_labels, self._probe_pictures,
                                                 strict=True)):
            if i >= len(probes):
                label.hide()
                picture.hide()
                continue
            probe = probes[i]
            x, y = (float(v) for v in probe.position[:2])
            label.setText(probe.name)
            label.setPos(x, y)
            label.show()
            if probe.thumbnail is None:
                picture.hide()
                continue
            # Framed in the probe's colour: it would pass for one of the pictures.
            pixmap = framed(pixmap_of(probe.thumbnail, 48), PROBE)
            picture.setPixmap(pixmap)
            picture.setOffset(-pixmap.width() - 12, -pixmap.height() / 2)  # left of it
            picture.setPos(x, y)
            picture.show()
        if probes:
            self._keep_in_view(*(p.position[:2] for p in probes))
