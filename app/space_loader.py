"""``SpaceLoader``: opens one space into one ``AppState`` through the engine.

Every space on screen (the word space, the image-label space) is opened the same way:
load it (``api.LoadSpace``), make it the state's space, then show its first layout
(``api.Project``): the one asked for, else a stored UMAP, else PCA, which is fast for any
size. A stored-only request that finds no stored layout is not an error: PCA follows.
The loader only says what happened (signals); the window decides what to show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.engine_client import EngineClient
from app.state import AppState
from engine import api

METHOD_NAMES = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}


def stored_umap(path: Path | None) -> api.Project:
    """A stored UMAP layout of ``path`` (shipped with it, or in the cache), else PCA."""
    return api.Project(method="umap", dims=2, seed=0, space=path, cached_only=True)


class SpaceLoader(QObject):
    """Load ``path`` into ``state`` and project it; one load at a time.

    ``first_projection(path)`` says which layout to ask for first (default: a stored
    UMAP). ``what`` names the points in messages ("words", "labels").
    """

    progress = Signal(str, float)  # message, fraction (-1: not known)
    loaded = Signal(str)  # a one-line summary: how many points, dims, which layout
    failed = Signal(str)  # the engine's message; the state keeps what it showed
    cancelled = Signal()

    def __init__(self, state: AppState, client: EngineClient, what: str = "words",
                 first_projection: Callable[[Path | None], api.Project] = stored_umap,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self.what = what
        self.first_projection = first_projection
        self.path: Path | None = None
        self._load_job: int | None = None
        self._project_job: int | None = None
        self._project_request: api.Project | None = None
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    @property
    def busy(self) -> bool:
        return self._load_job is not None or self._project_job is not None

    def load(self, path: Path | None) -> None:
        """Open ``path`` (None: the default space); a load under way is forgotten."""
        self.path = path
        self._project_job = None
        self._load_job = self.client.submit(api.LoadSpace(path))

    def forget(self) -> None:
        """Ignore whatever is under way (the window is closing)."""
        self._load_job = self._project_job = None

    # ---- slots -----------------------------------------------------------------------
    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id in (self._load_job, self._project_job):
            fraction = progress.fraction if progress.fraction is not None else -1.0
            self.progress.emit(progress.message, fraction)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._load_job:
            self._load_job = None
            self.state.set_space(result.space, self.path)
            request = self.first_projection(self.path)
            self.progress.emit(f"Projecting {len(result.space):,} {self.what} with "
                               f"{METHOD_NAMES.get(request.method, request.method)} "
                               f"{request.dims}-D…", -1.0)
            self._project(request)
        elif job_id == self._project_job:
            self._project_job = None
            self.state.set_projection(result.keys, result.coords, result.params)
            space = self.state.space
            method = (METHOD_NAMES.get(result.params.method, result.params.method)
                      if result.params else "layout")
            self.loaded.emit(f"{len(result.keys):,} {self.what}, "
                             f"{space.dim if space else '?'} dimensions, {method} in "
                             f"{result.elapsed:.2f} s")

    def _project(self, request: api.Project) -> None:
        self._project_request = request
        self._project_job = self.client.submit(request)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        request = self._project_request
        if job_id == self._project_job and request is not None and request.cached_only:
            # No stored layout of that kind: compute PCA instead (not an error).
            self._project(api.Project(method="pca", dims=2, seed=0, space=self.path))
            return
        if job_id in (self._load_job, self._project_job):
            self._load_job = self._project_job = None
            if self.state.space is not None:
                # Opening another space failed: the one on screen stays the active one.
                self.path = self.state.space_path
            self.failed.emit(message)

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id in (self._load_job, self._project_job):
            self._load_job = self._project_job = None
            self.cancelled.emit()
