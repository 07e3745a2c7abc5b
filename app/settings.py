"""``Settings``: what the program remembers between runs, through ``QSettings``.

The last space, the recent spaces, the window's geometry and splitter sizes, the last
projection and the label size. Values that are not plain text are stored as JSON text:
QSettings' INI and native back ends give lists and numbers back as strings or as lists
depending on the platform, while JSON round-trips the same everywhere. A value that does
not parse (an older or hand-edited file) reads as "not set", never as an error.

Tests pass ``Settings.in_file(tmp_path / "settings.ini")`` so the user's real settings
stay untouched; a window built without ``settings`` reads and writes none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from engine import api
from engine.paths import names_a_space
from engine.projection import ProjectionParams

ORGANISATION = "Embedding Explorer"
APPLICATION = "Embedding Explorer"
MAX_RECENT_SPACES = 8
LABEL_SIZE_RANGE = (5, 30)  # points, as the appearance panel's spin box allows
_METHODS = ("pca", "umap", "tsne")


class Settings:
    """Typed access to one ``QSettings`` store."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings(ORGANISATION, APPLICATION)

    @classmethod
    def in_file(cls, path: Path | str) -> Settings:
        """Settings kept in an INI file at ``path`` (tests, portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @property
    def file_name(self) -> str:
        return self.store.fileName()

    def sync(self) -> None:
        self.store.sync()

    # ---- JSON values -----------------------------------------------------------------
    def _json(self, key: str) -> Any:
        raw = self.store.value(key)
        if not isinstance(raw, str) or not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def _set_json(self, key: str, value: Any) -> None:
        self.store.setValue(key, json.dumps(value))

    # ---- spaces ----------------------------------------------------------------------
    def last_space(self) -> Path | None:
        """The space shown when the program last closed; None: the default space."""
        value = self._json("spaces/last")
        return Path(value) if isinstance(value, str) and value else None

    def set_last_space(self, path: Path | None) -> None:
        """Remember ``path`` (None: the default space) as the last and most recent space."""
        self._set_json("spaces/last", str(path) if path is not None else "")
        if path is not None:
            text = str(path) if names_a_space(path) else str(Path(path).resolve())
            recent = [p for p in self.recent_spaces() if str(p) != text]
            self._set_json("spaces/recent", [text, *map(str, recent)][:MAX_RECENT_SPACES])

    def recent_spaces(self) -> list[Path]:
        """Spaces opened before, newest first (the default space is not listed)."""
        value = self._json("spaces/recent")
        if not isinstance(value, list):
            return []
        return [Path(p) for p in value if isinstance(p, str) and p][:MAX_RECENT_SPACES]

    def clear_recent_spaces(self) -> None:
        self._set_json("spaces/recent", [])

    # ---- window ----------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        """The window's geometry and state, and the sizes of its named splitters."""
        self.store.setValue("window/geometry", window.saveGeometry())
        self.store.setValue("window/state", window.saveState())
        sizes = {s.objectName(): s.sizes() for s in window.findChildren(QSplitter)
                 if s.objectName()}
        self._set_json("window/splitters", sizes)

    def restore_window(self, window: QMainWindow) -> bool:
        """Put the window back as ``save_window`` left it; False when nothing was saved."""
        geometry = self.store.value("window/geometry")
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = window.restoreGeometry(geometry)
        state = self.store.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)
        sizes = self._json("window/splitters")
        if isinstance(sizes, dict):
            for splitter in window.findChildren(QSplitter):
                saved = sizes.get(splitter.objectName())
                # A splitter that gained or lost a pane since (a new panel) keeps its
                # default sizes rather than squeezing a pane to nothing.
                if (isinstance(saved, list) and len(saved) == splitter.count()
                        and all(isinstance(n, int) and n >= 0 for n in saved)):
                    splitter.setSizes(saved)
        return restored

    # ---- projection ------------------------------------------------------------------
    def last_projection(self, space: Path | None = None) -> api.Project | None:
        """The last projection's settings as a request for ``space``; None if unset."""
        value = self._json("projection/last")
        if not isinstance(value, dict):
            return None
        method, dims = value.get("method"), value.get("dims")
        seed, limit = value.get("seed", 0), value.get("limit")
        params = value.get("params", {})
        if (method not in _METHODS or dims not in (2, 3) or not isinstance(seed, int)
                or not (limit is None or (isinstance(limit, int) and limit > 0))
                or not isinstance(params, dict)):
            return None
        return api.Project(method=method, dims=dims, seed=seed, limit=limit,
                           params=params, space=space)

    def set_last_projection(self, params: ProjectionParams) -> None:
        extra: dict[str, Any] = {}
        if params.method == "umap":
            extra = {"n_neighbors": params.n_neighbors, "min_dist": params.min_dist}
        elif params.method == "tsne":
            extra = {"perplexity": params.perplexity}
        self._set_json("projection/last", {"method": params.method, "dims": params.dims,
                                           "seed": params.seed, "limit": params.limit,
                                           "params": extra})

    # ---- labels ----------------------------------------------------------------------
    def label_size(self) -> int | None:
        value = self._json("view/label_size")
        lo, hi = LABEL_SIZE_RANGE
        return value if isinstance(value, int) and lo <= value <= hi else None

    def set_label_size(self, points: int) -> None:
        self._set_json("view/label_size", int(points))
