"""``SharedSelection``: one selection across the spaces on screen, linked by key.

Each space keeps its own ``AppState`` (layout, colours, selection tools). Selecting a key
in one selects the same key in every other space that has it ("dolphin" the label and
"dolphin" the word); a space that lacks it says so in a status message instead of
silently keeping an old selection, which is cleared. Keys are matched as each state
resolves them (exact, else lower-cased).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.state import AppState


class SharedSelection(QObject):
    status_message = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spaces: dict[str, AppState] = {}  # what to call the space -> its state
        self._following = False  # set while this object selects, so it does not echo

    def add(self, title: str, state: AppState) -> None:
        """Link ``state``'s selection with the others'; ``title`` names it in messages
        ("the word space")."""
        self.spaces[title] = state
        state.selection_changed.connect(
            lambda key, source=state: self._on_state_selection_changed(source, key))

    def select(self, key: str, centre: bool = True) -> list[str]:
        """Select ``key`` wherever it is; the titles of the spaces that have it (the
        others say so). Nothing is selected anywhere when none has it."""
        found = [title for title, state in self.spaces.items() if state.resolve(key)]
        if not found:
            self.status_message.emit(f"“{key}” is in none of the spaces on screen "
                                     f"({', '.join(self.spaces)}).")
            return []
        first = self.spaces[found[0]]
        first.select(first.resolve(key), centre=centre)  # the others follow
        if centre:
            for title in found[1:]:
                state = self.spaces[title]
                state.centre_requested.emit(state.resolve(key))
        return found

    def _on_state_selection_changed(self, source: AppState, key: str) -> None:
        if self._following:
            return
        self._following = True
        try:
            missing = []
            for title, state in self.spaces.items():
                if state is source:
                    continue
                if not key:
                    state.select(None)
                    continue
                if state.space is None:
                    missing.append(f"{title} is not open")
                    continue
                match = state.resolve(key)
                if match is None:
                    missing.append(f"not in {title}")
                state.select(match)  # None clears a selection that would now mislead
            if key and missing:
                self.status_message.emit(f"“{key}”: " + "; ".join(missing) + ".")
        finally:
            self._following = False
