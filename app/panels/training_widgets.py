"""Widgets the model-training panels share (image models, audio models): a plot of each
model's loss relative to its first, a table of held-out scores sized to its rows, and the
progress bar and state line of a run."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QProgressBar, QTableWidget


def relative_loss_plot(left_label: str) -> pg.PlotWidget:
    """"Training loss" over the fraction of each model's training, one curve a model."""
    plot = pg.PlotWidget()
    plot.setBackground("w")
    plot.setTitle("Training loss")
    plot.setLabel("bottom", "fraction of the model's training")
    plot.setLabel("left", left_label)
    plot.showGrid(x=True, y=True, alpha=0.3)
    plot.setXRange(0.0, 1.0, padding=0.02)
    plot.addLegend(offset=(-10, 10))
    return plot


def score_table(columns: tuple[str, ...], rows: int) -> QTableWidget:
    """Read-only, first column stretched, tall enough for ``rows`` and no taller: the
    curves above get the rest."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(columns)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    table.setFixedHeight(header.sizeHint().height()
                         + rows * table.verticalHeader().defaultSectionSize()
                         + 2 * table.frameWidth() + 2)
    return table


def show_fraction(progress: QProgressBar, fraction: float) -> None:
    """``progress`` (range 0–1000) at ``fraction``, with its percentage."""
    fraction = min(max(fraction, 0.0), 1.0)
    progress.setValue(round(1000 * fraction))
    progress.setFormat(f"{100 * fraction:.0f} %")


def show_state(label: QLabel, text: str, error: bool = False) -> None:
    label.setText(text)
    label.setStyleSheet("color: #b00020;" if error else "")
