"""``ProjectionPanel``: choose and run a layout (PCA, UMAP, t-SNE; 2-D or 3-D), cancel it,
load one from a CSV file or export the one shown.

Projections run in the engine (``api.Project``) through ``EngineClient``; the panel keeps
the id of the one job it still wants. Results it has seen are kept in memory per request,
so flipping between 2D and 3D of the same layout is instant (the engine also caches them
on disk, which survives a restart).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.words import one_line
from app.state import AppState
from engine import api
from engine.errors import EngineError
from engine.projection import Projection, ProjectionParams

METHODS = (("PCA", "pca"), ("UMAP", "umap"), ("t-SNE", "tsne"))
# UMAP and t-SNE of the whole default vocabulary take minutes on two cores (see
# ProjectionParams); the most frequent 20k words keep them near interactive.
SLOW_METHOD_LIMIT = 20_000
# Above this many words "place the rest" starts checked: UMAP or t-SNE of GloVe's 400k
# would take many minutes on two cores, and showing only 20k of them hides most words.
PLACE_REST_FROM = 100_000
_MAX_LIMIT = 10_000_000


def _cache_key(request: api.Project) -> tuple:
    return (request.method, request.dims, request.seed, request.limit,
            tuple(sorted(request.params.items())), request.space)


class ProjectionPanel(QWidget):
    """Projection settings, Project/Cancel with a progress bar, and coordinate files."""

    status_message = Signal(str)
    projection_shown = Signal()  # the state now shows the layout this panel asked for
    projection_ended = Signal()  # a request ended without a new layout (failed, cancelled)

    def __init__(self, state: AppState, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self.job_id: int | None = None
        self._request: api.Project | None = None
        self._loaded: dict[tuple, Projection] = {}

        self.method = QComboBox()
        for label, name in METHODS:
            self.method.addItem(label, name)
        self.dims = QComboBox()
        self.dims.addItem("2-D", 2)
        self.dims.addItem("3-D", 3)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("UMAP and t-SNE start from this seed; PCA ignores it.")
        self.limit = QSpinBox()
        self.limit.setRange(0, _MAX_LIMIT)
        self.limit.setSingleStep(1000)
        self.limit.setSpecialValueText("all words")
        self.limit.setToolTip("Project only the N most frequent words; the rest are hidden.")
        self.place_rest = QCheckBox("Place the other words")
        self.place_rest.setToolTip(
            "UMAP and t-SNE: fit on the most frequent words (the limit above), then put "
            "every other word where its nearest fitted words lie, without optimising it. "
            "Unchecked, the other words are not shown.")
        self.n_neighbors = QSpinBox()
        self.n_neighbors.setRange(2, 500)
        self.n_neighbors.setValue(15)
        self.min_dist = QDoubleSpinBox()
        self.min_dist.setRange(0.0, 1.0)
        self.min_dist.setSingleStep(0.05)
        self.min_dist.setValue(0.1)
        self.perplexity = QDoubleSpinBox()
        self.perplexity.setRange(1.0, 1000.0)
        self.perplexity.setValue(30.0)

        self.project_button = QPushButton("Project")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.progress_label.setStyleSheet("color: gray")
        self.load_button = QPushButton("Load coordinates…")
        self.export_button = QPushButton("Export coordinates…")
        self._lay_out()

        self.method.currentIndexChanged.connect(self._on_method_current_index_changed)
        self.project_button.clicked.connect(self._on_project_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        state.space_changed.connect(self._on_state_space_changed)
        state.projection_changed.connect(self._on_state_projection_changed)
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)
        self._on_method_current_index_changed()
        self.setEnabled(False)

    def _lay_out(self) -> None:
        box = QGroupBox("Projection")
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Axes", self.dims)
        form.addRow("Seed", self.seed)
        form.addRow("Limit", self.limit)
        form.addRow("", self.place_rest)
        # Method-specific settings: one page per method, only the current one shown.
        self.method_options = QStackedWidget()
        pca = QLabel("PCA: no settings.")
        pca.setStyleSheet("color: gray")
        umap = QWidget()
        umap_form = QFormLayout(umap)
        umap_form.setContentsMargins(0, 0, 0, 0)
        umap_form.addRow("n_neighbors", self.n_neighbors)
        umap_form.addRow("min_dist", self.min_dist)
        tsne = QWidget()
        tsne_form = QFormLayout(tsne)
        tsne_form.setContentsMargins(0, 0, 0, 0)
        tsne_form.addRow("perplexity", self.perplexity)
        for page in (pca, umap, tsne):
            self.method_options.addWidget(page)

        buttons = QHBoxLayout()
        buttons.addWidget(self.project_button, 1)
        buttons.addWidget(self.cancel_button)
        files = QHBoxLayout()
        files.addWidget(self.load_button)
        files.addWidget(self.export_button)

        inner = QVBoxLayout(box)
        inner.addLayout(form)
        inner.addWidget(self.method_options)
        inner.addLayout(buttons)
        inner.addWidget(self.progress)
        inner.addWidget(self.progress_label)
        inner.addLayout(files)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)

    # ---- API -------------------------------------------------------------------------
    def request(self, dims: int | None = None) -> api.Project:
        """The request the controls describe (with ``dims`` axes, if given)."""
        method = self.method.currentData()
        params: dict[str, Any] = {}
        if method == "umap":
            params = {"n_neighbors": self.n_neighbors.value(),
                      "min_dist": round(self.min_dist.value(), 4)}
        elif method == "tsne":
            params = {"perplexity": self.perplexity.value()}
        limit = self.limit.value() or None
        if method != "pca" and limit is not None and self.place_rest.isChecked():
            params["fit_limit"] = limit
            limit = None
        return api.Project(method=method, dims=dims or self.dims.currentData(),
                           seed=self.seed.value(), limit=limit,
                           params=params, space=self.state.space_path)

    def run(self, request: api.Project | None = None) -> None:
        """Project with ``request`` (default: the controls); a layout seen before this
        session is shown at once, anything else goes to the engine."""
        if self.state.space is None:
            return
        request = request or self.request()
        known = self._loaded.get(_cache_key(request))
        if known is not None:
            self._drop()
            self._show(known)
            return
        if self.job_id is not None:
            self.client.cancel(self.job_id)  # the engine would cancel it too; say so now
        self._request = request
        self.job_id = self.client.submit(request)
        name = self.method.itemText(self.method.findData(request.method))
        self._busy(f"{name} {request.dims}-D: queued")

    def request_dims(self, dims: int) -> None:
        """The shown layout again with ``dims`` axes (the controls' one for a file's)."""
        params = self.state.projection_params
        if params is None:
            request = self.request(dims)
        else:
            request = self._request_for(params, dims)
        self.run(request)

    def cancel(self) -> None:
        """Cancel the running projection; ``job_cancelled`` follows from the engine."""
        if self.job_id is not None:
            self.client.cancel(self.job_id)
            self.progress_label.setText("Cancelling…")

    def load_coordinates(self, path: Path | str) -> bool:
        """Show the coordinates in a ``word,x,y[,z]`` CSV; False (and a status message)
        when the file cannot be used. A small file read: done here, not in the engine,
        which has no request for it."""
        from engine.storage import load_coordinates_csv

        path = Path(path)
        if self.state.space is None:
            self.status_message.emit("Load a space before its coordinates.")
            return False
        try:
            keys, coords = load_coordinates_csv(path, self.state.space)
        except EngineError as e:
            self.status_message.emit(one_line(str(e)))
            return False
        except OSError as e:
            self.status_message.emit(f"Could not read {path}: {e.strerror or e}.")
            return False
        self._drop()
        self.state.set_projection(keys, coords, None)
        self.status_message.emit(f"{len(keys):,} words placed from {path.name}.")
        self.projection_shown.emit()
        return True

    def export_coordinates(self, path: Path | str) -> bool:
        """Write the shown layout as ``word,x,y[,z]``; False (and a message) on failure."""
        from engine.storage import export_coordinates_csv

        path = Path(path)
        if not len(self.state.keys):
            self.status_message.emit("There are no coordinates to export yet.")
            return False
        try:
            export_coordinates_csv(self.state.keys, self.state.coords, path)
        except EngineError as e:
            self.status_message.emit(one_line(str(e)))
            return False
        except OSError as e:
            self.status_message.emit(f"Could not write {path}: {e.strerror or e}.")
            return False
        self.status_message.emit(f"{len(self.state.keys):,} coordinates written to {path}.")
        return True

    # ---- helpers ---------------------------------------------------------------------
    def _request_for(self, params: ProjectionParams, dims: int) -> api.Project:
        extra: dict[str, Any] = {}
        if params.method == "umap":
            extra = {"n_neighbors": params.n_neighbors, "min_dist": params.min_dist}
        elif params.method == "tsne":
            extra = {"perplexity": params.perplexity}
        if params.fit_limit is not None:
            extra["fit_limit"] = params.fit_limit
        return api.Project(method=params.method, dims=dims, seed=params.seed,
                           limit=params.limit, params=extra, space=self.state.space_path)

    def _drop(self) -> None:
        """Cancel the running projection and stop waiting for it: something else is
        about to take its place."""
        if self.job_id is not None:
            self.client.cancel(self.job_id)
        self._idle()

    def _show(self, projection: Projection) -> None:
        self.state.set_projection(projection.keys, projection.coords, projection.params)
        self.projection_shown.emit()

    def _busy(self, message: str, fraction: float | None = None) -> None:
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(1000 * fraction))
        self.progress.show()
        self.progress_label.setText(message)
        self.cancel_button.setEnabled(True)

    def _idle(self, message: str = "") -> None:
        self.job_id = None
        self._request = None
        self.progress.hide()
        self.progress_label.setText(message)
        self.cancel_button.setEnabled(False)

    # ---- slots -----------------------------------------------------------------------
    def _on_method_current_index_changed(self, *_: Any) -> None:
        method = self.method.currentData()
        self.method_options.setCurrentIndex(self.method.currentIndex())
        self.seed.setEnabled(method != "pca")
        self.limit.setValue(0 if method == "pca" else SLOW_METHOD_LIMIT)
        self._update_place_rest()

    def _update_place_rest(self) -> None:
        slow = self.method.currentData() != "pca"
        self.place_rest.setVisible(slow)
        space = self.state.space
        self.place_rest.setChecked(slow and space is not None
                                   and len(space) > PLACE_REST_FROM)

    def _on_project_button_clicked(self) -> None:
        self.run()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel()

    def _on_load_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load coordinates", "",
                                              "CSV files (*.csv);;All files (*)")
        if path:
            self.load_coordinates(path)

    def _on_export_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export coordinates", "coordinates.csv",
                                              "CSV files (*.csv)")
        if path:
            self.export_coordinates(path)

    def _on_state_space_changed(self) -> None:
        self._drop()
        self._loaded.clear()
        self.setEnabled(self.state.space is not None)
        self._update_place_rest()

    def _on_state_projection_changed(self) -> None:
        # Results computed elsewhere (the window's first PCA) are worth keeping too, and
        # the controls show the settings of the layout on screen.
        params = self.state.projection_params
        if params is None:
            return
        self.method.blockSignals(True)
        self.method.setCurrentIndex(self.method.findData(params.method))
        self.method.blockSignals(False)
        self.method_options.setCurrentIndex(self.method.currentIndex())
        self.seed.setEnabled(params.method != "pca")
        self.dims.setCurrentIndex(self.dims.findData(params.dims))
        self.seed.setValue(params.seed)
        self.limit.setValue(params.fit_limit or params.limit or 0)
        self.place_rest.setVisible(params.method != "pca")
        self.place_rest.setChecked(params.fit_limit is not None)
        if params.method == "umap":
            self.n_neighbors.setValue(params.n_neighbors)
            self.min_dist.setValue(params.min_dist)
        elif params.method == "tsne":
            self.perplexity.setValue(params.perplexity)

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id == self.job_id:
            self._busy(progress.message, progress.fraction)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if isinstance(result, Projection) and result.params is not None:
            request = self._request_for(result.params, result.params.dims)
            if job_id == self.job_id:
                request = self._request or request
            self._loaded[_cache_key(request)] = result
        if job_id != self.job_id:
            return
        self._idle(f"{len(result.keys):,} words in {result.elapsed:.1f} s"
                   + (" (from the cache)" if result.cached else ""))
        self._show(result)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self.job_id:
            self._idle()
            self.status_message.emit(one_line(message))
            self.projection_ended.emit()

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self.job_id:
            self._idle("Cancelled.")
            self.status_message.emit("The projection was cancelled.")
            self.projection_ended.emit()
