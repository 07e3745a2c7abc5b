"""``MainWindow``: wires the state, the engine client, the views and the panels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.evaluation import EvaluationPanel
from app.panels.projection import ProjectionPanel
from app.panels.training import TrainingPanel
from app.panels.words import WordsPanel, one_line
from app.state import AppState
from app.views.switch import ScatterSwitch
from engine import api
from engine.paths import DEFAULT_WORD_SPACE

STATUS_SECONDS = 10


class MainWindow(QMainWindow):
    """One tab per kind of space; only the word space is built so far.

    ``start()`` loads the space and its PCA layout through the engine; ``ready`` fires
    once the points are shown, ``load_failed`` with a message when that is impossible.
    """

    ready = Signal()
    load_failed = Signal(str)

    def __init__(self, space_path: Path | str | None = None,
                 client: EngineClient | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.space_path = Path(space_path) if space_path is not None else None
        self.state = AppState(self)
        self.client = client or EngineClient(parent=self)
        self._load_job: int | None = None
        self._project_job: int | None = None

        # ---- words tab: 2D/3D views behind a toggle; words and projection panels ----
        self.views = ScatterSwitch(self.state, self.client)
        self.views.status_message.connect(self._on_words_panel_status_message)
        self.scatter = self.views.view2d
        self.words_panel = WordsPanel(self.state, self.client)
        self.projection_panel = ProjectionPanel(self.state, self.client)
        side = QSplitter(Qt.Orientation.Vertical)
        # Evaluating the space sits beside the words panel: its failures show in the plot.
        self.evaluation_panel = EvaluationPanel(self.state, self.client)
        self.evaluation_panel.status_message.connect(self._on_words_panel_status_message)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.words_panel, "Words")
        self.side_tabs.addTab(self.evaluation_panel, "Evaluation")
        side.addWidget(self.side_tabs)
        side.addWidget(self.projection_panel)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 0)
        self.views.dims_requested.connect(self.projection_panel.request_dims)
        self.projection_panel.projection_ended.connect(self.views.sync)
        self.projection_panel.status_message.connect(self._on_words_panel_status_message)
        words_tab = QSplitter(Qt.Orientation.Horizontal)
        words_tab.addWidget(self.views)
        words_tab.addWidget(side)
        # ---- end of the words tab ---------------------------------------------------
        words_tab.setStretchFactor(0, 1)
        words_tab.setStretchFactor(1, 0)
        words_tab.setSizes([1000, 320])

        self.tabs = QTabWidget()
        self.tabs.addTab(words_tab, "Words")
        self.tabs.addTab(self._placeholder("Image–label space (WSABIE, ConSE, DeViSE): "
                                           "not built yet."), "Images")
        self.tabs.addTab(self._placeholder("Audio–word space (Bengio & Heigold 2014): "
                                           "not built yet."), "Audio")
        self.tabs.setTabEnabled(1, False)
        self.tabs.setTabEnabled(2, False)
        self.setCentralWidget(self.tabs)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.hover_label = QLabel()
        self.statusBar().addPermanentWidget(self.hover_label)

        self.setWindowTitle("Embedding Explorer")
        self.resize(1400, 900)

        self.words_panel.status_message.connect(self._on_words_panel_status_message)
        self.state.hover_changed.connect(self._on_state_hover_changed)
        self.client.job_progress.connect(self._on_client_job_progress)
        self.client.job_finished.connect(self._on_client_job_finished)
        self.client.job_failed.connect(self._on_client_job_failed)
        self.client.job_cancelled.connect(self._on_client_job_cancelled)
        self._add_training_tab()

    @staticmethod
    def _placeholder(text: str) -> QWidget:
        label = QLabel(text)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    # ---- API -------------------------------------------------------------------------
    def start(self) -> None:
        """Load the space, then project it with PCA (both on the engine's query lane)."""
        where = self.space_path or DEFAULT_WORD_SPACE
        self._busy(f"Loading {where}…")
        self._load_job = self.client.submit(api.LoadSpace(self.space_path))

    def show_message(self, message: str) -> None:
        self.statusBar().showMessage(one_line(message), STATUS_SECONDS * 1000)

    # ---- progress --------------------------------------------------------------------
    def _busy(self, message: str, fraction: float | None = None) -> None:
        if fraction is None:
            self.progress.setRange(0, 0)  # an indeterminate, moving bar
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(1000 * fraction))
        self.progress.show()
        self.statusBar().showMessage(message)

    def _idle(self, message: str) -> None:
        self.progress.hide()
        self.show_message(message)

    # ---- slots -----------------------------------------------------------------------
    def _on_words_panel_status_message(self, message: str) -> None:
        self.show_message(message)

    def _on_state_hover_changed(self, word: str) -> None:
        self.hover_label.setText(word)

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id in (self._load_job, self._project_job):
            self._busy(progress.message, progress.fraction)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._load_job:
            self._load_job = None
            self.state.set_space(result.space, self.space_path)
            self._busy(f"Projecting {len(result.space):,} words with PCA…")
            self._project_job = self.client.submit(api.Project(
                method="pca", dims=2, seed=0, space=self.space_path))
        elif job_id == self._project_job:
            self._project_job = None
            self.state.set_projection(result.keys, result.coords, result.params)
            space = self.state.space
            self._idle(f"{len(result.keys):,} words, {space.dim if space else '?'} "
                       f"dimensions, PCA in {result.elapsed:.2f} s")
            self.ready.emit()

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id in (self._load_job, self._project_job):
            self._load_job = self._project_job = None
            self._idle(message)
            self.load_failed.emit(message)

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id in (self._load_job, self._project_job):
            self._load_job = self._project_job = None
            self._idle("Loading was cancelled.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        # A result already queued for the GUI thread must not start a follow-up job on
        # the shut-down client.
        self._load_job = self._project_job = None
        self.client.shutdown()
        super().closeEvent(event)

    # ---- training tab (app/panels/training.py) ---------------------------------------
    # Closing the window shuts the client down, which cancels a running training job; the
    # engine writes each epoch's space and checkpoint atomically, so nothing is left
    # half-written.
    def _add_training_tab(self) -> None:
        self.training_panel = TrainingPanel(self.client)
        self.tabs.addTab(self.training_panel, "Training")
        self.training_panel.status_message.connect(self._on_training_panel_status_message)
        self.training_panel.epoch_published.connect(self._on_training_panel_epoch_published)

    def show_tab(self, name: str) -> None:
        """Bring the tab titled ``name`` (case-insensitive) to the front."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i).lower() == name.lower():
                self.tabs.setCurrentIndex(i)
                return
        raise ValueError(f"No tab named {name!r}.")

    def open_space(self, path: Path | str | None) -> None:
        """Make ``path`` the active space and project it again (what ``start`` does)."""
        self.space_path = Path(path) if path is not None else None
        self.start()

    def _on_training_panel_status_message(self, message: str) -> None:
        self.show_message(message)

    def _on_training_panel_epoch_published(self, _epoch: int, path: Path) -> None:
        if self.training_panel.follow.isChecked():
            self.open_space(path)
