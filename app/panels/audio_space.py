"""``AudioSpacePanel``: the audio-word space in its own 2D/3D views, with the last take.

The audio-word space (the letter model's points of every candidate word,
``engine/audio/space.py``) is laid out by sound. It has an ``AppState`` of its own and its
own engine channel, like the image-label space; the window links its selection with the
other spaces' by key. The take ranked in the Audio panel is placed among the words by
its acoustic embedding (``api.Place``: the mean of its nearest words' positions) and drawn
as a probe linked to its best words by spelling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from app.engine_client import EngineClient
from app.panels.projection import ProjectionPanel
from app.space_loader import SpaceLoader
from app.state import AppState, Probe
from app.views.switch import ScatterSwitch
from engine import api
from engine.spaces.named import AUDIO_WORDS

PROBE_LINKS = 5
PLACE_NEIGHBOURS = 5
UMAP_WORDS = (50, 5000)  # the sizes of space laid out again by UMAP once opened


class AudioSpacePanel(QWidget):
    status_message = Signal(str)
    ready = Signal(str)
    failed = Signal(str)

    def __init__(self, client: EngineClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.state = AppState(self)
        self.views = ScatterSwitch(self.state, client, what="words", compact=True)
        self.projection_panel = ProjectionPanel(self.state, client)
        self.loader = SpaceLoader(self.state, client, "words", parent=self)
        self.take = None  # the TakeRanking drawn as a probe
        self._place_job: int | None = None

        settings = QScrollArea()
        settings.setWidgetResizable(True)
        settings.setFrameShape(QFrame.Shape.NoFrame)
        settings.setWidget(self.projection_panel)
        settings.setMinimumHeight(60)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.views)
        split.addWidget(settings)
        split.setStretchFactor(0, 1)
        split.setCollapsible(0, False)
        split.setSizes([700, 140])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.views.status_message.connect(self.status_message)
        self.views.dims_requested.connect(self.projection_panel.request_dims)
        self.projection_panel.projection_ended.connect(self.views.sync)
        self.projection_panel.status_message.connect(self.status_message)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.failed.connect(self._on_loader_failed)
        self.state.projection_changed.connect(self._on_state_projection_changed)
        self.probe_client = client.on_channel(f"{client.channel}/probe")
        self.probe_client.job_finished.connect(self._on_probe_client_job_finished)
        self.probe_client.job_failed.connect(self._on_probe_client_job_failed)

    # ---- API -------------------------------------------------------------------------
    def open(self) -> None:
        """Load the audio-word space (once; again after a failure)."""
        if self.state.space is None and not self.loader.busy:
            self.loader.load(Path(AUDIO_WORDS))

    def show_take(self, ranking: Any) -> None:
        """Draw a take (engine TakeRanking, or None) among the words."""
        self.take = ranking
        self._place_take()

    def close_jobs(self) -> None:
        self.loader.forget()
        self._place_job = None

    # ---- helpers ---------------------------------------------------------------------
    def _place_take(self) -> None:
        take = self.take
        state = self.state
        # A take ranked by other models than the shipped ones has no place in this space.
        if take is None or not take.embedding or not len(state.coords) \
                or state.space is None or len(take.embedding) != state.space.dim:
            self._place_job = None
            if state.probes:
                state.set_probes([])
                state.set_highlighted([])
            return
        vector = np.asarray(take.embedding, dtype=np.float32)[None, :]
        self._place_job = self.probe_client.submit(api.Place(
            vector, state.keys, state.coords, state.space_path, PLACE_NEIGHBOURS))

    # ---- slots -----------------------------------------------------------------------
    def _on_loader_loaded(self, summary: str) -> None:
        if self.isVisible():
            self.status_message.emit(f"Audio-word space: {summary}")
        self.ready.emit(summary)
        params = self.state.projection_params
        words = len(self.state.space.keys) if self.state.space is not None else 0
        if params is not None and params.method == "pca" and UMAP_WORDS[0] <= words \
                <= UMAP_WORDS[1]:
            # PCA at once; a UMAP of the few thousand words (seconds) replaces it, as
            # sound-alike neighbourhoods are local. (Too few words have no neighbours.)
            self.projection_panel.run(api.Project(method="umap", dims=2, seed=0,
                                                  space=self.state.space_path))

    def _on_loader_failed(self, message: str) -> None:
        self.status_message.emit(f"The audio-word space could not be opened: {message}")
        self.failed.emit(message)

    def _on_state_projection_changed(self) -> None:
        self._place_take()

    def _on_probe_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._place_job:
            return
        self._place_job = None
        take = self.take
        if take is None or result.coords.shape[1] != self.state.dims:
            return
        linked = tuple(s.word for s in take.letters
                       if self.state.row_of(s.word) is not None)[:PROBE_LINKS]
        name = Path(take.source).name if take.source != "microphone" else "your take"
        self.state.set_probes([Probe(name, result.coords[0], linked)])
        self.state.set_highlighted(list(linked))

    def _on_probe_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._place_job:
            self._place_job = None
            self.status_message.emit(f"Placing the take among the words failed: {message}")
