"""The 2-D view as an SVG drawing: points as circles, lines, arrow heads and labels.

pyqtgraph's own ``SVGExporter`` renders each item through ``QSvgGenerator`` and then
rewrites every path with ``xml.dom.minidom``; for the default space's 58k points it ran
for more than five minutes without finishing (measured), and it fails outright on the
close-path command Qt 6 writes (pyqtgraph issue #3495). Here the view's items are read
directly (points from the scatter items' arrays, vectorised) and written as plain SVG,
in under a second for the whole vocabulary, in the pixel frame of the view on screen:
what is zoomed out of view is left out.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontInfo, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from engine.storage import atomic_write_text


def _colour(colour: QColor) -> str:
    return f'fill="{colour.name()}" fill-opacity="{colour.alphaF():.3g}"'


def _stroke(pen: QPen | None) -> str:
    if pen is None or pen.style() == Qt.PenStyle.NoPen:
        return 'stroke="none"'
    colour = pen.color()
    width = max(pen.widthF(), 1.0)  # a cosmetic pen of width 0 draws one pixel
    return (f'stroke="{colour.name()}" stroke-opacity="{colour.alphaF():.3g}" '
            f'stroke-width="{width:.3g}"')


def _fill(brush: QBrush | None) -> str:
    if brush is None or brush.style() == Qt.BrushStyle.NoBrush:
        return 'fill="none"'
    return _colour(brush.color())


def _map(transform: QTransform, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``transform`` (affine) applied to arrays of points."""
    return (transform.m11() * x + transform.m21() * y + transform.dx(),
            transform.m12() * x + transform.m22() * y + transform.dy())


def _is_inside(item: QGraphicsItem, root: QGraphicsItem) -> bool:
    parent = item.parentItem()
    while parent is not None:
        if parent is root:
            return True
        parent = parent.parentItem()
    return False


class _Writer:
    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self.view_box = plot.getPlotItem().getViewBox()
        self.viewport = plot.viewportTransform()
        rect = self.viewport.mapRect(self.view_box.sceneBoundingRect())
        self.left, self.top = rect.left(), rect.top()
        self.width, self.height = rect.width(), rect.height()
        self.parts: list[str] = []
        self.points = 0

    def to_view(self, item: QGraphicsItem) -> QTransform:
        """Item coordinates to pixels of the exported picture."""
        return item.deviceTransform(self.viewport) * QTransform.fromTranslate(-self.left,
                                                                              -self.top)

    def scatter(self, item: pg.ScatterPlotItem) -> None:
        data = item.data
        if len(data) == 0:
            return
        x, y = _map(self.to_view(item), data["x"], data["y"])
        keep = (data["visible"] & np.isfinite(x) & np.isfinite(y)
                & (x >= 0) & (x <= self.width) & (y >= 0) & (y <= self.height))
        rows = np.flatnonzero(keep)
        if not len(rows):
            return
        sizes = np.where(data["size"] < 0, item.opts["size"], data["size"])
        default_brush, default_pen = item.opts["brush"], item.opts["pen"]
        # One <g> per distinct brush and pen: the default space's points share one, so
        # the file holds one group of circles that differ only in position.
        groups: dict[tuple[str, str], list[str]] = {}
        styles: dict[tuple[int, int], tuple[str, str]] = {}  # by the objects' ids
        brushes, pens = data["brush"], data["pen"]
        for row in rows:
            brush = brushes[row] or default_brush
            pen = pens[row] or default_pen
            key = styles.get((id(brush), id(pen)))
            if key is None:
                key = styles[(id(brush), id(pen))] = (_fill(pg.mkBrush(brush)),
                                                      _stroke(pg.mkPen(pen)))
            groups.setdefault(key, []).append(
                f'<circle cx="{x[row]:.1f}" cy="{y[row]:.1f}" r="{sizes[row] / 2:.3g}"/>')
        for (fill, stroke), circles in groups.items():
            self.parts.append(f"<g {fill} {stroke}>" + "".join(circles) + "</g>")
        self.points += len(rows)

    def curve(self, item: pg.PlotCurveItem) -> None:
        xs, ys = item.getData()
        if xs is None or not len(xs):
            return
        x, y = _map(self.to_view(item), np.asarray(xs, float), np.asarray(ys, float))
        if item.opts.get("connect") == "pairs":
            runs = [(i, i + 2) for i in range(0, len(x) - 1, 2)]
        else:  # "all" or "finite": break the line at missing values
            finite = np.isfinite(x) & np.isfinite(y)
            edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(int), [0]])))
            runs = list(zip(edges[::2], edges[1::2], strict=True))
        stroke = _stroke(pg.mkPen(item.opts["pen"]))
        for start, end in runs:
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[start:end], y[start:end],
                                                                  strict=True))
            if end - start >= 2:
                self.parts.append(f'<polyline points="{points}" fill="none" {stroke}/>')

    def path(self, item: QGraphicsPathItem) -> None:
        transform = self.to_view(item)
        # ArrowItem keeps its own ``path`` attribute, hiding the method.
        for polygon in QGraphicsPathItem.path(item).toSubpathPolygons(transform):
            points = " ".join(f"{p.x():.1f},{p.y():.1f}" for p in polygon)
            self.parts.append(f'<polygon points="{points}" {_fill(item.brush())} '
                              f'{_stroke(item.pen())}/>')

    def text(self, item: pg.TextItem) -> None:
        label = item.textItem
        rect = self.to_view(label).mapRect(label.boundingRect())
        if rect.right() < 0 or rect.left() > self.width or rect.bottom() < 0 \
                or rect.top() > self.height:
            return
        if item.fill.style() != Qt.BrushStyle.NoBrush:
            self.parts.append(f'<rect x="{rect.left():.1f}" y="{rect.top():.1f}" '
                              f'width="{rect.width():.1f}" height="{rect.height():.1f}" '
                              f'{_fill(item.fill)}/>')
        font = label.font()
        size_px = QFontInfo(font).pixelSize()
        weight = ' font-weight="bold"' if font.bold() else ""
        self.parts.append(
            f'<text x="{rect.center().x():.1f}" y="{rect.center().y():.1f}" '
            f'text-anchor="middle" dominant-baseline="central" '
            f'font-family="{html.escape(font.family())}, sans-serif" '
            f'font-size="{size_px}px"{weight} {_colour(label.defaultTextColor())}>'
            f"{html.escape(label.toPlainText())}</text>")

    def write(self, path: Path) -> int:
        root = self.view_box.childGroup
        for item in self.plot.scene().items(Qt.SortOrder.AscendingOrder):
            if not item.isVisible() or not _is_inside(item, root):
                continue
            if isinstance(item, pg.ScatterPlotItem):
                self.scatter(item)
            elif isinstance(item, pg.PlotCurveItem):
                self.curve(item)
            elif isinstance(item, pg.TextItem):
                self.text(item)
            elif isinstance(item, QGraphicsPathItem):
                self.path(item)
        background = self.plot.backgroundBrush().color()
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" '
                f'height="{self.height:.0f}" viewBox="0 0 {self.width:.0f} {self.height:.0f}">'
                f'<rect width="100%" height="100%" fill="{background.name()}"/>')
        atomic_write_text(path, head + "\n".join(self.parts) + "</svg>\n")
        return self.points


def export_svg(plot: pg.PlotWidget, path: Path | str) -> int:
    """Write what ``plot`` shows to ``path`` as SVG; returns how many points it drew."""
    return _Writer(plot).write(Path(path))
