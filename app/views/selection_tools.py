"""Box and lasso selection for the 2D view: the geometry and a ``ViewBox`` that lends its
left-button drags to a handler.

``points_in_polygon`` is the even-odd ray-casting test (Shimrat 1962), vectorised over the
points with one loop over the polygon's edges. Points outside the polygon's bounding box
are dropped first, so a lasso over part of a 60k-word cloud tests a few thousand points;
the lasso is thinned to at most ``MAX_LASSO_VERTICES`` vertices, which bounds the loop.
(matplotlib's ``Path.contains_points`` does the same but matplotlib is not a dependency.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg

MAX_LASSO_VERTICES = 256
TOOLS = ("pick", "box", "lasso")


def points_in_rect(points: np.ndarray, corner_a: tuple[float, float],
                   corner_b: tuple[float, float]) -> np.ndarray:
    """Bool mask of ``points`` (N x 2) inside the axis-aligned box spanned by two corners
    (edges included)."""
    (x0, y0), (x1, y1) = corner_a, corner_b
    x_lo, x_hi = min(x0, x1), max(x0, x1)
    y_lo, y_hi = min(y0, y1), max(y0, y1)
    x, y = points[:, 0], points[:, 1]
    return (x >= x_lo) & (x <= x_hi) & (y >= y_lo) & (y <= y_hi)


def thin_polygon(polygon: np.ndarray, max_vertices: int = MAX_LASSO_VERTICES) -> np.ndarray:
    """Every n-th vertex, so at most ``max_vertices`` remain (a free-hand lasso records
    a vertex per mouse move; a few hundred trace it closely enough)."""
    if len(polygon) <= max_vertices:
        return polygon
    step = int(np.ceil(len(polygon) / max_vertices))
    return polygon[::step]


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Bool mask of ``points`` (N x 2) inside the closed ``polygon`` (M x 2, any winding,
    self-intersections by the even-odd rule)."""
    points = np.asarray(points, dtype=np.float64)
    polygon = thin_polygon(np.asarray(polygon, dtype=np.float64))
    inside = np.zeros(len(points), dtype=bool)
    if len(polygon) < 3 or len(points) == 0:
        return inside
    lo, hi = polygon.min(axis=0), polygon.max(axis=0)
    candidates = np.flatnonzero(points_in_rect(points, tuple(lo), tuple(hi)))
    x, y = points[candidates, 0], points[candidates, 1]
    odd = np.zeros(len(candidates), dtype=bool)
    xj, yj = polygon[-1]
    for xi, yi in polygon:
        # Does a ray from the point towards +x cross the edge (xj, yj) -> (xi, yi)?
        straddles = (yi > y) != (yj > y)
        if yi != yj:
            crossing_x = xi + (y - yi) * (xj - xi) / (yj - yi)
            odd ^= straddles & (x < crossing_x)
        xj, yj = xi, yi
    inside[candidates] = odd
    return inside


class SelectingViewBox(pg.ViewBox):
    """A ``ViewBox`` whose left-button drags go to ``drag_handler`` first; the handler
    returns ``True`` when it used the drag (a box or a lasso), else the view pans."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.drag_handler: Callable[[object], bool] | None = None

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph's name
        if axis is None and self.drag_handler is not None and self.drag_handler(ev):
            return
        super().mouseDragEvent(ev, axis)


# An isolated set is framed on its central part: a projection (UMAP above all) may put a
# few of a word's nearest neighbours far from the rest, and framing every one of them
# would shrink the rest to a speck.
FRAME_QUANTILE = 0.05


def framing_bounds(points: np.ndarray, keep: np.ndarray | None = None,
                   quantile: float = FRAME_QUANTILE) -> tuple[np.ndarray, np.ndarray]:
    """Low and high corners of the box holding the middle ``1 - 2 * quantile`` of
    ``points`` along each axis, grown to hold every point of ``keep`` (e.g. the selected
    words themselves). With fewer than 20 points, the box holds all of them."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 20:
        lo, hi = points.min(axis=0), points.max(axis=0)
    else:
        lo = np.quantile(points, quantile, axis=0)
        hi = np.quantile(points, 1 - quantile, axis=0)
    if keep is not None and len(keep):
        keep = np.asarray(keep, dtype=np.float64)
        lo, hi = np.minimum(lo, keep.min(axis=0)), np.maximum(hi, keep.max(axis=0))
    return lo, hi
