"""``SpacePicker``: the toolbar's list of spaces to open in one click.

It lists the named spaces the engine knows (``api.ListSpaces``: the default space, GloVe
6B…), then the recent spaces, then "Open folder…". A named space whose package is not
installed stays in the list, greyed, with the command that installs it in its tooltip;
choosing it anyway says so in the status bar instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from app.engine_client import EngineClient
from app.state import AppState
from engine import api
from engine.paths import DEFAULT_WORD_SPACE, names_a_space

OPEN_FOLDER = "open-folder"
_ENTRY_ROLE = Qt.ItemDataRole.UserRole
_HINT_ROLE = Qt.ItemDataRole.UserRole + 1


def space_label(path: Path | str | None, names: dict[str, str]) -> str:
    """What the picker calls a space: its title for a named one, else its folder name."""
    if path is None or str(path) == "default":
        return names.get("default", "Default space")
    if str(path) in names:
        return names[str(path)]
    return Path(path).name or str(path)


def _same(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return str(a) == str(b)


class SpacePicker(QWidget):
    """A labelled combo box; choosing an entry emits ``space_chosen`` (a path or a
    space's name, ``None`` for the default) or ``open_folder_requested``."""

    space_chosen = Signal(object)
    open_folder_requested = Signal()
    status_message = Signal(str)
    entries_changed = Signal()  # the list was filled anew

    def __init__(self, state: AppState, client: EngineClient,
                 recent: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self._recent = recent or (lambda: [])  # () -> list[Path], newest first
        self.named: tuple[api.NamedSpace, ...] = ()
        self._opened: list[Path] = []  # spaces opened in this window, newest first
        self._list_job: int | None = None
        self.combo = QComboBox()
        self.combo.setObjectName("space_picker")
        self.combo.setMinimumContentsLength(28)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip("The space shown: the default space, a pretrained space such "
                              "as GloVe 6B, or one opened before")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Space:"))
        layout.addWidget(self.combo)
        self._fill()
        self.combo.activated.connect(self._on_combo_activated)
        state.space_changed.connect(self._on_state_space_changed)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)

    # ---- API -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask the engine which named spaces exist and are installed."""
        self._list_job = self.client.submit(api.ListSpaces())

    def entries(self) -> list[tuple[str, Any, bool]]:
        """(text, what it opens, enabled) for every row, for tests and scripts."""
        model = self.combo.model()
        return [(self.combo.itemText(i), self.combo.itemData(i, _ENTRY_ROLE),
                 bool(model.item(i).isEnabled())) for i in range(self.combo.count())]

    def choose(self, entry: Any) -> None:
        """Pick the row that opens ``entry`` (a name, a path, ``None`` or OPEN_FOLDER)."""
        for i in range(self.combo.count()):
            if self.combo.itemData(i, _ENTRY_ROLE) == entry:
                self.combo.setCurrentIndex(i)
                self._on_combo_activated(i)
                return
        raise ValueError(f"the space picker has no entry {entry!r}")

    # ---- filling -----------------------------------------------------------------------
    def _titles(self) -> dict[str, str]:
        return {n.name: n.title for n in self.named}

    def _fill(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        model = self.combo.model()
        named = self.named or (api.NamedSpace("default", "Default space", "", True, ""),)
        for entry in named:
            text = entry.title if entry.available else f"{entry.title} (not installed)"
            self.combo.addItem(text)
            i = self.combo.count() - 1
            self.combo.setItemData(i, None if entry.name == "default" else entry.name,
                                   _ENTRY_ROLE)
            self.combo.setItemData(i, entry.install_hint, _HINT_ROLE)
            # Left enabled when not installed: choosing it says how to install it.
            tip = entry.description if entry.available else entry.install_hint
            self.combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        names = {n.name for n in named}
        recent: list[Path] = []
        for path in [*self._opened, *self._recent()]:
            path = Path(path)
            if str(path) not in names and path != DEFAULT_WORD_SPACE and not any(
                    _same(path, seen) for seen in recent):
                recent.append(path)
        if recent:
            self.combo.insertSeparator(self.combo.count())
            for path in recent:
                self.combo.addItem(Path(path).name or str(path))
                i = self.combo.count() - 1
                self.combo.setItemData(i, Path(path), _ENTRY_ROLE)
                self.combo.setItemData(i, str(path), Qt.ItemDataRole.ToolTipRole)
                if not (Path(path).exists() or names_a_space(path)):
                    model.item(i).setEnabled(False)
                    self.combo.setItemText(i, f"{Path(path).name} (missing)")
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem("Open folder…")
        self.combo.setItemData(self.combo.count() - 1, OPEN_FOLDER, _ENTRY_ROLE)
        self._show_current()
        self.combo.blockSignals(False)
        self.entries_changed.emit()

    def _show_current(self) -> None:
        current = self.state.space_path
        want = None if current is None or str(current) == "default" else current
        for i in range(self.combo.count()):
            data = self.combo.itemData(i, _ENTRY_ROLE)
            if data == OPEN_FOLDER:
                continue
            if (data is None and want is None) or (data is not None and want is not None
                                                   and str(data) == str(want)):
                self.combo.setCurrentIndex(i)
                return

    # ---- slots -------------------------------------------------------------------------
    def _on_combo_activated(self, index: int) -> None:
        entry = self.combo.itemData(index, _ENTRY_ROLE)
        hint = self.combo.itemData(index, _HINT_ROLE)
        if entry == OPEN_FOLDER:
            self._show_current()
            self.open_folder_requested.emit()
            return
        if hint:  # a named space whose package is missing
            self.status_message.emit(f"{self.combo.itemText(index)}: {hint}")
            self._show_current()
            return
        if str(entry) == str(self.state.space_path) or (entry is None
                                                        and self.state.space_path is None):
            return
        self.space_chosen.emit(entry)

    def _on_state_space_changed(self) -> None:
        current = self.state.space_path
        if current is not None and not names_a_space(current):
            # e.g. opened from a folder, or by following training
            self._opened = [current, *(p for p in self._opened if not _same(p, current))]
        self._fill()

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._list_job:
            self._list_job = None
            # The image-label space has its own tab: the word space's picker offers words.
            self.named = tuple(n for n in result if n.kind == "words")
            self._fill()

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._list_job:
            self._list_job = None
            self.status_message.emit(f"Could not list the named spaces: {message}")
