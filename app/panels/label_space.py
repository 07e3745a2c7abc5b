"""``LabelSpacePanel``: the image-label space in its own 2D/3D views, with its pictures.

The image-label space (WSABIE's label vectors, ``engine/images/label_space.py``) has an
``AppState`` of its own, so its layout, colours and selection tools are its own; the
window links its selection with the word space's by key (``app/selection_link.py``).
Requests go on the space's own engine channel, so its loads and projections never cancel
the word space's.

On each new layout the engine places the shipped atlas's pictures among the labels
(``api.Place``: the weighted mean of their nearest labels' positions), and the 2-D view
draws them as thumbnails once zoomed in. The picture shown in the Images panel is placed
the same way and drawn as a probe linked to its top WSABIE labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from app.engine_client import EngineClient
from app.panels.projection import ProjectionPanel
from app.space_loader import SpaceLoader
from app.state import AppState, PictureLayer, Probe
from app.views.switch import ScatterSwitch
from engine import api
from engine.spaces.named import IMAGE_LABELS

PROBE_LINKS = 5  # a dropped picture is linked to its top WSABIE labels
PLACE_NEIGHBOURS = 5
PROBE_THUMBNAIL = 48


def thumbnail_of(path: Path, size: int = PROBE_THUMBNAIL) -> np.ndarray | None:
    """The picture at ``path``, at most ``size`` pixels a side, as RGB; None if Qt
    cannot read it (the engine said why already)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid():
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    if image.hasAlphaChannel():  # transparent parts on white, as the thumbnails are drawn
        flat = QImage(image.size(), QImage.Format.Format_RGB888)
        flat.fill(Qt.GlobalColor.white)
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                              image.bytesPerLine())
    return rows[:, :3 * image.width()].reshape(image.height(), image.width(), 3).copy()


class LabelSpacePanel(QWidget):
    status_message = Signal(str)
    ready = Signal(str)  # the space is shown: a one-line summary
    failed = Signal(str)  # it could not be opened: why

    def __init__(self, client: EngineClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.state = AppState(self)
        self.views = ScatterSwitch(self.state, client, what="labels", compact=True)
        self.projection_panel = ProjectionPanel(self.state, client)
        self.loader = SpaceLoader(self.state, client, "labels", parent=self)
        self.atlas = None  # engine.images.atlas.Atlas, once loaded
        self.picture = None  # the PictureLabels shown as a probe
        self._atlas_job: int | None = None
        self._place_pictures_job: int | None = None
        self._place_probe_job: int | None = None
        self._atlas_error = ""

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("label_space_splitter")
        # The projection settings scroll, so the splitter may give them little height:
        # the space and its pictures get the most.
        settings = QScrollArea()
        settings.setObjectName("label_space_projection")
        settings.setWidgetResizable(True)
        settings.setFrameShape(QFrame.Shape.NoFrame)
        settings.setWidget(self.projection_panel)
        settings.setMinimumHeight(60)
        split.addWidget(self.views)
        split.addWidget(settings)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setCollapsible(0, False)
        split.setSizes([760, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.views.status_message.connect(self.status_message)
        self.views.dims_requested.connect(self.projection_panel.request_dims)
        self.projection_panel.projection_ended.connect(self.views.sync)
        self.projection_panel.status_message.connect(self.status_message)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.failed.connect(self._on_loader_failed)
        self.loader.progress.connect(self._on_loader_progress)
        self.state.projection_changed.connect(self._on_state_projection_changed)
        # The probe is placed on a channel of its own: a newer Place of the pictures must
        # not cancel it, nor it them.
        self.probe_client = client.on_channel(f"{client.channel}/probe")
        for c in (client, self.probe_client):
            c.job_finished.connect(self._on_client_job_finished)
            c.job_failed.connect(self._on_client_job_failed)

    # ---- API -------------------------------------------------------------------------
    def open(self) -> None:
        """Load the image-label space (once; again after a failure)."""
        if self.state.space is None and not self.loader.busy:
            self.loader.load(Path(IMAGE_LABELS))

    def show_picture(self, picture: Any) -> None:
        """Draw ``picture`` (engine PictureLabels with an embedding, or None) among the
        labels, linked to its top WSABIE labels."""
        self.picture = picture
        self._place_probe()

    def close_jobs(self) -> None:
        self.loader.forget()
        self._atlas_job = self._place_pictures_job = self._place_probe_job = None

    # ---- helpers ---------------------------------------------------------------------
    def _place(self, vectors: np.ndarray, client: EngineClient) -> int:
        state = self.state
        return client.submit(api.Place(np.asarray(vectors, dtype=np.float32),
                                            state.keys, state.coords, state.space_path,
                                            PLACE_NEIGHBOURS))

    def _place_pictures(self) -> None:
        if not len(self.state.coords):
            return
        if self.atlas is None:
            if self._atlas_job is None and not self._atlas_error:
                self._atlas_job = self.client.submit(api.LoadAtlas())
            return
        self._place_pictures_job = self._place(self.atlas.vectors, self.client)

    def _place_probe(self) -> None:
        picture = self.picture
        if picture is None or getattr(picture, "embedding", None) is None \
                or not len(self.state.coords):
            self._place_probe_job = None
            if self.state.probes:
                self.state.set_probes([])
                self.state.set_highlighted([])
            return
        self._place_probe_job = self._place(picture.embedding[None, :], self.probe_client)

    # ---- slots -----------------------------------------------------------------------
    def _on_loader_loaded(self, summary: str) -> None:
        # It loads in the background at start: the status bar is the word space's then.
        if self.isVisible():
            self.status_message.emit(f"Image-label space: {summary}")
        self.ready.emit(summary)
        params = self.state.projection_params
        if params is not None and params.method == "pca" and len(self.state.keys) <= 5000:
            # No stored UMAP yet: PCA is shown at once, and a UMAP of the few labels
            # (seconds; stored for next time) replaces it, because PCA's two axes put
            # unrelated labels together and the pictures among them.
            self.projection_panel.run(api.Project(method="umap", dims=2, seed=0,
                                                  space=self.state.space_path))

    def _on_loader_failed(self, message: str) -> None:
        self.status_message.emit(f"The image-label space could not be opened: {message}")
        self.failed.emit(message)

    def _on_loader_progress(self, message: str, _fraction: float) -> None:
        if self.isVisible():
            self.status_message.emit(message)

    def _on_state_projection_changed(self) -> None:
        # A new layout cleared the pictures and the probe: place them in it.
        self._place_pictures()
        self._place_probe()

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._atlas_job:
            self._atlas_job = None
            self.atlas = result
            self._place_pictures()
        elif job_id == self._place_pictures_job:
            self._place_pictures_job = None
            atlas = self.atlas
            if len(result.coords) and result.coords.shape[1] == self.state.dims:
                self.state.set_pictures(PictureLayer(
                    result.coords, tuple(p["name"] for p in atlas.pictures),
                    tuple(p["label"] for p in atlas.pictures), atlas.tile_of))
        elif job_id == self._place_probe_job:
            self._place_probe_job = None
            picture = self.picture
            if picture is None or result.coords.shape[1] != self.state.dims:
                return
            wsabie = picture.by_model.get("wsabie", ())
            linked = tuple(label.label for label in wsabie
                           if self.state.row_of(label.label) is not None)[:PROBE_LINKS]
            self.state.set_probes([Probe(Path(picture.path).name, result.coords[0], linked,
                                         thumbnail_of(Path(picture.path)))])
            self.state.set_highlighted(list(linked))  # marked and named, even zoomed in

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._atlas_job:
            self._atlas_job = None
            self._atlas_error = message  # said once; the labels are still shown
            self.status_message.emit(f"The pictures cannot be shown among the labels: "
                                     f"{message}")
        elif job_id in (self._place_pictures_job, self._place_probe_job):
            if job_id == self._place_pictures_job:
                self._place_pictures_job = None
            else:
                self._place_probe_job = None
            self.status_message.emit(f"Placing pictures among the labels failed: {message}")
