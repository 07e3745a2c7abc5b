"""Bars above the views: how points are coloured and labelled (``AppearanceBar``) and
which words are selected and shown (``SelectionBar``).

Both only change ``AppState``; the 2D and 3D views follow it. Clusters and
neighbourhoods come from the engine (``api.Cluster``, ``api.NeighbourhoodOf``); turning
a metadata column into colours is a lookup per word, done here.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from app.engine_client import EngineClient
from app.state import AppState
from engine import api

# Twenty hues that stay apart on white: Tableau 10, then the darker half of Tableau 20b.
CLUSTER_PALETTE = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (57, 59, 121), (99, 121, 57), (140, 109, 49), (132, 60, 57), (123, 65, 115),
    (82, 84, 163), (140, 162, 82), (189, 158, 57), (173, 73, 74), (165, 81, 148),
], dtype=np.uint8)
UNCOLOURED = (200, 200, 200)  # a word the colouring knows nothing about
COLOUR_MAP = "viridis"  # perceptually uniform, readable for colour-blind viewers
# Colour-map values are rounded to this many steps: the 2D view draws one sprite per
# distinct colour, and nobody tells 64 steps of viridis from 60,000.
COLOUR_MAP_STEPS = 64
MAX_CATEGORIES = 20  # the most common values get a hue each; the rest share grey
MAX_LEGEND_CLUSTERS = 30  # a legend of 200 clusters would push the view off the window
# Neighbourhoods of more words than this would take the engine tens of seconds (about
# 1 ms per word for 60k words); such a selection is isolated on its own.
MAX_WORDS_WITH_NEIGHBOURS = 2000


def palette(n: int) -> np.ndarray:
    """``n`` distinct RGB colours: ``CLUSTER_PALETTE`` first, then evenly spaced hues."""
    if n <= len(CLUSTER_PALETTE):
        return CLUSTER_PALETTE[:n]
    extra = [pg.intColor(i, hues=n - len(CLUSTER_PALETTE)).getRgb()[:3]
             for i in range(n - len(CLUSTER_PALETTE))]
    return np.vstack([CLUSTER_PALETTE, np.array(extra, dtype=np.uint8)])


def map_colours(fractions: np.ndarray) -> np.ndarray:
    """RGB (N x 3 uint8) of values in [0, 1] on ``COLOUR_MAP``; NaN gets ``UNCOLOURED``."""
    fractions = np.asarray(fractions, dtype=np.float64)
    known = np.isfinite(fractions)
    steps = np.round(np.clip(np.where(known, fractions, 0.0), 0, 1) * (COLOUR_MAP_STEPS - 1))
    rgb = pg.colormap.get(COLOUR_MAP).map(steps / (COLOUR_MAP_STEPS - 1), mode="byte")[:, :3]
    rgb = np.asarray(rgb, dtype=np.uint8)
    rgb[~known] = UNCOLOURED
    return rgb


def _rgba(rgb: np.ndarray) -> np.ndarray:
    return np.column_stack([rgb, np.full(len(rgb), 255, dtype=np.uint8)]).astype(np.uint8)


def _swatch(rgb, text: str) -> str:
    r, g, b = (int(c) for c in rgb[:3])
    return (f'<span style="color:#{r:02x}{g:02x}{b:02x}; font-size:14pt">&#9632;</span>'
            f"&nbsp;{html.escape(text)}")


def _numeric(values: list[Any]) -> np.ndarray | None:
    try:
        numbers = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return numbers if numbers.ndim == 1 else None


class AppearanceBar(QWidget):
    """Colour by: nothing, k-means clusters (k), frequency, or a metadata column; label
    size. ``legend`` (a label the owner places) says what the colours mean."""

    status_message = Signal(str)
    colours_applied = Signal()  # the state's colours now follow the chosen colouring

    def __init__(self, state: AppState, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self._cluster_job: int | None = None
        # Clusterings of the active space this window has seen, by k: flipping between
        # colourings or layouts never asks the engine twice (it caches them too).
        self._clusterings: dict[int, api.Clusters] = {}

        self.colour_by = QComboBox()
        self.colour_by.setToolTip("Colour the points by k-means cluster, by word frequency "
                                  "or by a metadata column of the space")
        self.k = QSpinBox()
        self.k.setRange(2, 200)
        self.k.setValue(20)
        self.k.setPrefix("k = ")
        self.k.setToolTip("Number of clusters (spherical k-means on the vectors, seed 0)")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(90)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.label_size = QSpinBox()
        self.label_size.setRange(5, 30)
        self.label_size.setValue(state.label_size)
        self.label_size.setSuffix(" pt")
        self.label_size.setToolTip("Size of the word labels in both views")
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setContentsMargins(6, 0, 6, 2)
        self.legend.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Colour:"))
        layout.addWidget(self.colour_by)
        layout.addWidget(self.k)
        layout.addWidget(self.progress)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Labels:"))
        layout.addWidget(self.label_size)
        self._fill_choices()

        self.colour_by.currentIndexChanged.connect(self._on_colour_by_current_index_changed)
        self.k.valueChanged.connect(self._on_k_value_changed)
        self.label_size.valueChanged.connect(self._on_label_size_value_changed)
        state.space_changed.connect(self._on_state_space_changed)
        state.projection_changed.connect(self._on_state_projection_changed)
        state.label_size_changed.connect(self._on_state_label_size_changed)
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    # ---- API -------------------------------------------------------------------------
    def choose(self, mode: str, column: str | None = None, k: int | None = None) -> None:
        """Colour by ``mode`` ("none", "cluster", "frequency", "column" with ``column``),
        as picking it in the combo box does."""
        if k is not None:
            self.k.blockSignals(True)
            self.k.setValue(k)
            self.k.blockSignals(False)
        index = self.colour_by.findData(f"{mode}:{column}" if column else mode)
        if index < 0:
            raise ValueError(f"cannot colour by {mode} {column or ''}: not offered for this "
                             "space")
        if index == self.colour_by.currentIndex():
            self._recolour()
        else:
            self.colour_by.setCurrentIndex(index)

    @property
    def mode(self) -> tuple[str, str | None]:
        """What the points are coloured by, and the metadata column for "column"."""
        mode, _, column = (self.colour_by.currentData() or "none").partition(":")
        return mode, column or None

    # ---- colourings ------------------------------------------------------------------
    def _fill_choices(self) -> None:
        previous = self.colour_by.currentData()
        self.colour_by.blockSignals(True)
        self.colour_by.clear()
        self.colour_by.addItem("none", "none")
        self.colour_by.addItem("clusters (k-means)", "cluster")
        columns = dict(self.state.space.metadata) if self.state.space is not None else {}
        if "count" in columns or "rank" in columns:
            self.colour_by.addItem("frequency", "frequency")
        for name in columns:
            if name not in ("count", "rank"):
                self.colour_by.addItem(f"column: {name}", f"column:{name}")
        index = self.colour_by.findData(previous)
        self.colour_by.setCurrentIndex(max(index, 0))
        self.colour_by.blockSignals(False)
        self.k.setVisible(self.mode[0] == "cluster")

    def _space_rows(self) -> np.ndarray:
        """The space row of each shown word (-1 for a word the space does not have)."""
        index = self.state.space.key_to_index
        return np.fromiter((index.get(k, -1) for k in self.state.keys), dtype=np.int64,
                           count=len(self.state.keys))

    def _recolour(self) -> None:
        mode, column = self.mode
        self.k.setVisible(mode == "cluster")
        self._cancel_cluster_job()
        if self.state.space is None or not len(self.state.keys) or mode == "none":
            self._apply(None, "")
            return
        if mode == "cluster":
            known = self._clusterings.get(self.k.value())
            if known is not None:
                self._apply_clusters(known)
                return
            self._cluster_job = self.client.submit(
                api.Cluster(k=self.k.value(), seed=0, space=self.state.space_path))
            self.progress.setValue(0)
            self.progress.show()
            self.legend.setText(f"Clustering {len(self.state.space):,} words into "
                                f"{self.k.value()} clusters…")
            self.legend.show()
            return
        rows = self._space_rows()
        if mode == "frequency":
            metadata = self.state.space.metadata
            if "count" in metadata:
                self._apply_frequency(list(metadata["count"]), rows)
            else:  # GloVe and other spaces published without counts: their rank
                self._apply_frequency_rank(list(metadata["rank"]), rows)
            return
        values = list(self.state.space.metadata[column])
        numbers = _numeric(values)
        if numbers is not None:
            self._apply_numeric(column, numbers, rows)
        else:
            self._apply_categories(column, values, rows)

    def _apply(self, rgba: np.ndarray | None, legend: str) -> None:
        self.state.set_colours(rgba, legend)
        self.legend.setText(legend)
        self.legend.setVisible(bool(legend))
        self.colours_applied.emit()

    def _apply_clusters(self, clusters: api.Clusters) -> None:
        colours = palette(clusters.k)
        rows = self._space_rows()
        rgb = np.empty((len(rows), 3), dtype=np.uint8)
        known = rows >= 0
        rgb[known] = colours[np.asarray(clusters.labels)[rows[known]]]
        rgb[~known] = UNCOLOURED
        entries = [_swatch(colours[i], f"{', '.join(words)} ({clusters.sizes[i]:,})")
                   for i, words in enumerate(clusters.top_words[:MAX_LEGEND_CLUSTERS])]
        if clusters.k > MAX_LEGEND_CLUSTERS:
            entries.append(f"… and {clusters.k - MAX_LEGEND_CLUSTERS} smaller clusters")
        legend = (f"<b>{clusters.k} k-means clusters</b> (cosine; each named by its most "
                  f"typical common words, with its size): " + " &nbsp; ".join(entries))
        self._apply(_rgba(rgb), legend)

    def _apply_frequency(self, counts: list[Any], rows: np.ndarray) -> None:
        # From the rarest to the most frequent word: a vocabulary cut at min_count = 5
        # would otherwise spend the dark fifth of the map on counts nobody has.
        logs = np.log10(np.maximum(np.asarray(counts, dtype=np.float64), 1.0))
        self._apply_log_scale(logs, rows, lambda t: f"{round(10 ** t):,}",
                              "<b>Frequency</b> (corpus count, log scale): ")

    def _apply_frequency_rank(self, ranks: list[Any], rows: np.ndarray) -> None:
        # Zipf: a word's count falls as 1 / rank, so -log(rank) orders and spaces the
        # colours as log(count) would, the most frequent word brightest.
        logs = -np.log10(np.maximum(np.asarray(ranks, dtype=np.float64), 1.0))
        self._apply_log_scale(logs, rows, lambda t: f"{round(10 ** -t):,}",
                              "<b>Frequency</b> (rank, 1 = most frequent; log scale; this "
                              "space has no counts): ")

    def _apply_log_scale(self, logs: np.ndarray, rows: np.ndarray, tick_label,
                         title: str) -> None:
        low, high = float(logs.min()), float(logs.max())
        span = max(high - low, 1e-9)
        shown = np.where(rows >= 0, (logs[np.maximum(rows, 0)] - low) / span, np.nan)
        ticks = [low, *range(math.floor(low) + 1, math.ceil(high)), high]
        entries = [_swatch(map_colours(np.array([(t - low) / span]))[0], tick_label(t))
                   for t in ticks]
        self._apply(_rgba(map_colours(shown)), title + " &nbsp; ".join(entries))

    def _apply_numeric(self, name: str, numbers: np.ndarray, rows: np.ndarray) -> None:
        lo, hi = float(np.nanmin(numbers)), float(np.nanmax(numbers))
        span = hi - lo if hi > lo else 1.0
        shown = np.where(rows >= 0, (numbers[np.maximum(rows, 0)] - lo) / span, np.nan)
        ticks = np.linspace(lo, hi, 5)
        entries = [_swatch(map_colours(np.array([(t - lo) / span]))[0], f"{t:,.4g}")
                   for t in ticks]
        legend = f"<b>{html.escape(name)}</b> (low to high): " + " &nbsp; ".join(entries)
        self._apply(_rgba(map_colours(shown)), legend)

    def _apply_categories(self, name: str, values: list[Any], rows: np.ndarray) -> None:
        names, codes, counts = np.unique(np.asarray([str(v) for v in values], dtype=object),
                                         return_inverse=True, return_counts=True)
        order = np.argsort(-counts, kind="stable")
        kept = order[:MAX_CATEGORIES] if len(names) <= MAX_CATEGORIES else \
            order[:MAX_CATEGORIES - 1]
        colour_of = np.full((len(names), 3), UNCOLOURED, dtype=np.uint8)
        colour_of[kept] = palette(len(kept))
        rgb = np.empty((len(rows), 3), dtype=np.uint8)
        known = rows >= 0
        rgb[known] = colour_of[np.asarray(codes).ravel()[rows[known]]]
        rgb[~known] = UNCOLOURED
        entries = [_swatch(colour_of[i], f"{names[i]} ({counts[i]:,})") for i in kept]
        if len(names) > len(kept):
            entries.append(_swatch(UNCOLOURED, f"{len(names) - len(kept):,} other values"))
        legend = f"<b>{html.escape(name)}</b>: " + " &nbsp; ".join(entries)
        self._apply(_rgba(rgb), legend)

    def _cancel_cluster_job(self) -> None:
        if self._cluster_job is not None:
            self.client.cancel(self._cluster_job)
            self._cluster_job = None
        self.progress.hide()

    # ---- slots -----------------------------------------------------------------------
    def _on_colour_by_current_index_changed(self, _index: int) -> None:
        self._recolour()

    def _on_k_value_changed(self, _k: int) -> None:
        if self.mode[0] == "cluster":
            self._recolour()

    def _on_label_size_value_changed(self, points: int) -> None:
        self.state.set_label_size(points)

    def _on_state_label_size_changed(self, points: int) -> None:
        # The View menu changes the size too: the spin box shows what is in effect.
        self.label_size.blockSignals(True)
        self.label_size.setValue(points)
        self.label_size.blockSignals(False)

    def _on_state_space_changed(self) -> None:
        self._cancel_cluster_job()
        self._clusterings = {}  # another space, or a new snapshot of the same one
        self._fill_choices()

    def _on_state_projection_changed(self) -> None:
        # A new layout may show other words (or fewer): colour them again from what is
        # known; only a clustering not yet computed goes back to the engine.
        if len(self.state.keys) and self.mode[0] != "none":
            self._recolour()

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id == self._cluster_job:
            self.progress.setValue(round(1000 * progress.fraction))
            self.legend.setText(html.escape(progress.message) + "…")

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._cluster_job:
            return
        self._cluster_job = None
        self.progress.hide()
        self._clusterings[result.k] = result
        self._apply_clusters(result)
        took = f" in {result.elapsed:.1f} s" if result.elapsed else ""
        self.status_message.emit(f"{len(result.labels):,} words in {result.k} k-means "
                                 f"clusters ({result.iterations} iterations{took}).")

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._cluster_job:
            self._cluster_job = None
            self.progress.hide()
            self._apply(None, "")
            self.status_message.emit(f"Clustering failed: {message}")

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._cluster_job:
            self._cluster_job = None
            self.progress.hide()


class SelectionBar(QWidget):
    """Selection tools of the 2D view (pick, box, lasso), the size of the multi-word
    selection, and Isolate / Show all."""

    status_message = Signal(str)
    tool_changed = Signal(str)  # "pick", "box" or "lasso"
    isolated = Signal(int)  # how many words are shown now, after an Isolate

    def __init__(self, state: AppState, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self._isolate_job: int | None = None

        self.tools = QButtonGroup(self)
        self.tools.setExclusive(True)
        self.tool_buttons: dict[str, QToolButton] = {}
        tips = {"pick": "Drag pans, click selects a word; Shift+drag selects a box",
                "box": "Drag a box to select the words in it (Ctrl adds to the selection)",
                "lasso": "Draw around words to select them (Ctrl adds to the selection)"}
        for i, tool in enumerate(("pick", "box", "lasso")):
            button = QToolButton()
            button.setText(tool.capitalize())
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolTip(tips[tool] + " (2D view)")
            self.tools.addButton(button, i)
            self.tool_buttons[tool] = button
        self.tool_buttons["pick"].setChecked(True)
        self.count = QLabel()
        self.count.setStyleSheet("color: gray")
        self.neighbours = QSpinBox()
        self.neighbours.setRange(0, 100)
        self.neighbours.setValue(10)
        self.neighbours.setPrefix("+ ")
        self.neighbours.setSuffix(" nearest")
        self.neighbours.setToolTip("Isolate also shows each selected word's nearest "
                                   "neighbours (computed by the engine)")
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("Forget the words selected with the box or lasso")
        self.isolate_button = QPushButton("Isolate")
        self.isolate_button.setToolTip("Show only the selected words and their neighbours")
        self.show_all_button = QPushButton("Show all")
        self.show_all_button.setEnabled(False)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tools_label = QLabel("Select:")
        layout.addWidget(self.tools_label)
        for button in self.tool_buttons.values():
            layout.addWidget(button)
        layout.addWidget(self.count)
        layout.addWidget(self.clear_button)
        layout.addSpacing(6)
        layout.addWidget(self.isolate_button)
        layout.addWidget(self.neighbours)
        layout.addWidget(self.show_all_button)
        self._on_state_selected_set_changed([])

        self.tools.idClicked.connect(self._on_tools_id_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.isolate_button.clicked.connect(self._on_isolate_button_clicked)
        self.show_all_button.clicked.connect(self._on_show_all_button_clicked)
        state.selected_set_changed.connect(self._on_state_selected_set_changed)
        state.visibility_changed.connect(self._on_state_visibility_changed)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    # ---- API -------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.tool_buttons[tool].setChecked(True)
        self.tool_changed.emit(tool)

    def set_tools_available(self, available: bool) -> None:
        """Show the box and lasso tools (the 2D view has them) or hide them (3D)."""
        for widget in (self.tools_label, *self.tool_buttons.values()):
            widget.setVisible(available)

    def isolate(self) -> None:
        """Ask the engine for the selection's neighbourhood; the views then show only it."""
        words = list(self.state.selected_set) or ([self.state.selection]
                                                  if self.state.selection else [])
        if self.state.space is not None:  # coordinates from a file may name other words
            words = [w for w in words if w in self.state.space]
        if not words:
            self.status_message.emit("Nothing is selected: drag with the Box or Lasso tool "
                                     "(or Shift+drag) over some words, then Isolate.")
            return
        if self.state.space is None:
            return
        k = self.neighbours.value() if len(words) <= MAX_WORDS_WITH_NEIGHBOURS else 0
        if k == 0 and self.neighbours.value():
            self.status_message.emit(f"{len(words):,} words selected: isolating them without "
                                     f"neighbours (at most {MAX_WORDS_WITH_NEIGHBOURS:,} "
                                     "get theirs).")
        if self._isolate_job is not None:
            self.client.cancel(self._isolate_job)
        self._isolate_job = self.client.submit(
            api.NeighbourhoodOf(tuple(words), k, self.state.space_path))
        self.isolate_button.setEnabled(False)

    def show_all(self) -> None:
        self.state.show_all()

    # ---- slots -----------------------------------------------------------------------
    def _on_tools_id_clicked(self, index: int) -> None:
        self.tool_changed.emit(("pick", "box", "lasso")[index])

    def _on_clear_button_clicked(self) -> None:
        self.state.set_selected_set([])

    def _on_isolate_button_clicked(self) -> None:
        self.isolate()

    def _on_show_all_button_clicked(self) -> None:
        self.show_all()

    def _on_state_selected_set_changed(self, words: list) -> None:
        self.count.setText(f"{len(words):,} selected" if words else "")
        self.clear_button.setVisible(bool(words))

    def _on_state_visibility_changed(self) -> None:
        self.show_all_button.setEnabled(self.state.visible_words is not None)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._isolate_job:
            return
        self._isolate_job = None
        self.isolate_button.setEnabled(True)
        self.state.isolate(result.members)
        shown = int(self.state.visible_mask().sum())
        with_neighbours = f" and their {result.k} nearest neighbours" if result.k else ""
        self.status_message.emit(
            f"Showing {len(result.words):,} selected words{with_neighbours}: {shown:,} "
            "words in this layout. Show all brings the rest back.")
        self.isolated.emit(shown)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._isolate_job:
            self._isolate_job = None
            self.isolate_button.setEnabled(True)
            self.status_message.emit(f"Could not isolate the selection: {message}")

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._isolate_job:
            self._isolate_job = None
            self.isolate_button.setEnabled(True)
