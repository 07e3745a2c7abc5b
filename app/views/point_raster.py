"""``PointRasterItem``: hundreds of thousands of points drawn as one image.

pyqtgraph's ``ScatterPlotItem`` draws one pixmap fragment per point, and the scene
paints it once per exposed region: on GloVe's 400,000 words a pan frame took 93 ms
(measured, Xvfb + Mesa, 2 cores), more than twice the 33 ms budget. This item instead
splats the points into an image the size of the view with numpy, in device pixels,
each paint: a point is a 3 x 3 pixel square (what ``size=3`` draws), overlapping points
add their opacity as stacked translucent dots would (coverage ``1 - (1 - a)^n``), and
coloured points average their colours per pixel. The image is cached per transform, so
the repaints of labels and markers over it cost a blit, not a new splat.

It draws every point at every zoom, so nothing is dropped or sampled; small spaces keep
the scatter item (``Scatter2DView`` switches above ``RASTER_MIN_POINTS``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QMatrix4x4, QPainter

RASTER_MIN_POINTS = 150_000
_MAX_STACK = 64  # coverage stops growing visibly long before this many stacked dots


class _Splatted:
    """What the 2D and 3D items share: per-point colours and visibility, the cached
    image, and a count of splats (for tests). ``update`` is the item's repaint request."""

    def _init_splatted(self, colour: QColor, alpha: float, coloured_alpha: float) -> None:
        self._rgb: np.ndarray | None = None  # N x 3 float32 per-point colours, or None
        self._visible: np.ndarray | None = None
        self._colour = np.array(colour.getRgb()[:3], dtype=np.float32)
        self._alpha = alpha
        self._coloured_alpha = coloured_alpha
        self._cache_key: tuple | None = None
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None  # keeps the QImage's memory alive
        self.splats = 0

    def set_colours(self, rgba: np.ndarray | None) -> None:
        """One RGBA row per point, or ``None`` for the default colour."""
        self._rgb = None if rgba is None else np.asarray(rgba[:, :3], dtype=np.float32)
        self._invalidate()

    def set_visible_points(self, mask: np.ndarray | None) -> None:
        self._visible = None if mask is None else np.asarray(mask, dtype=bool)
        self._invalidate()

    def _invalidate(self) -> None:
        self._cache_key = None
        self.update()


class PointRasterItem(_Splatted, pg.GraphicsObject):
    """All points of a layout, as one image redrawn for the view's transform."""

    def __init__(self, colour: QColor, coloured_alpha: int) -> None:
        super().__init__()
        self._init_splatted(colour, colour.alpha() / 255.0, coloured_alpha / 255.0)
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._bounds = QRectF()

    # ---- data --------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray) -> None:
        xy = np.ascontiguousarray(xy[:, :2], dtype=np.float32)
        self.prepareGeometryChange()
        self._xy = xy
        if len(xy):
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            self._bounds = QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]),
                                  float(hi[1] - lo[1]))
        else:
            self._bounds = QRectF()
        self._invalidate()
        self.informViewBoundsChanged()

    def colour_of(self, row: int) -> QColor:
        """The colour point ``row`` is drawn in (its own, else the default)."""
        if self._rgb is not None:
            r, g, b = (int(v) for v in self._rgb[row])
            return QColor(r, g, b, round(255 * self._coloured_alpha))
        r, g, b = (int(v) for v in self._colour)
        return QColor(r, g, b, round(255 * self._alpha))

    # ---- QGraphicsItem -------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        # Half a data unit of margin is not enough at every zoom; the view clips anyway.
        return self._bounds.adjusted(-1e-6, -1e-6, 1e-6, 1e-6)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802
        if not len(self._xy):
            return None
        column = self._xy[:, ax]
        return float(column.min()), float(column.max())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not len(self._xy) or widget is None:
            return
        transform = painter.worldTransform()
        ratio = widget.devicePixelRatioF()
        width = max(1, round(widget.width() * ratio))
        height = max(1, round(widget.height() * ratio))
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), width, height, ratio)
        if key != self._cache_key or self._image is None:
            self._image = self._splat(transform, width, height, ratio)
            self._cache_key = key
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, self._image)
        painter.restore()

    # ---- splatting -----------------------------------------------------------------------
    def _splat(self, transform, width: int, height: int, ratio: float) -> QImage:
        self.splats += 1
        xy = self._xy
        # Views never rotate: device = (m11 x + m21 y + dx, m12 x + m22 y + dy) * ratio.
        px = (transform.m11() * xy[:, 0] + transform.m21() * xy[:, 1] + transform.dx()) * ratio
        py = (transform.m12() * xy[:, 0] + transform.m22() * xy[:, 1] + transform.dy()) * ratio
        image, self._buffer = splat(px, py, width, height, self._rgb, self._visible,
                                    self._colour, self._alpha, self._coloured_alpha)
        image.setDevicePixelRatio(ratio)
        return image


def splat(px: np.ndarray, py: np.ndarray, width: int, height: int,
          rgb: np.ndarray | None, visible: np.ndarray | None, colour: np.ndarray,
          alpha: float, coloured_alpha: float) -> tuple[QImage, np.ndarray]:
    """Points at device pixels (``px``, ``py``) as a premultiplied ARGB image of
    ``width`` x ``height``: 3 x 3 squares, stacked coverage, per-pixel mean colour. NaN
    positions (behind a 3D camera) and hidden points are left out. Returns the image and
    the buffer it wraps (keep it alive as long as the image)."""
    with np.errstate(invalid="ignore"):
        inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    if visible is not None and len(visible) == len(px):
        inside &= visible
    rows = np.flatnonzero(inside)
    cells = py[rows].astype(np.int64) * width + px[rows].astype(np.int64)
    size = width * height
    counts = _dilate(np.bincount(cells, minlength=size).astype(np.float32)
                     .reshape(height, width))
    stack = np.minimum(counts, _MAX_STACK).astype(np.intp)
    if rgb is None:
        argb = _uniform_lut(colour, alpha)[stack]
    else:
        part = rgb[rows]
        sums = [_dilate(np.bincount(cells, weights=part[:, c], minlength=size)
                        .astype(np.float32).reshape(height, width)) for c in range(3)]
        coverage = (1.0 - (1.0 - coloured_alpha) ** np.arange(
            _MAX_STACK + 1, dtype=np.float32))[stack]
        scale = coverage / np.maximum(counts, 1.0)  # the mean colour, premultiplied
        argb = ((np.round(coverage * 255).astype(np.uint32) << 24)
                | (np.round(sums[0] * scale).astype(np.uint32) << 16)
                | (np.round(sums[1] * scale).astype(np.uint32) << 8)
                | np.round(sums[2] * scale).astype(np.uint32))
    buffer = np.ascontiguousarray(argb, dtype=np.uint32)
    image = QImage(buffer.data, width, height, width * 4,
                   QImage.Format.Format_ARGB32_Premultiplied)
    return image, buffer


def _dilate(grid: np.ndarray) -> np.ndarray:
    """Each pixel's 3 x 3 neighbourhood sum: every point becomes a 3-pixel square."""
    rows = grid.copy()
    rows[1:] += grid[:-1]
    rows[:-1] += grid[1:]
    out = rows.copy()
    out[:, 1:] += rows[:, :-1]
    out[:, :-1] += rows[:, 1:]
    return out


_LUTS: dict[tuple, np.ndarray] = {}


def _uniform_lut(colour: np.ndarray, alpha: float) -> np.ndarray:
    """Premultiplied ARGB32 of n stacked dots of one colour, for n = 0 … _MAX_STACK."""
    key = (*colour.tolist(), alpha)
    lut = _LUTS.get(key)
    if lut is None:
        coverage = 1.0 - (1.0 - alpha) ** np.arange(_MAX_STACK + 1, dtype=np.float64)
        a = np.round(coverage * 255).astype(np.uint32)
        r, g, b = (np.round(colour[c] * coverage).astype(np.uint32) for c in range(3))
        lut = _LUTS[key] = (a << 24) | (r << 16) | (g << 8) | b
    return lut


class GLPointRasterItem(_Splatted, gl.GLGraphicsItem.GLGraphicsItem):
    """The 3D view's counterpart: each frame, the points are projected with the camera's
    matrix in numpy and splatted as above, then painted over the GL frame with a
    QPainter (as ``GLTextItem`` paints its text) before the overlays. Mesa's software
    renderer spent ~0.35 µs a vertex on GL point sprites: 400k points orbited at
    120-160 ms a frame."""

    def __init__(self, colour: QColor, alpha: float, coloured_alpha: float) -> None:
        super().__init__()
        self._init_splatted(colour, alpha, coloured_alpha)
        self._xyz = np.zeros((0, 3), dtype=np.float32)

    def set_points(self, xyz: np.ndarray) -> None:
        self._xyz = np.ascontiguousarray(xyz, dtype=np.float32)
        self._invalidate()

    def point_count(self) -> int:
        return len(self._xyz)

    def paint(self) -> None:
        view = self.view()
        if not len(self._xyz) or view is None:
            return
        rect = QRectF(view.rect())
        to_viewport = QMatrix4x4()
        to_viewport.viewport(rect.left(), rect.bottom(), rect.width(), -rect.height())
        matrix = np.array((to_viewport * self.mvpMatrix()).copyDataTo(),
                          dtype=np.float32).reshape(4, 4)
        ratio = view.devicePixelRatioF()
        width, height = max(1, round(rect.width() * ratio)), max(1, round(rect.height()
                                                                           * ratio))
        key = (matrix.tobytes(), width, height)
        if key != self._cache_key or self._image is None:
            self.splats += 1
            clip = self._xyz @ matrix[(0, 1, 3), :3].T + matrix[(0, 1, 3), 3]
            w = clip[:, 2]
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(w > 0, ratio / w, np.nan).astype(np.float32)
            self._image, self._buffer = splat(
                clip[:, 0] * scale, clip[:, 1] * scale, width, height, self._rgb,
                self._visible, self._colour, self._alpha, self._coloured_alpha)
            self._image.setDevicePixelRatio(ratio)
            self._cache_key = key
        painter = QPainter(view)
        painter.drawImage(0, 0, self._image)
        painter.end()
