"""``AudioTrainingPanel``: train the audio models (acoustic, then letter) and watch them.

It submits ``api.TrainAudioModels`` on the engine's training lane. Progress reports name
their model (engine/audio/training.py): the acoustic model's running loss and training
top-1 arrive every few batches, its validation top-1 (clips of training voices it did not
train on) once an epoch, the letter model's loss once an epoch. The two losses differ in
kind (cross-entropy over words, a listwise softmax over spellings), so each curve is its
loss over its first report's, on one axis of "fraction of the model's training". The
evaluation on held-out voices and words fills the table at the end.

The models are saved in a folder of the user's (never over the shipped ones from here);
the window then ranks the Audio tab's takes with them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.image_training import format_share
from app.panels.training_widgets import (
    relative_loss_plot,
    score_table,
    show_fraction,
    show_state,
)
from app.panels.words import one_line
from engine import api
from engine.paths import cache_dir

DEFAULTS = api.TrainAudioModels()
CURVES = {"acoustic": ("Acoustic model (loss)", "#1f77b4"),
          "letters": ("Letter model (loss)", "#d62728")}
# (row title, evaluation keys) of the table filled at the end
TABLE_ROWS = (("Heard words, classifier", ("in_vocabulary", "classifier")),
              ("Heard words, by spelling", ("in_vocabulary", "letters")),
              ("New words, by spelling", ("out_of_vocabulary", "letters")))
TABLE_COLUMNS = ("Held-out voices", "top-1", "top-10")


def default_output() -> Path:
    return cache_dir("audio") / "my-models"


class AudioTrainingPanel(QWidget):
    """Spoken-word set, epochs, output folder; Train / Cancel; progress, loss curves,
    top-1 curves and the held-out scores."""

    status_message = Signal(str)
    finished = Signal(dict)  # the TrainAudioModels report

    def __init__(self, client: EngineClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self._job: int | None = None
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        self._first_loss: dict[str, float] = {}
        self.validation: tuple[list[float], list[float]] = ([], [])
        self.training_top1: tuple[list[float], list[float]] = ([], [])
        self.report: dict | None = None

        self._build_widgets()
        self._lay_out()
        self._set_running(False)

        self.dataset_button.clicked.connect(self._on_dataset_button_clicked)
        self.output_button.clicked.connect(self._on_output_button_clicked)
        self.train_button.clicked.connect(self._on_train_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    def _build_widgets(self) -> None:
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 500)
        self.epochs.setValue(DEFAULTS.epochs)
        self.epochs.setToolTip(
            f"Passes of the acoustic model over the training clips. {DEFAULTS.epochs} (the "
            f"shipped models) take about half an hour on 2 CPU cores; a CUDA GPU is faster.")
        self.letter_epochs = QSpinBox()
        self.letter_epochs.setRange(1, 500)
        self.letter_epochs.setValue(DEFAULTS.letter_epochs)
        self.letter_epochs.setToolTip("Passes of the letter model (spelling → the acoustic "
                                      "space) over the training clips' embeddings: seconds")
        self.dataset = QLineEdit()
        self.dataset.setPlaceholderText("default: the synthesised spoken-word set")
        self.dataset.setToolTip(
            "Your own recordings: a folder of sound files named by word (water.wav, "
            "water-2.wav) or with one folder per word, or a CSV of path,word[,speaker] "
            "(whole speakers, or a share of each word's clips, test). Or a set made by "
            "'python -m engine audio build-dataset --out FOLDER'. Empty: the default set "
            "(made here on the first Train, about 6 minutes).")
        self.dataset_button = QPushButton("…")
        self.dataset_button.setFixedWidth(32)
        self.output_path = QLineEdit(str(default_output()))
        self.output_path.setToolTip("The folder the models are saved in; the Audio tab then "
                                    "ranks with them")
        self.output_button = QPushButton("…")
        self.output_button.setFixedWidth(32)

        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("")
        self.state_label = QLabel("Ready.")
        self.state_label.setWordWrap(True)

        self.loss_plot = relative_loss_plot("loss ÷ first report's")
        self.curves = {name: self.loss_plot.plot([], [], name=title,
                                                 pen=pg.mkPen(colour, width=2))
                       for name, (title, colour) in CURVES.items()}
        self.top1_plot = pg.PlotWidget()
        self.top1_plot.setBackground("w")
        self.top1_plot.setTitle("Acoustic model: top-1")
        self.top1_plot.setLabel("bottom", "epoch")
        self.top1_plot.showGrid(x=True, y=True, alpha=0.3)
        self.top1_plot.setYRange(0.0, 1.0, padding=0.02)
        self.top1_plot.addLegend(offset=(-10, -10))
        self.training_curve = self.top1_plot.plot(
            [], [], name="training clips (augmented)", pen=pg.mkPen("#7f7f7f", width=1.5))
        self.validation_curve = self.top1_plot.plot(
            [], [], name="validation clips", pen=pg.mkPen("#2ca02c", width=2), symbol="o",
            symbolSize=6, symbolBrush="#2ca02c", symbolPen=None)

        self.table = score_table(TABLE_COLUMNS, len(TABLE_ROWS))
        self.table.setRowCount(len(TABLE_ROWS))
        for row, (title, _) in enumerate(TABLE_ROWS):
            self.table.setItem(row, 0, QTableWidgetItem(title))
        self.table.setToolTip("Scored once trained, on voices no model trained on: words "
                              "the classifier heard, and words only the letter model can "
                              "score (never heard in training)")

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        box = QGroupBox("Settings")
        form = QFormLayout(box)
        form.addRow("Acoustic epochs", self.epochs)
        form.addRow("Letter epochs", self.letter_epochs)
        left.addWidget(box)
        box = QGroupBox("Spoken-word set")
        row = QHBoxLayout(box)
        row.addWidget(self.dataset, 1)
        row.addWidget(self.dataset_button)
        left.addWidget(box)
        box = QGroupBox("Output folder")
        row = QHBoxLayout(box)
        row.addWidget(self.output_path, 1)
        row.addWidget(self.output_button)
        left.addWidget(box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.cancel_button)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.state_label)
        left.addStretch(1)
        holder = QWidget()
        holder.setLayout(left)
        holder.setMinimumWidth(300)
        holder.setMaximumWidth(380)
        layout.addWidget(holder)
        right = QVBoxLayout()
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot, 1)
        plots.addWidget(self.top1_plot, 1)
        right.addLayout(plots, 1)
        right.addWidget(self.table)
        layout.addLayout(right, 1)

    # ---- API -------------------------------------------------------------------------
    def request(self) -> api.TrainAudioModels | None:
        """What the widgets say, as a request (None without an output folder)."""
        out = self.output_path.text().strip()
        dataset = self.dataset.text().strip()
        if not out:
            return None
        return api.TrainAudioModels(
            dataset=Path(dataset).expanduser() if dataset else None,
            out=Path(out).expanduser(), epochs=self.epochs.value(),
            letter_epochs=self.letter_epochs.value())

    @property
    def is_training(self) -> bool:
        return self._job is not None

    def train(self) -> None:
        if self.is_training:
            return
        request = self.request()
        if request is None:
            self._show_state("Choose a folder to save the models in.", error=True)
            return
        self.points = {name: ([], []) for name in CURVES}
        self._first_loss.clear()
        self.validation, self.training_top1 = ([], []), ([], [])
        self.report = None
        for curve in (*self.curves.values(), self.training_curve, self.validation_curve):
            curve.setData([], [])
        for row in range(len(TABLE_ROWS)):
            for column in (1, 2):
                self.table.setItem(row, column, QTableWidgetItem(""))
        self.top1_plot.setXRange(0, request.epochs, padding=0.02)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._set_running(True)
        self._show_state("Opening the spoken-word set…")
        self._job = self.client.submit(request)

    def cancel(self) -> None:
        if self._job is not None:
            self.client.cancel(self._job)
            self._show_state("Cancelling…")

    # ---- helpers ---------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.epochs, self.letter_epochs, self.dataset, self.dataset_button,
                       self.output_path, self.output_button):
            widget.setEnabled(not running)

    def _show_state(self, text: str, error: bool = False) -> None:
        show_state(self.state_label, text, error)
        self.status_message.emit(text)

    def _show_fraction(self, fraction: float) -> None:
        show_fraction(self.progress, fraction)

    def _add_report(self, stats: dict) -> None:
        name = stats["model"]
        epoch, epochs = float(stats.get("epoch", 0)), max(float(stats.get("epochs", 1)), 1)
        if "loss" in stats and math.isfinite(float(stats["loss"])) and name in self.points:
            loss = float(stats["loss"])
            first = self._first_loss.setdefault(name, loss)
            xs, ys = self.points[name]
            xs.append(epoch / epochs)
            ys.append(loss / first if first > 0 else 0.0)
            self.curves[name].setData(xs, ys)
        if "train_top1" in stats:
            self.training_top1[0].append(epoch)
            self.training_top1[1].append(float(stats["train_top1"]))
            self.training_curve.setData(*self.training_top1)
        if "val_top1" in stats and math.isfinite(float(stats["val_top1"])):
            self.validation[0].append(epoch)
            self.validation[1].append(float(stats["val_top1"]))
            self.validation_curve.setData(*self.validation)

    def _show_evaluation(self, evaluation: dict) -> None:
        for row, (_, (part, scorer)) in enumerate(TABLE_ROWS):
            hits = (evaluation.get(part) or {}).get(scorer) or {}
            for column, key in ((1, "top1"), (2, "top10")):
                item = QTableWidgetItem(format_share(hits.get(key)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)

    def _end(self, text: str, error: bool = False) -> None:
        self._job = None
        self._set_running(False)
        self._show_state(text, error)

    # ---- slots -----------------------------------------------------------------------
    def _on_dataset_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Your recordings (files named by word, or a folder per word), or a "
            "spoken-word set", self.dataset.text().strip())
        if path:
            self.dataset.setText(path)

    def _on_output_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the audio models",
                                                self.output_path.text().strip())
        if path:
            self.output_path.setText(path)

    def _on_train_button_clicked(self) -> None:
        self.train()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel()

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id != self._job:
            return
        self._show_fraction(progress.fraction)
        stats = progress.stats or {}
        if stats.get("model") in CURVES:
            self._add_report(stats)
        text = progress.message
        if "loss" in stats and text:
            text += f" · loss {stats['loss']:.4f}"
        if "clips_per_second" in stats:
            text += f" · {stats['clips_per_second']:.0f} clips/s"
        if text:
            self.state_label.setText(text)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._job:
            return
        self.report = result
        if result.get("evaluation"):
            self._show_evaluation(result["evaluation"])
        self._show_fraction(1.0)
        seconds = result["acoustic"].get("seconds", 0) + result["letters"].get("seconds", 0)
        self._end(f"Trained the acoustic and letter models in {seconds:.0f} s → saved to "
                  f"{result['out']}; the Audio tab ranks with them now.")
        self.finished.emit(result)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._job:
            self._end(one_line(message), error=True)

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._job:
            self._end("Training cancelled; nothing saved.")
