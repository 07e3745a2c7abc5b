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
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.state import AppState

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
MISSED_ARROW = QColor(120, 120, 120)
# The head's tip stops this many pixels short of the end word, at the edge of its
# highlight marker (9 px across) instead of under it.
_ARROW_TIP_GAP_PX = 5.0
# Room left around an analogy's words when the view zooms to them.
_ARROW_FRAME_PADDING = 0.25


class Scatter2DView(QWidget):
    """Follows ``AppState``: draws its coordinates, selection, highlight and hover; a
    click selects the nearest word and hovering names it."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.plot = pg.PlotWidget(background="w")
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
        # Labels sit under the coloured markers, so a label never hides a neighbour's dot.
        for z, item in ((0, self.points), (4, self.highlight), (5, self.selected),
                        (6, self.hovered)):
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
        font.setPointSize(point_size)
        font.setBold(bold)
        label.setFont(font)
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
        coords = self.xy[:_FREQUENT_POOL]
        if len(coords) == 0:
            return []
        lo, hi = coords.min(axis=0), coords.max(axis=0)
        cell = np.maximum(hi - lo, 1e-9) / _LABEL_GRID
        cells = np.minimum(((coords - lo) / cell).astype(int), _LABEL_GRID - 1)
        taken: set[tuple[int, int]] = set()
        words = []
        for key, (cx, cy) in zip(self.state.keys, cells, strict=False):
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
        if len(coords):
            self.points.setData(pos=coords, data=np.array(self.state.keys, dtype=object))
        else:
            self.points.clear()
        self._frequent_words = self._pick_frequent_words()
        self._on_state_highlight_changed(self.state.highlighted)
        self._on_state_selection_changed(self.state.selection or "")
        self._on_state_hover_changed(self.state.hover or "")
        self.view_box.autoRange(padding=0.02)

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
