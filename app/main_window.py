"""``MainWindow``: wires the state, the engine client, the views and the panels."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.dialogs import (
    APP_NAME,
    FORMAT_LABELS,
    ImportDialog,
    TextDialog,
    about_html,
    shortcuts_html,
    show_error,
)
from app.engine_client import EngineClient
from app.panels.audio import AudioPanel
from app.panels.audio_space import AudioSpacePanel
from app.panels.audio_training import AudioTrainingPanel
from app.panels.compare import ComparePanel
from app.panels.evaluation import EvaluationPanel
from app.panels.image_training import ImageTrainingPanel
from app.panels.images import ImagesPanel
from app.panels.label_space import LabelSpacePanel
from app.panels.projection import ProjectionPanel
from app.panels.space_picker import OPEN_FOLDER, SpacePicker
from app.panels.training import TrainingPanel
from app.panels.words import WordsPanel, one_line
from app.plot_export import export_svg
from app.selection_link import SharedSelection
from app.settings import LABEL_SIZE_RANGE, Settings
from app.space_loader import SpaceLoader, stored_umap
from app.state import AppState
from app.views.switch import ScatterSwitch
from engine import api
from engine.errors import EngineError
from engine.paths import DEFAULT_WORD_SPACE, names_a_space
from engine.spaces.named import AUDIO_WORDS, IMAGE_LABELS

STATUS_SECONDS = 10
FOLLOW_INTERVAL_S = 1.0  # the view opens a training run's epochs at most this often


class MainWindow(QMainWindow):
    """One tab per kind of space: words, images and labels (audio to come).

    ``start()`` loads the space and its PCA layout through the engine; ``ready`` fires
    once the points are shown, ``load_failed`` with a message when that is impossible.
    """

    ready = Signal()
    load_failed = Signal(str)
    error_shown = Signal(str)  # an error dialog opened with this message
    file_written = Signal(str)  # an export finished: the path written

    def __init__(self, space_path: Path | str | None = None,
                 client: EngineClient | None = None, parent: QWidget | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__(parent)
        # Without ``settings`` nothing is read or written (tests, scripted screenshots).
        self.settings = settings
        self._start_message = ""
        if space_path is None and settings is not None:
            space_path = self._remembered_space(settings)
        self.space_path = Path(space_path) if space_path is not None else None
        self.state = AppState(self)
        self.client = client or EngineClient(parent=self)
        self.word_loader = SpaceLoader(self.state, self.client, "words",
                                       self._first_projection, self)

        # ---- words tab: 2D/3D views behind a toggle; words and projection panels ----
        self.views = ScatterSwitch(self.state, self.client)
        self.views.status_message.connect(self._on_words_panel_status_message)
        self.scatter = self.views.view2d
        self.words_panel = WordsPanel(self.state, self.client)
        self.projection_panel = ProjectionPanel(self.state, self.client)
        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("words_side_splitter")  # its sizes are remembered by name
        # Evaluating the space sits beside the words panel: its failures show in the plot.
        self.evaluation_panel = EvaluationPanel(self.state, self.client)
        self.evaluation_panel.status_message.connect(self._on_words_panel_status_message)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.words_panel, "Words")
        self.side_tabs.addTab(self.evaluation_panel, "Evaluation")
        # A second space answering the same queries, side by side.
        self.compare_panel = ComparePanel(self.state, self.client)
        self.compare_panel.status_message.connect(self._on_words_panel_status_message)
        self.words_panel.query_answered.connect(self.compare_panel.follow)
        self.side_tabs.addTab(self.compare_panel, "Compare")
        side.addWidget(self.side_tabs)
        side.addWidget(self.projection_panel)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 0)
        self.views.dims_requested.connect(self.projection_panel.request_dims)
        self.projection_panel.projection_ended.connect(self.views.sync)
        self.projection_panel.status_message.connect(self._on_words_panel_status_message)
        words_tab = QSplitter(Qt.Orientation.Horizontal)
        words_tab.setObjectName("words_splitter")
        words_tab.addWidget(self.views)
        words_tab.addWidget(side)
        # ---- end of the words tab ---------------------------------------------------
        words_tab.setStretchFactor(0, 1)
        words_tab.setStretchFactor(1, 0)
        words_tab.setSizes([1000, 320])

        self.tabs = QTabWidget()
        self.tabs.addTab(words_tab, "Words")
        # ---- images tab: the image-label space's own views beside the Images panel --
        # Pictures dropped on the panel are labelled by every image model; the one shown
        # appears among the labels. A label clicked is selected in every space that has
        # it: the selection is shared by key across the spaces.
        self.label_space_panel = LabelSpacePanel(self.client.on_channel(IMAGE_LABELS))
        self.label_state = self.label_space_panel.state
        self.label_space_panel.status_message.connect(self.show_message)
        self.selection = SharedSelection(self)
        self.selection.add("the word space", self.state)
        self.selection.add("the image-label space", self.label_state)
        self.selection.status_message.connect(self.show_message)
        self.images_panel = ImagesPanel(self.selection, self.client)
        self.images_panel.status_message.connect(self._on_words_panel_status_message)
        self.images_panel.picture_shown.connect(self.label_space_panel.show_picture)
        self.images_tab = QSplitter(Qt.Orientation.Horizontal)
        self.images_tab.setObjectName("images_splitter")
        self.images_tab.addWidget(self.label_space_panel)
        self.images_tab.addWidget(self.images_panel)
        self.images_tab.setStretchFactor(0, 1)
        self.images_tab.setSizes([760, 640])
        self.tabs.addTab(self.images_tab, "Images")
        # The word space first (it is what the window opens on), then the labels.
        self.ready.connect(self.label_space_panel.open)
        # ---- audio tab: record or open a word, ranked by sound and by spelling --------
        # The audio-word space (every candidate placed by sound) beside the Audio panel;
        # a take ranked there is drawn among the words. Opened when the tab is first
        # shown: it needs the audio models, which only this tab uses.
        self.audio_space_panel = AudioSpacePanel(self.client.on_channel(AUDIO_WORDS))
        self.audio_state = self.audio_space_panel.state
        self.audio_space_panel.status_message.connect(self.show_message)
        self.selection.add("the audio-word space", self.audio_state)
        self.audio_panel = AudioPanel(self.selection, self.client.on_channel("audio"))
        self.audio_panel.status_message.connect(self.show_message)
        self.audio_panel.ranked.connect(self._on_audio_panel_ranked)
        self.audio_tab = QSplitter(Qt.Orientation.Horizontal)
        self.audio_tab.setObjectName("audio_splitter")
        self.audio_tab.addWidget(self.audio_space_panel)
        self.audio_tab.addWidget(self.audio_panel)
        self.audio_tab.setStretchFactor(0, 1)
        self.audio_tab.setSizes([760, 640])
        self.tabs.addTab(self.audio_tab, "Audio")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
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
        self.word_loader.progress.connect(self._on_word_loader_progress)
        self.word_loader.loaded.connect(self._on_word_loader_loaded)
        self.word_loader.failed.connect(self._on_word_loader_failed)
        self.word_loader.cancelled.connect(self._on_word_loader_cancelled)
        self._add_training_tab()
        self._add_menus()
        self._add_space_picker()

    def _add_space_picker(self) -> None:
        self.space_picker = SpacePicker(
            self.state, self.client,
            recent=lambda: self.settings.recent_spaces() if self.settings is not None else [])
        toolbar = self.addToolBar("Space")
        toolbar.setObjectName("space_toolbar")  # restored by name with the window state
        toolbar.setMovable(False)
        toolbar.addWidget(self.space_picker)
        self.space_picker.space_chosen.connect(self.open_space)
        self.space_picker.open_folder_requested.connect(self._on_open_action)
        self.space_picker.status_message.connect(self.show_message)
        self.space_picker.entries_changed.connect(self._on_space_picker_entries_changed)
        self._on_space_picker_entries_changed()

    def _on_space_picker_entries_changed(self) -> None:
        # The spaces to compare with: those the picker offers, less the one on screen.
        current = self.state.space_path
        choices = [(text, entry) for text, entry, _ in self.space_picker.entries()
                   if entry != OPEN_FOLDER and text
                   and str(entry) != str(current)
                   and not (entry is None and (current is None or str(current) == "default"))]
        self.compare_panel.set_choices(choices)

    # ---- API -------------------------------------------------------------------------
    def start(self) -> None:
        """Load the space, then project it with PCA (both on the engine's query lane)."""
        where = self.space_path or DEFAULT_WORD_SPACE
        self._busy(f"Loading {where}…")
        self.word_loader.load(self.space_path)
        if not self.space_picker.named:
            self.space_picker.refresh()

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
    def _on_tabs_current_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.audio_tab:
            self.audio_space_panel.open()

    def _on_audio_panel_ranked(self, ranking) -> None:
        # The audio-word space is the shipped models' space: a take ranked by other
        # models (trained in the Training tab) has no place in it.
        import engine.paths

        folder = self.audio_panel.models_folder
        shipped = folder is None or Path(folder).resolve() == Path(
            engine.paths.DEFAULT_AUDIO_MODELS).resolve()
        self.audio_space_panel.show_take(ranking if shipped else None)

    def _on_audio_training_panel_finished(self, report: dict) -> None:
        self.audio_panel.models_folder = Path(report["out"])
        self.show_message(f"The Audio tab ranks with the models in {report['out']} now.")

    def _on_image_training_panel_finished(self, report: dict) -> None:
        # A saved bundle can label pictures: the Images tab's models menu offers it.
        if report.get("out"):
            self.images_panel.add_models(Path(report["out"]))

    def _on_words_panel_status_message(self, message: str) -> None:
        self.show_message(message)

    def _on_state_hover_changed(self, word: str) -> None:
        self.hover_label.setText(word)

    def _on_word_loader_progress(self, message: str, fraction: float) -> None:
        self._busy(message, fraction if fraction >= 0 else None)

    def _on_word_loader_loaded(self, summary: str) -> None:
        self._idle(summary)
        if self._start_message:  # e.g. the remembered space had gone
            self.show_message(self._start_message)
            self._start_message = ""
        self._remember_space()
        self.ready.emit()

    def _on_word_loader_failed(self, message: str) -> None:
        if self.state.space is not None:
            # Opening another space failed: the one on screen stays the active one.
            self.space_path = self.state.space_path
        self._idle(message)
        self._show_error("Could not open the space", message)
        self.load_failed.emit(message)

    def _on_word_loader_cancelled(self) -> None:
        self._idle("Loading was cancelled.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        # A result already queued for the GUI thread must not start a follow-up job on
        # the shut-down client.
        self.word_loader.forget()
        self.label_space_panel.close_jobs()
        self.audio_space_panel.close_jobs()
        self._follow_timer.stop()
        self._follow_path = None
        if self.settings is not None:
            self.settings.save_window(self)
            self.settings.sync()
        self.client.shutdown()
        super().closeEvent(event)

    # ---- training tab (app/panels/training.py) ---------------------------------------
    # Closing the window shuts the client down, which cancels a running training job; the
    # engine writes each epoch's space and checkpoint atomically, so nothing is left
    # half-written.
    def _add_training_tab(self) -> None:
        self.training_panel = TrainingPanel(self.client)
        # The image models train on the same lane (one training at a time), beside it.
        self.image_training_panel = ImageTrainingPanel(self.client)
        self.image_training_panel.status_message.connect(self.show_message)
        self.image_training_panel.finished.connect(self._on_image_training_panel_finished)
        self.training_tabs = QTabWidget()
        self.training_tabs.addTab(self.training_panel, "Word space")
        self.training_tabs.addTab(self.image_training_panel, "Image models")
        self.audio_training_panel = AudioTrainingPanel(self.client)
        self.audio_training_panel.status_message.connect(self.show_message)
        self.audio_training_panel.finished.connect(self._on_audio_training_panel_finished)
        self.training_tabs.addTab(self.audio_training_panel, "Audio models")
        self.tabs.addTab(self.training_tabs, "Training")
        self.training_panel.status_message.connect(self._on_training_panel_status_message)
        self.training_panel.epoch_published.connect(self._on_training_panel_epoch_published)
        self._follow_path: Path | None = None
        self._followed_at = 0.0  # time.monotonic() when the view last opened an epoch
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.timeout.connect(self._on_follow_timer_timeout)
        self.ready.connect(self.training_panel.warm_up)  # after the first plot, not before

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
        # Epochs of a small corpus end many times a second; opening each one would keep
        # the GUI thread busy. The view follows at most once a second and always ends on
        # the newest epoch's space.
        if not self.training_panel.follow.isChecked():
            return
        self._follow_path = path
        if not self._follow_timer.isActive():
            since = time.monotonic() - self._followed_at
            self._follow_timer.start(max(0, round(1000 * (FOLLOW_INTERVAL_S - since))))

    def _on_follow_timer_timeout(self) -> None:
        path, self._follow_path = self._follow_path, None
        if path is not None and self.training_panel.follow.isChecked():
            self._followed_at = time.monotonic()
            self.open_space(path)

    # ---- menus, shortcuts, settings, import/export (app/dialogs.py, app/settings.py) --
    # File jobs (import, export) run in the engine like everything else; the window keeps
    # their ids, shows their progress in the status bar with a Cancel button, and turns a
    # failure into a dialog with the engine's message (file, line, what to do).
    def _add_menus(self) -> None:
        self._import_job: int | None = None
        self._import_request: api.ImportVectors | None = None
        self._export_job: int | None = None
        self._export_request: api.ExportVectors | None = None
        self._dialogs: list[QWidget] = []  # open non-modal dialogs, kept alive
        self.cancel_file_job = QPushButton("Cancel")
        self.cancel_file_job.setFlat(True)
        self.cancel_file_job.hide()
        self.cancel_file_job.clicked.connect(self._on_cancel_file_job_clicked)
        self.statusBar().addPermanentWidget(self.cancel_file_job)

        def action(menu: QMenu, text: str, slot, keys: str | QKeySequence.StandardKey = "",
                   tip: str = "") -> QAction:
            act = QAction(text, self)
            if keys:
                act.setShortcut(QKeySequence(keys))
            if tip:
                act.setStatusTip(tip)
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = action(file_menu, "&Open space folder…", self._on_open_action,
                                  "Ctrl+O", "Open a space saved by Embedding Explorer")
        self.import_action = action(file_menu, "&Import vectors…", self._on_import_action,
                                    "Ctrl+I", "Read word2vec, GloVe, fastText or projector "
                                    "vectors and open them")
        self.recent_menu = file_menu.addMenu("&Recent spaces")
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        file_menu.addSeparator()
        self.export_vectors_action = action(
            file_menu, "Export &vectors…", self._on_export_vectors_action, "",
            "Write the active space as word2vec, GloVe, fastText, projector TSV or a folder")
        self.export_neighbours_action = action(
            file_menu, "Export &neighbours CSV…", self._on_export_neighbours_action, "",
            "Write the selected word's neighbours as query,rank,word,score")
        self.export_coordinates_action = action(
            file_menu, "Export &coordinates CSV…", self._on_export_coordinates_action, "",
            "Write the layout on screen as word,x,y[,z]")
        self.export_plot_action = action(file_menu, "Export &plot as PNG/SVG…",
                                         self._on_export_plot_action, "Ctrl+E",
                                         "Save the 2-D or 3-D view as a picture")
        file_menu.addSeparator()
        self.quit_action = action(file_menu, "&Quit", self.close, "Ctrl+Q")

        view_menu = bar.addMenu("&View")
        self.find_action = action(view_menu, "&Find word…", self._on_find_action, "Ctrl+F")
        self.clear_selection_action = action(view_menu, "&Clear selection",
                                             self._on_clear_selection_action, "Esc")
        view_menu.addSeparator()
        self.view2d_action = action(view_menu, "&2-D layout", self._on_view2d_action, "2")
        self.view3d_action = action(view_menu, "&3-D layout", self._on_view3d_action, "3")
        for act in (self.view2d_action, self.view3d_action):
            # Typing 2 or 3 in the search box must not switch views: the keys act only
            # while the plot (or something inside it) has the focus.
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.views.addAction(act)
        self.reset_view_action = action(view_menu, "&Reset view", self._on_reset_view_action,
                                        "Ctrl+0", "Fit the whole layout in the view")
        view_menu.addSeparator()
        self.larger_labels_action = action(view_menu, "&Larger labels",
                                           self._on_larger_labels_action, "Ctrl+=")
        self.smaller_labels_action = action(view_menu, "&Smaller labels",
                                            self._on_smaller_labels_action, "Ctrl+-")
        self.default_labels_action = action(view_menu, "&Default label size",
                                            self._on_default_labels_action)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = action(help_menu, "&Keyboard shortcuts",
                                       self._on_shortcuts_action)
        self.about_action = action(help_menu, f"&About {APP_NAME}", self._on_about_action,
                                   "F1")

        self.state.space_changed.connect(self._on_state_space_changed_for_menus)
        self.state.projection_changed.connect(self._on_state_projection_changed_for_menus)
        self.client.job_progress.connect(self._on_client_file_job_progress)
        self.client.job_finished.connect(self._on_client_file_job_finished)
        self.client.job_failed.connect(self._on_client_file_job_failed)
        self.client.job_cancelled.connect(self._on_client_file_job_cancelled)
        self.state.label_size_changed.connect(self._on_state_label_size_changed_for_menus)
        self._on_state_space_changed_for_menus()
        if self.settings is not None:
            self.settings.restore_window(self)
            label_size = self.settings.label_size()
            if label_size is not None:
                self.state.set_label_size(label_size)

    def shortcuts(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every menu action that has a shortcut."""
        rows = []
        for act in self.findChildren(QAction):
            keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                rows.append((keys, act.text().replace("&", "").rstrip("…")))
        order = {"Ctrl+O": 0, "Ctrl+I": 1, "Ctrl+E": 2}
        return sorted(rows, key=lambda r: (order.get(r[0], 9), len(r[0]), r[0]))

    # ---- settings --------------------------------------------------------------------
    def _remembered_space(self, settings: Settings) -> Path | None:
        last = settings.last_space()
        if last is not None and not (last.exists() or names_a_space(last)):
            self._start_message = (f"The last space, {last}, is gone; showing the default "
                                   "space instead.")
            return None
        return last

    def _first_projection(self, path: Path | None) -> api.Project:
        """The layout the user last chose, else a stored UMAP, else PCA 2-D."""
        if self.settings is not None:
            request = self.settings.last_projection(path)
            if request is not None and request.method != "pca":
                # UMAP or t-SNE of another space can take minutes: only a stored layout
                # is worth showing at start; without one, PCA (the fallback below).
                request = dataclasses.replace(request, cached_only=True)
            if request is not None:
                return request
        # A stored UMAP layout (shipped with the default space, or in the cache) shows
        # the space's structure at no cost; without one, PCA (fast for any size).
        return stored_umap(path)

    def _remember_space(self) -> None:
        if self.settings is not None:
            self.settings.set_last_space(self.state.space_path)

    # ---- file actions (API, so tests and scripts skip the file dialogs) -------------
    def import_vectors(self, request: api.ImportVectors) -> int:
        """Import in the engine and open the saved space; a failure opens a dialog and
        leaves the active space as it was."""
        if self._import_job is not None:
            self.client.cancel(self._import_job)
        self._import_request = request
        self._import_job = self.client.submit(request)
        self._busy(f"Importing {request.path.name}…")
        self.cancel_file_job.show()
        return self._import_job

    def export_vectors(self, path: Path | str, format: str) -> int | None:
        if self.state.space is None:
            self.show_message("Load a space before exporting it.")
            return None
        request = api.ExportVectors(Path(path), format, space=self.state.space_path)
        self._export_request = request
        self._export_job = self.client.submit(request)
        self._busy(f"Writing {Path(path).name}…")
        self.cancel_file_job.show()
        return self._export_job

    def export_neighbours(self, path: Path | str) -> bool:
        """Write the neighbours list on screen (query,rank,word,score); a small file,
        written here. False, with a message, when there is nothing or it fails."""
        from engine.storage import export_neighbours_csv

        answer = self.words_panel.neighbours_answer
        if answer is None or not answer.items:
            self.show_message("Select a word first: its neighbours are what gets exported.")
            return False
        rows = [(answer.word, rank, s.word, s.score)
                for rank, s in enumerate(answer.items, start=1)]
        return self._write_small_file(path, lambda p: export_neighbours_csv(rows, p),
                                      f"{len(rows)} neighbours of “{answer.word}”")

    def export_plot(self, path: Path | str) -> bool:
        """The view on screen as PNG (2-D or 3-D) or SVG (2-D only)."""
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".png")
        if not len(self.state.coords):
            self.show_message("There is no layout to export yet.")
            return False
        view3d = self.views.view3d
        if self.state.dims == 3 and view3d is not None:
            if path.suffix.lower() == ".svg":
                self._show_error("Cannot export the plot",
                                 "SVG is for the 2-D view: a 3-D view is a rendered "
                                 "picture.\\nSave it as PNG, or switch to 2-D (key 2) first.")
                return False
            return self._write_small_file(
                path, lambda p: _save_image(view3d.view.grabFramebuffer(), p), "The 3-D view")
        import pyqtgraph.exporters as exporters

        item = self.scatter.plot.getPlotItem()
        if path.suffix.lower() == ".svg":
            def write(p: Path) -> None:
                export_svg(self.scatter.plot, p)
        else:
            def write(p: Path) -> None:
                exporter = exporters.ImageExporter(item)
                # Twice the on-screen size: sharp when printed or put on a slide.
                exporter.parameters()["width"] = int(2 * item.sceneBoundingRect().width())
                exporter.export(str(p))
        return self._write_small_file(path, write, "The 2-D view")

    def _write_small_file(self, path: Path | str, write, what: str) -> bool:
        path = Path(path)
        if not path.parent.is_dir():
            self._show_error("Could not write the file", f"{path.parent}: no such folder."
                             "\nPick a folder that exists.")
            return False
        try:
            write(path)
        except EngineError as e:
            self._show_error("Could not write the file", str(e))
            return False
        except OSError as e:
            self._show_error("Could not write the file",
                             f"{path}: {e.strerror or e}.\\nPick a folder you may write to.")
            return False
        if not path.is_file() or path.stat().st_size == 0:
            self._show_error("Could not write the file",
                             f"{path} came out empty.\\nTry PNG, or another folder.")
            return False
        self.show_message(f"{what} written to {path}.")
        self.file_written.emit(str(path))
        return True

    def _show_error(self, title: str, message: str) -> QMessageBox:
        self.show_message(message)
        box = show_error(self, title, message)
        self.error_shown.emit(message)
        return box

    def _open_dialog(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._dialogs.remove(dialog)
                                 if dialog in self._dialogs else None)
        dialog.open()

    def _file_dialog_start(self) -> str:
        path = self.state.space_path
        return str(path.parent) if path is not None else str(Path.home())

    # ---- slots: menus ----------------------------------------------------------------
    def _on_open_action(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a space folder",
                                                  self._file_dialog_start())
        if folder:
            self.open_space(folder)

    def _on_import_action(self) -> None:
        dialog = ImportDialog(self, self._file_dialog_start())
        dialog.import_requested.connect(self.import_vectors)
        self._open_dialog(dialog)

    def _on_recent_menu_about_to_show(self) -> None:
        menu = self.recent_menu
        menu.clear()
        default = menu.addAction("Default word space")
        default.triggered.connect(lambda: self.open_space(None))
        recent = self.settings.recent_spaces() if self.settings is not None else []
        if recent:
            menu.addSeparator()
        for path in recent:
            there = path.exists() or names_a_space(path)
            act = menu.addAction(str(path) if there else f"{path} (missing)")
            act.setEnabled(there)
            act.triggered.connect(lambda _=False, p=path: self.open_space(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear the list").triggered.connect(self.settings.clear_recent_spaces)

    def _on_export_vectors_action(self) -> None:
        filters = {f"{FORMAT_LABELS[name]} ({pattern})": name for name, pattern in (
            ("word2vec-text", "*.txt"), ("word2vec-binary", "*.bin"), ("glove", "*.txt"),
            ("fasttext-vec", "*.vec"), ("tf-projector", "*.tsv"), ("native", "*"))}
        stem = self.state.space_path.name if self.state.space_path else "default-space"
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export vectors", str(Path(self._file_dialog_start()) / f"{stem}.txt"),
            ";;".join(filters))
        if path:
            self.export_vectors(path, filters.get(chosen, "word2vec-text"))

    def _on_export_neighbours_action(self) -> None:
        word = self.state.selection or "neighbours"
        path, _ = QFileDialog.getSaveFileName(self, "Export neighbours",
                                              f"{word}-neighbours.csv", "CSV files (*.csv)")
        if path:
            self.export_neighbours(path)

    def _on_export_coordinates_action(self) -> None:
        # The projection panel owns coordinate files (its dialog, checks and messages).
        self.projection_panel.export_button.click()

    def _on_export_plot_action(self) -> None:
        filters = "PNG image (*.png)" + ("" if self.state.dims == 3 else ";;SVG drawing (*.svg)")
        path, chosen = QFileDialog.getSaveFileName(self, "Export plot", "plot.png", filters)
        if path:
            if "svg" in chosen.lower() and not path.lower().endswith(".svg"):
                path += ".svg"
            self.export_plot(path)

    def _on_find_action(self) -> None:
        self.show_tab("words")
        self.words_panel.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.words_panel.search.selectAll()

    def _on_clear_selection_action(self) -> None:
        self.state.select(None)
        self.state.set_selected_set([])  # a box or lasso selection too
        self.state.set_highlighted([])

    def _on_view2d_action(self) -> None:
        self.views.show_dims(2)

    def _on_view3d_action(self) -> None:
        self.views.show_dims(3)

    def _on_reset_view_action(self) -> None:
        view3d = self.views.view3d
        if self.state.dims == 3 and view3d is not None and len(self.state.coords):
            view3d._frame_cloud()  # noqa: SLF001 - the 3-D view's own framing
        else:
            self.scatter.view_box.autoRange(padding=0.02)

    def _on_larger_labels_action(self) -> None:
        self._set_label_size(self.state.label_size + 1)

    def _on_smaller_labels_action(self) -> None:
        self._set_label_size(self.state.label_size - 1)

    def _on_default_labels_action(self) -> None:
        self._set_label_size(self.state.DEFAULT_LABEL_SIZE)

    def _set_label_size(self, points: int) -> None:
        lo, hi = LABEL_SIZE_RANGE
        self.state.set_label_size(min(max(points, lo), hi))
        self.show_message(f"Labels: {self.state.label_size} pt")

    def _on_shortcuts_action(self) -> None:
        self._open_dialog(TextDialog(f"Keyboard shortcuts — {APP_NAME}",
                                     shortcuts_html(self.shortcuts()), self, (420, 420)))

    def _on_about_action(self) -> None:
        from app.errors import log_file

        dialog = TextDialog(f"About {APP_NAME}", about_html(
            self.shortcuts(), log_file(),
            self.settings.file_name if self.settings is not None else ""), self)
        dialog.setObjectName("about_dialog")
        self._open_dialog(dialog)

    def _on_cancel_file_job_clicked(self) -> None:
        for job in (self._import_job, self._export_job):
            if job is not None:
                self.client.cancel(job)

    # ---- slots: state and engine -----------------------------------------------------
    def _on_state_space_changed_for_menus(self) -> None:
        has_space = self.state.space is not None
        for act in (self.export_vectors_action, self.export_neighbours_action,
                    self.export_coordinates_action, self.export_plot_action):
            act.setEnabled(has_space)

    def _on_state_label_size_changed_for_menus(self, points: int) -> None:
        if self.settings is not None:
            self.settings.set_label_size(points)

    def _on_state_projection_changed_for_menus(self) -> None:
        if self.settings is not None and self.state.projection_params is not None:
            self.settings.set_last_projection(self.state.projection_params)

    def _on_client_file_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id in (self._import_job, self._export_job):
            self._busy(progress.message, progress.fraction)

    def _on_client_file_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._import_job:
            request = self._import_request
            self._import_job = self._import_request = None
            self.cancel_file_job.hide()
            self._start_message = (f"Imported {len(result):,} words from {request.path.name}"
                                   f", saved in {request.save_to}.")
            self.open_space(request.save_to)
        elif job_id == self._export_job:
            request = self._export_request
            self._export_job = self._export_request = None
            self.cancel_file_job.hide()
            self._idle(f"Wrote {result}.")
            self.file_written.emit(str(request.path))

    def _on_client_file_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._import_job:
            self._import_job = self._import_request = None
            self.cancel_file_job.hide()
            self._idle("The import failed; the space on screen is unchanged.")
            self._show_error("Could not import the vectors", message)
        elif job_id == self._export_job:
            self._export_job = self._export_request = None
            self.cancel_file_job.hide()
            self._idle("The export failed.")
            self._show_error("Could not export the vectors", message)

    def _on_client_file_job_cancelled(self, job_id: int) -> None:
        if job_id in (self._import_job, self._export_job):
            what = "import" if job_id == self._import_job else "export"
            self._import_job = self._import_request = None
            self._export_job = self._export_request = None
            self.cancel_file_job.hide()
            self._idle(f"The {what} was cancelled; nothing was saved.")


def _save_image(image, path: Path) -> None:
    if not image.save(str(path)):
        raise OSError(f"Qt could not write a {path.suffix} image")
