"""``ComparePanel``: one query answered in two spaces, side by side.

The active space and a second one chosen here answer the same neighbours or analogy
query (``api.Compare``, one engine job for both, so neither answer cancels the other);
the words both answers share are marked and counted ("agreement": the overlap of the
top k). The panel follows the Words panel: each neighbours or analogy query answered
there is asked of both spaces here, and a word clicked in either list is selected in
the views.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.tables import ranked_list
from app.panels.words import one_line
from app.state import AppState
from engine import api

COMMON_COLOUR = QColor("#1b7a3d")
NOT_CHOSEN = "(choose a space)"


class ComparePanel(QWidget):
    """Choose a second space; see both spaces' answers to the same query."""

    status_message = Signal(str)
    compared = Signal(object)  # the api.Comparison now shown
    overlaid = Signal(object)  # the SharedLayout now shown in the views

    def __init__(self, state: AppState, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self._job: int | None = None
        self.comparison: api.Comparison | None = None
        self._last_query: Any = None  # the last query asked, to ask again on a new space
        self._layout_job: int | None = None

        self.other = QComboBox()
        self.other.setObjectName("compare_with")
        self.other.setToolTip("The second space that answers the same queries")
        self.other.addItem(NOT_CHOSEN, None)
        self.open_button = QPushButton("Folder…")
        self.open_button.setToolTip("Compare with a space saved in a folder")
        self.overlay_button = QPushButton("Align and overlay")
        self.overlay_button.setToolTip(
            "Rotate the space on screen onto the second one (orthogonal Procrustes on their "
            "shared words) and draw both on the same axes: a selected word and its "
            "neighbours get a dashed line to where they sit in the second space")
        self.query = QLineEdit()
        self.query.setPlaceholderText("A word, or A B C for A − B + C")
        self.query.setClearButtonEnabled(True)
        self.title = QLabel("Ask a word's neighbours or an analogy: both spaces answer.")
        self.title.setWordWrap(True)
        self.agreement = QLabel("")
        self.agreement.setWordWrap(True)
        self.first_label = QLabel("")
        self.second_label = QLabel("")
        for label in (self.first_label, self.second_label):
            label.setWordWrap(True)
        self.first = ranked_list(alternating=False)
        self.second = ranked_list(alternating=False)

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare with"))
        row.addWidget(self.other, 1)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        layout.addWidget(self.overlay_button)
        layout.addWidget(self.query)
        layout.addWidget(self.title)
        layout.addWidget(self.agreement)
        grid = QGridLayout()
        grid.addWidget(self.first_label, 0, 0)
        grid.addWidget(self.second_label, 0, 1)
        grid.addWidget(self.first, 1, 0)
        grid.addWidget(self.second, 1, 1)
        grid.setRowStretch(1, 1)
        layout.addLayout(grid, 1)

        self.other.activated.connect(self._on_other_activated)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.overlay_button.clicked.connect(self._on_overlay_button_clicked)
        self.query.returnPressed.connect(self._on_query_return_pressed)
        self.first.itemClicked.connect(self._on_list_item_clicked)
        self.second.itemClicked.connect(self._on_list_item_clicked)
        state.space_changed.connect(self._on_state_space_changed)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    # ---- API -------------------------------------------------------------------------
    @property
    def other_space(self) -> Path | None:
        return self.other.currentData()

    def set_choices(self, choices: list[tuple[str, Any]]) -> None:
        """(label, path or name) of the spaces offered; the current choice stays."""
        current = self.other_space
        self.other.blockSignals(True)
        self.other.clear()
        self.other.addItem(NOT_CHOSEN, None)
        for label, entry in choices:
            if entry is None:
                entry = Path("default")  # the default space, by its name
            self.other.addItem(label, Path(entry))
        if current is not None:
            self._select_other(current, str(current))
        self.other.blockSignals(False)

    def compare_with(self, space: Path | str | None) -> None:
        """Make ``space`` the second space and ask the last query again."""
        path = Path(space) if space is not None else None
        if path is not None:
            self._select_other(path, path.name or str(path))
        else:
            self.other.setCurrentIndex(0)
        if self._last_query is not None:
            self.ask(self._last_query)

    def ask(self, query: Any) -> None:
        """Answer ``query`` (``api.Neighbours`` or ``api.Analogy`` of the active space) in
        both spaces."""
        self._last_query = query
        self.title.setText(self._describe(query))
        if self.other_space is None:
            self.agreement.setText("Choose a second space above to compare.")
            return
        self.agreement.setText("Asking both spaces…")
        self._job = self.client.submit(api.Compare(query, self.other_space))

    def overlay(self) -> None:
        """Align the active space to the second one and show both in one layout."""
        if self.other_space is None:
            self.agreement.setText("Choose a second space above to align with.")
            return
        self.agreement.setText(f"Aligning with {self.other.currentText()}…")
        self.overlay_button.setEnabled(False)
        self._layout_job = self.client.submit(api.AlignedLayout(
            self.state.space_path, self.other_space, dims=2))

    def follow(self, query: Any) -> None:
        """A query the Words panel answered: compare it too, if a second space is set."""
        if self.other_space is not None:
            self.ask(query)
        else:
            self._last_query = query

    # ---- helpers -----------------------------------------------------------------------
    def _select_other(self, path: Path, label: str) -> None:
        for i in range(self.other.count()):
            data = self.other.itemData(i)
            if data is not None and str(data) == str(path):
                self.other.setCurrentIndex(i)
                return
        self.other.addItem(label, path)
        self.other.setCurrentIndex(self.other.count() - 1)

    @staticmethod
    def _describe(query: Any) -> str:
        if isinstance(query, api.Analogy):
            return f"{query.a} − {query.b} + {query.c} ({query.method})"
        return f"Nearest to “{query.word}” (k = {query.k}, {query.metric})"

    def _show(self, result: api.Comparison) -> None:
        self.comparison = result
        common = result.common
        names = (self._space_name(self.state.space_path), self._short_name())
        for tree, label, name, answer, error in (
                (self.first, self.first_label, names[0], result.first, result.first_error),
                (self.second, self.second_label, names[1], result.second,
                 result.second_error)):
            label.setText(f"<b>{name}</b>")
            tree.clear()
            if answer is None:
                tree.addTopLevelItem(QTreeWidgetItem([one_line(error), ""]))
                continue
            rows = []
            for scored in answer.items:
                row = QTreeWidgetItem([scored.word, f"{scored.score:.3f}"])
                row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight
                                     | Qt.AlignmentFlag.AlignVCenter)
                if scored.word in common:
                    font = QFont(row.font(0))
                    font.setBold(True)
                    row.setFont(0, font)
                    row.setForeground(0, QBrush(COMMON_COLOUR))
                rows.append(row)
            tree.addTopLevelItems(rows)
        if result.agreement is None:
            self.agreement.setText("Only one space could answer.")
        else:
            k = max(len(result.first.items), len(result.second.items))
            self.agreement.setText(
                f"Agreement: <b>{len(common)} of {k}</b> ({result.agreement:.0%}) in both "
                "(in bold).")
        self.compared.emit(result)

    @staticmethod
    def _space_name(path: Path | None) -> str:
        if path is None or str(path) == "default":
            return "Default space"
        return Path(path).name or str(path)

    # ---- slots -------------------------------------------------------------------------
    def _on_other_activated(self, _index: int) -> None:
        if self._last_query is not None:
            self.ask(self._last_query)

    def _on_overlay_button_clicked(self) -> None:
        self.overlay()

    def _short_name(self) -> str:
        # "GloVe 6B (50d, Wikipedia + Gigaword)" -> "GloVe 6B": labels in the plot
        return self.other.currentText().split(" (")[0]

    def _show_layout(self, layout: Any) -> None:
        name = self._short_name()
        self.state.set_projection(layout.keys, layout.coords, None,
                                  made_by=f"aligned with {name}, on its PCA axes")
        self.state.set_counterparts(layout.other_keys, layout.other_coords, name)
        summary = layout.alignment.summary()
        self.agreement.setText(
            f"Aligned onto <b>{name}</b> ({summary['shared_words']:,} shared words): "
            f"held-out precision@1 {summary['precision_at_1']:.2f}, @5 "
            f"{summary['precision_at_5']:.2f}. Both are drawn on {name}'s first two "
            "principal axes; select a word: a dashed line goes to where it sits there.")
        self.status_message.emit(f"Aligned with {name}: precision@1 "
                                 f"{summary['precision_at_1']:.2f} on held-out words.")
        self.overlaid.emit(layout)

    def _on_open_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Compare with a space folder")
        if folder:
            self.compare_with(folder)

    def _on_query_return_pressed(self) -> None:
        words = self.query.text().split()
        if len(words) == 1:
            self.ask(api.Neighbours(words[0], 10, space=self.state.space_path))
        elif len(words) == 3:
            self.ask(api.Analogy(*words, k=10, space=self.state.space_path))
        else:
            self.status_message.emit("Type one word for its neighbours, or three (A B C) "
                                     "for A − B + C.")

    def _on_list_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        word = self.state.resolve(item.text(0))
        if word is not None:
            self.state.select(word)
        else:
            self.status_message.emit(f"“{item.text(0)}” is not in the space on screen.")

    def _on_state_space_changed(self) -> None:
        self.first.clear()
        self.second.clear()
        self._last_query = None
        self.comparison = None
        self.agreement.setText("")

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._job:
            self._job = None
            self._show(result)
        elif job_id == self._layout_job:
            self._layout_job = None
            self.overlay_button.setEnabled(True)
            self._show_layout(result)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._layout_job:
            self._layout_job = None
            self.overlay_button.setEnabled(True)
            self.agreement.setText(one_line(message))
            self.status_message.emit(f"Aligning failed: {one_line(message)}")
        elif job_id == self._job:
            self._job = None
            self.agreement.setText(one_line(message))
            self.status_message.emit(f"Comparison failed: {one_line(message)}")

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._job:
            self._job = None
        elif job_id == self._layout_job:
            self._layout_job = None
            self.overlay_button.setEnabled(True)
