"""``TrainingPanel``: train a skip-gram word space and watch it learn.

Training runs on the engine's training lane (``api.TrainWords``); each progress report
adds a point to the loss curve. After every epoch the engine publishes the fresh space
under the output folder (``Engine.remember``), so the panel asks for ``api.Evaluate`` of
that folder on the query lane and plots analogy accuracy and the SimLex / WordSim
correlations per epoch. Evaluations run one at a time: the engine cancels a stale query
of the same type, so a newer one waits until the previous answer came back.
"""

from __future__ import annotations

import gc
import math
import re
import time
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.words import one_line
from engine import api
from engine.words.trainer import SkipGramSettings

DEFAULT_CORPUS_NAME = "default-corpus"
LOSS_REDRAW_SECONDS = 1.0
METRIC_PENS = {"analogy": "#1f77b4", "simlex999": "#d62728", "wordsim353": "#2ca02c"}


WARM_UP_DELAY_MS = 3000


def default_output_folder(name: str) -> Path:
    """``<GenericDataLocation>/embedding-explorer/spaces/<name>`` (on Linux
    ``~/.local/share/embedding-explorer/spaces/<name>``): where a trained space goes unless
    told. Not AppDataLocation: with the organisation and the application both named
    "Embedding Explorer" (for QSettings), that doubles the name in the path."""
    root = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    base = Path(root) if root else Path.home() / ".local" / "share"
    return base / "embedding-explorer" / "spaces" / name


def format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class TrainingPanel(QWidget):
    """Corpus, output folder and settings; Train / Cancel; progress, loss and metrics."""

    status_message = Signal(str)
    training_started = Signal(int)  # the training job's id
    training_ended = Signal(str)  # "finished", "cancelled" or "failed"
    epoch_published = Signal(int, object)  # epoch, the output folder holding its space
    metrics_shown = Signal(int, dict)  # epoch, WordEvaluation.summary()
    settled = Signal()  # training ended and no evaluation is left in flight
    trainer_warmed_up = Signal()  # the engine imported the trainer (api.PrepareTraining)

    def __init__(self, client: EngineClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self._train_job: int | None = None
        self._eval_job: int | None = None
        self._eval_epoch: int | None = None  # the epoch the running evaluation measures
        self._eval_wanted: int | None = None  # a newer epoch to evaluate next
        self._epoch: int | None = None  # the epoch the last progress report was in
        self._epochs = 0
        self._out: Path | None = None
        self._out_edited = False
        self._request: api.TrainWords | None = None  # built, not yet submitted
        self._warm_up_job: int | None = None
        self.trainer_ready = False  # the engine has imported the trainer's modules
        self.loss_x: list[float] = []
        self.loss_y: list[float] = []
        self._loss_drawn_at = 0.0  # time.monotonic() of the last redraw of the loss curve
        self._loss_epoch: int | None = None
        self._metrics_drawn_at = 0.0
        self._metrics_pending = False
        self.metrics: dict[int, dict[str, float]] = {}

        self._build_widgets()
        self._lay_out()
        self._set_running(False)

        self.corpus_path.textEdited.connect(self._on_corpus_path_edited)
        self.corpus_group.buttonToggled.connect(self._on_corpus_group_toggled)
        self.corpus_file_button.clicked.connect(self._on_corpus_file_button_clicked)
        self.corpus_folder_button.clicked.connect(self._on_corpus_folder_button_clicked)
        self.output_path.textEdited.connect(self._on_output_path_edited)
        self.output_button.clicked.connect(self._on_output_button_clicked)
        self.train_button.clicked.connect(self._on_train_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    def _build_widgets(self) -> None:
        defaults = SkipGramSettings()
        self.corpus_default = QRadioButton("Default corpus")
        self.corpus_default.setToolTip("English prose from packaged sources (WordNet, GCIDE, "
                                       "KJV, fortunes); built on first use")
        self.corpus_own = QRadioButton("Text file or folder:")
        self.corpus_group = QButtonGroup(self)
        self.corpus_group.addButton(self.corpus_default)
        self.corpus_group.addButton(self.corpus_own)
        self.corpus_default.setChecked(True)
        self.corpus_path = QLineEdit()
        self.corpus_path.setPlaceholderText("a .txt file, or a folder of them")
        self.corpus_file_button = QPushButton("File…")
        self.corpus_folder_button = QPushButton("Folder…")

        self.output_path = QLineEdit(str(default_output_folder(DEFAULT_CORPUS_NAME)))
        self.output_button = QPushButton("…")

        def spin(low: int, high: int, value: int) -> QSpinBox:
            box = QSpinBox()
            box.setRange(low, high)
            box.setValue(value)
            return box

        self.dim = spin(1, 1000, defaults.dim)
        self.window = spin(1, 50, defaults.window)
        self.negative = spin(1, 50, defaults.negative)
        self.epochs = spin(1, 1000, defaults.epochs)
        self.min_count = spin(1, 1_000_000, defaults.min_count)
        self.sample = QDoubleSpinBox()
        self.sample.setDecimals(5)
        self.sample.setRange(0.0, 0.99999)
        self.sample.setSingleStep(1e-4)
        self.sample.setValue(defaults.sample)
        self.sample.setToolTip("Down-sampling of frequent words (0: off)")
        self.seed = spin(0, 2**31 - 1, defaults.seed)
        self.output_weight = QDoubleSpinBox()
        self.output_weight.setDecimals(2)
        self.output_weight.setRange(0.0, 2.0)
        self.output_weight.setSingleStep(0.1)
        self.output_weight.setValue(defaults.output_weight)
        self.output_weight.setToolTip(
            "Publish input + this × output (context) vectors. 0 is word2vec's input vectors; "
            "the default space uses 0.5, which lifted SimLex by about 0.02 (Levy et al. 2015).")

        self.follow = QCheckBox("Follow training in the Words view")
        self.follow.setChecked(True)
        self.follow.setToolTip("Show each epoch's space in the Words tab as it is published")
        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("")
        self.state_label = QLabel("Ready.")
        self.state_label.setWordWrap(True)

        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setBackground("w")
        self.loss_plot.setTitle("Loss")
        self.loss_plot.setLabel("bottom", "fraction of training")
        self.loss_plot.setLabel("left", "running mean over the epoch")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.loss_plot.setXRange(0.0, 1.0, padding=0.02)
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2))

        self.metrics_plot = pg.PlotWidget()
        self.metrics_plot.setBackground("w")
        self.metrics_plot.setTitle("Evaluation per epoch")
        self.metrics_plot.setLabel("bottom", "epoch")
        self.metrics_plot.showGrid(x=True, y=True, alpha=0.3)
        self.metrics_plot.addLegend(offset=(10, 10))
        self.metric_curves = {
            name: self.metrics_plot.plot([], [], name=label, pen=pg.mkPen(colour, width=2),
                                         symbol="o", symbolSize=6, symbolBrush=colour)
            for name, label, colour in (
                ("analogy", "analogy accuracy", METRIC_PENS["analogy"]),
                ("simlex999", "SimLex-999 ρ", METRIC_PENS["simlex999"]),
                ("wordsim353", "WordSim-353 ρ", METRIC_PENS["wordsim353"]),
            )
        }

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        left = QVBoxLayout()

        box = QGroupBox("Corpus")
        grid = QGridLayout(box)
        grid.addWidget(self.corpus_default, 0, 0, 1, 3)
        grid.addWidget(self.corpus_own, 1, 0, 1, 3)
        grid.addWidget(self.corpus_path, 2, 0)
        grid.addWidget(self.corpus_file_button, 2, 1)
        grid.addWidget(self.corpus_folder_button, 2, 2)
        left.addWidget(box)

        box = QGroupBox("Output folder")
        row = QHBoxLayout(box)
        row.addWidget(self.output_path, 1)
        row.addWidget(self.output_button)
        left.addWidget(box)

        box = QGroupBox("Skip-gram settings")
        form = QFormLayout(box)
        form.addRow("Dimensions", self.dim)
        form.addRow("Window", self.window)
        form.addRow("Negative samples", self.negative)
        form.addRow("Epochs", self.epochs)
        form.addRow("Min count", self.min_count)
        form.addRow("Sample", self.sample)
        form.addRow("Seed", self.seed)
        form.addRow("Output vectors", self.output_weight)
        left.addWidget(box)

        left.addWidget(self.follow)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.cancel_button)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.state_label)
        left.addStretch(1)

        holder = QWidget()
        holder.setLayout(left)
        holder.setMaximumWidth(380)
        layout.addWidget(holder)

        plots = QVBoxLayout()
        plots.addWidget(self.loss_plot, 3)
        plots.addWidget(self.metrics_plot, 2)
        layout.addLayout(plots, 1)

    # ---- API -------------------------------------------------------------------------
    def settings(self) -> SkipGramSettings:
        return SkipGramSettings(
            dim=self.dim.value(), window=self.window.value(), negative=self.negative.value(),
            epochs=self.epochs.value(), min_count=self.min_count.value(),
            sample=self.sample.value(), seed=self.seed.value(),
            output_weight=round(self.output_weight.value(), 2))

    def corpus(self) -> Path | None:
        """The corpus to train on; ``None`` is the default corpus."""
        if self.corpus_default.isChecked():
            return None
        return Path(self.corpus_path.text().strip()).expanduser()

    def set_corpus(self, path: Path | str | None) -> None:
        """Train on ``path`` (``None``: the default corpus); names the output after it."""
        if path is None:
            self.corpus_default.setChecked(True)
        else:
            self.corpus_own.setChecked(True)
            self.corpus_path.setText(str(path))
        self._suggest_output()

    def output(self) -> Path:
        return Path(self.output_path.text().strip()).expanduser()

    @property
    def is_training(self) -> bool:
        return self._train_job is not None or self._request is not None

    def train(self) -> None:
        """Submit ``api.TrainWords`` with what the widgets say."""
        if self.is_training:
            return
        corpus = self.corpus()
        if corpus is not None and not str(corpus).strip(". "):
            self._show_state("Choose a corpus file or folder first.", error=True)
            return
        if not self.output_path.text().strip():
            self._show_state("Choose an output folder first.", error=True)
            return
        self._out = self.output()
        self._epoch = None
        self._epochs = self.epochs.value()
        self._eval_wanted = None
        self.loss_x.clear()
        self.loss_y.clear()
        self._loss_drawn_at, self._loss_epoch = 0.0, None
        self.metrics.clear()
        self.loss_curve.setData([], [])
        for curve in self.metric_curves.values():
            curve.setData([], [])
        self.metrics_plot.setXRange(1, max(2, self._epochs), padding=0.05)
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self._set_running(True)
        self.cancel_button.setEnabled(False)
        self._request = api.TrainWords(corpus, self._out, self.settings())
        self._submit_when_ready()

    def warm_up(self) -> None:
        """Have the engine import the trainer's heavy modules (``api.PrepareTraining``, on
        the training lane) a few seconds after the window's first plot is up: the imports
        hold the GIL for seconds, which would otherwise slow the start-up. A window closed
        before then (a scripted screenshot, a test) never starts them. A Train pressed
        earlier queues behind the warm-up on the same lane, or prepares the runtime
        itself."""
        QTimer.singleShot(WARM_UP_DELAY_MS, self, self._submit_warm_up)

    def _submit_warm_up(self) -> None:
        # The timer may fire after the window closed and shut the client down.
        if self._warm_up_job is None and not self.trainer_ready and self.client.is_running:
            self._warm_up_job = self.client.submit(api.PrepareTraining())

    def _submit_when_ready(self) -> None:
        if self._request is None:
            return
        request, self._request = self._request, None
        # What the window built since (widgets, loaded spaces) is long-lived too: freezing
        # it keeps the full collections that evaluation triggers short (measured: ~110 ms
        # stalls without this after a few windows had been opened and closed).
        gc.freeze()
        self._show_state("Reading the corpus…")
        self._train_job = self.client.submit(request)
        self.cancel_button.setEnabled(True)
        self.training_started.emit(self._train_job)

    def cancel(self) -> None:
        if self._request is not None:  # not submitted yet
            self._request = None
            self._end_training("cancelled", "Training cancelled.")
        elif self._train_job is not None:
            self.client.cancel(self._train_job)
            self._show_state("Cancelling…")

    # ---- helpers ---------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.corpus_default, self.corpus_own, self.corpus_path,
                       self.corpus_file_button, self.corpus_folder_button, self.output_path,
                       self.output_button, self.dim, self.window, self.negative, self.epochs,
                       self.min_count, self.sample, self.seed, self.output_weight):
            widget.setEnabled(not running)
        if not running:
            own = self.corpus_own.isChecked()
            for widget in (self.corpus_path, self.corpus_file_button,
                           self.corpus_folder_button):
                widget.setEnabled(own)

    def _show_state(self, text: str, error: bool = False) -> None:
        self.state_label.setText(text)
        self.state_label.setStyleSheet("color: #b00020;" if error else "")
        self.status_message.emit(text)

    def _suggest_output(self) -> None:
        if self._out_edited:
            return
        corpus = self.corpus()
        name = DEFAULT_CORPUS_NAME if corpus is None else (corpus.stem or corpus.name)
        name = re.sub(r"[^\w.-]+", "-", name).strip("-") or "space"
        self.output_path.setText(str(default_output_folder(name)))

    def _end_training(self, outcome: str, text: str, error: bool = False) -> None:
        self._train_job = None
        self.loss_curve.setData(self.loss_x, self.loss_y)  # the points not yet drawn
        if self._metrics_pending:
            self._draw_metrics()
        self.progress.setRange(0, 1000)
        if outcome == "finished":
            self.progress.setValue(1000)
        self._set_running(False)
        self._show_state(text, error)
        self.training_ended.emit(outcome)
        self._maybe_settled()

    def _maybe_settled(self) -> None:
        if self._train_job is None and self._eval_job is None and self._eval_wanted is None:
            self.settled.emit()

    def _request_evaluation(self, epoch: int) -> None:
        if self._out is None:
            return
        if self._eval_job is not None:
            self._eval_wanted = epoch
            return
        self._eval_wanted = None
        self._eval_epoch = epoch
        self._eval_job = self.client.submit(api.Evaluate(space=self._out))

    def _after_evaluation(self) -> None:
        self._eval_job = None
        if self._eval_wanted is not None:
            self._request_evaluation(self._eval_wanted)
        else:
            self._maybe_settled()

    def _on_epoch_published(self, epoch: int) -> None:
        self._request_evaluation(epoch)
        self.epoch_published.emit(epoch, self._out)

    def _show_training_progress(self, progress: api.Progress) -> None:
        stats = progress.stats
        epoch, epochs = int(stats["epoch"]), int(stats.get("epochs", self._epochs))
        if self._epoch is not None and epoch > self._epoch:
            # The first report of epoch n+1 comes after epoch n was saved and published.
            self._on_epoch_published(self._epoch)
        self._epoch = epoch
        fraction = min(max(progress.fraction, 0.0), 1.0)
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * fraction))
        rate = stats.get("words_per_second") or 0.0
        text = (f"epoch {epoch}/{epochs} · {rate:,.0f} words/s · "
                f"ETA {format_seconds(stats.get('eta_seconds'))}")
        self.progress.setFormat(f"{100 * fraction:.0f} %")
        loss = stats.get("loss")
        if loss is not None and math.isfinite(loss) and loss > 0:
            self.loss_x.append(fraction)
            self.loss_y.append(float(loss))
            # Each redraw repaints the plot's axes and grid: 15-30 ms on the GUI thread
            # (measured, software rendering). Progress comes 4 times a second; the curve
            # is redrawn at most once a second, and whenever an epoch starts.
            now = time.monotonic()
            if now - self._loss_drawn_at >= LOSS_REDRAW_SECONDS or epoch != self._loss_epoch:
                self.loss_curve.setData(self.loss_x, self.loss_y)
                self._loss_drawn_at, self._loss_epoch = now, epoch
            text += f" · loss {loss:.4f}"
        self.state_label.setText(text)
        self.state_label.setStyleSheet("")

    def _show_metrics(self, epoch: int, summary: dict[str, float]) -> None:
        self.metrics[epoch] = summary
        # Like the loss curve: redrawn at most once a second while training runs (a tiny
        # corpus ends several epochs a second), and always once it has ended.
        now = time.monotonic()
        if self._train_job is not None and now - self._metrics_drawn_at < LOSS_REDRAW_SECONDS:
            self._metrics_pending = True
        else:
            self._draw_metrics()
            self._metrics_drawn_at = now
        self.metrics_shown.emit(epoch, summary)

    def _draw_metrics(self) -> None:
        self._metrics_pending = False
        if not self.metrics:
            return
        epochs = sorted(self.metrics)
        for name, curve in self.metric_curves.items():
            # Spearman's rho is NaN while fewer than three pairs are in the vocabulary.
            points = [(e, float(y)) for e in epochs
                      if (y := self.metrics[e].get(name)) is not None and math.isfinite(y)]
            curve.setData([e for e, _ in points], [y for _, y in points])
        step = max(1, math.ceil(max(epochs) / 10))  # whole epochs on the axis
        self.metrics_plot.getAxis("bottom").setTickSpacing(step, step)

    # ---- slots -----------------------------------------------------------------------
    def _on_corpus_group_toggled(self, *_: Any) -> None:
        self._set_running(self._train_job is not None)
        self._suggest_output()

    def _on_corpus_path_edited(self, _text: str) -> None:
        self.corpus_own.setChecked(True)
        self._suggest_output()

    def _on_corpus_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Corpus text file", "", "Text (*.txt *.txt.gz *.txt.bz2 *.txt.xz);;All files (*)")
        if path:
            self.set_corpus(path)

    def _on_corpus_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of text files")
        if path:
            self.set_corpus(path)

    def _on_output_path_edited(self, _text: str) -> None:
        self._out_edited = True

    def _on_output_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder for the space",
                                                str(self.output().parent))
        if path:
            self._out_edited = True
            self.output_path.setText(path)

    def _on_train_button_clicked(self) -> None:
        self.train()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel()

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id != self._train_job:
            return
        if "epoch" in progress.stats:
            self._show_training_progress(progress)
        else:  # reading the corpus, or building the default one
            self.progress.setRange(0, 0)
            self.state_label.setText(progress.message or "Preparing…")

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._warm_up_job:
            self._warm_up_job = None
            self.trainer_ready = True
            self.trainer_warmed_up.emit()
        elif job_id == self._train_job:
            epochs = int(result.info.get("epochs_done", self._epochs)) if result else 0
            self._on_epoch_published(epochs or self._epochs)
            self._end_training("finished", f"Trained {len(result):,} words × {result.dim} "
                                           f"dimensions → {self._out}")
        elif job_id == self._eval_job:
            self._show_metrics(self._eval_epoch or 0, result.summary())
            self._after_evaluation()

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._warm_up_job:  # training prepares the runtime itself then
            self._warm_up_job = None
        elif job_id == self._train_job:
            self._end_training("failed", one_line(message), error=True)
        elif job_id == self._eval_job:
            self.status_message.emit(f"Evaluation failed: {one_line(message)}")
            self._after_evaluation()

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._warm_up_job:
            self._warm_up_job = None
        elif job_id == self._train_job:
            self._end_training("cancelled", "Training cancelled.")
        elif job_id == self._eval_job:
            self._after_evaluation()
