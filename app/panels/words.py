"""``WordsPanel``: find a word, list its nearest neighbours, complete an analogy.

Every answer comes from the engine through ``EngineClient``; the panel keeps the id of
the one job whose answer it still wants and ignores the rest (a newer neighbours query
already cancels the stale one inside the engine).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.tables import ranked_list
from app.state import AppState
from engine import api

# QCompleter filters its whole model on each keystroke; the most frequent words are the
# ones worth completing, and 60k strings made typing lag on two cores.
COMPLETION_LIMIT = 30_000


def one_line(message: str) -> str:
    """An engine message (what went wrong, newline, what to do) for the status bar."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


class WordsPanel(QWidget):
    """Search, neighbours and analogy for the active word space."""

    status_message = Signal(str)
    neighbours_shown = Signal(str)  # the word whose neighbours the list now shows
    search_failed = Signal(str)  # a search or neighbours query failed: the message
    analogy_shown = Signal()
    analogy_failed = Signal(str)  # an analogy query failed: the message
    query_answered = Signal(object)  # the api.Neighbours / api.Analogy just answered

    def __init__(self, state: AppState, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self._neighbours_job: int | None = None
        self._search_job: int | None = None
        self._analogy_job: int | None = None
        # The neighbours list on screen, unrounded (File ▸ Export neighbours writes it).
        self.neighbours_answer: api.NeighboursAnswer | None = None
        self._analogy_terms: tuple[str, str, str] | None = None  # the keys of A, B, C shown

        # search
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a word…")
        self.search.setClearButtonEnabled(True)
        self._vocabulary = QStringListModel(self)
        self.completer = QCompleter(self._vocabulary, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setModelSorting(QCompleter.ModelSorting.UnsortedModel)
        self.completer.setMaxVisibleItems(12)
        self.search.setCompleter(self.completer)

        # neighbours
        self.k = QSpinBox()
        self.k.setRange(1, 100)
        self.k.setValue(10)
        self.metric = QComboBox()
        self.metric.addItems(["cosine", "euclidean"])
        self.neighbours_title = QLabel("Select a word to see its neighbours.")
        self.neighbours = ranked_list()

        # analogy
        self.analogy_a = QLineEdit()
        self.analogy_b = QLineEdit()
        self.analogy_c = QLineEdit()
        for edit, hint in ((self.analogy_a, "rome"), (self.analogy_b, "italy"),
                           (self.analogy_c, "germany")):
            edit.setPlaceholderText(hint)
            edit.setCompleter(self.completer)
        self.analogy_method = QComboBox()
        self.analogy_method.addItems(["add", "mul"])
        self.analogy_method.setToolTip("add: 3CosAdd (Mikolov et al. 2013)\n"
                                       "mul: 3CosMul (Levy & Goldberg 2014)")
        self.analogy_go = QPushButton("Go")
        self.analogy_results = ranked_list()

        self._lay_out()
        self.setEnabled(False)

        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.completer.activated.connect(self._on_completer_activated)
        self.k.valueChanged.connect(self._on_options_changed)
        self.metric.currentIndexChanged.connect(self._on_options_changed)
        self.neighbours.itemClicked.connect(self._on_result_item_clicked)
        self.analogy_results.itemClicked.connect(self._on_analogy_results_item_clicked)
        self.analogy_go.clicked.connect(self._on_analogy_go_clicked)
        for edit in (self.analogy_a, self.analogy_b, self.analogy_c):
            edit.returnPressed.connect(self._on_analogy_go_clicked)
        state.space_changed.connect(self._on_state_space_changed)
        state.selection_changed.connect(self._on_state_selection_changed)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)

        box = QGroupBox("Nearest neighbours")
        form = QVBoxLayout(box)
        options = QHBoxLayout()
        options.addWidget(QLabel("k"))
        options.addWidget(self.k)
        options.addWidget(self.metric, 1)
        form.addLayout(options)
        form.addWidget(self.neighbours_title)
        form.addWidget(self.neighbours, 1)
        layout.addWidget(box, 3)

        box = QGroupBox("Analogy: A − B + C")
        form = QVBoxLayout(box)
        terms = QFormLayout()
        terms.addRow("A", self.analogy_a)
        terms.addRow("− B", self.analogy_b)
        terms.addRow("+ C", self.analogy_c)
        form.addLayout(terms)
        row = QHBoxLayout()
        row.addWidget(self.analogy_method, 1)
        row.addWidget(self.analogy_go)
        form.addLayout(row)
        form.addWidget(self.analogy_results, 1)
        layout.addWidget(box, 2)

    # ---- API -------------------------------------------------------------------------
    def find(self, text: str) -> None:
        """Select ``text`` and centre the views on it; an unknown word asks the engine for
        its message (which names the closest spellings) and shows it in the status bar."""
        text = text.strip()
        if not text or self.state.space is None:
            return
        word = self.state.resolve(text)
        if word is not None:
            self._search_job = None
            self.state.select(word, centre=True)
            return
        self._search_job = self.client.submit(
            api.Neighbours(text, 1, space=self.state.space_path))

    def run_analogy(self, a: str, b: str, c: str, method: str = "add") -> None:
        self.analogy_a.setText(a)
        self.analogy_b.setText(b)
        self.analogy_c.setText(c)
        self.analogy_method.setCurrentText(method)
        self._on_analogy_go_clicked()

    # ---- requests --------------------------------------------------------------------
    def _request_neighbours(self) -> None:
        word = self.state.selection
        self.neighbours.clear()
        self.neighbours_answer = None
        self.state.set_highlighted([])
        if word is None:
            self._neighbours_job = None
            self.neighbours_title.setText("Select a word to see its neighbours.")
            return
        self.neighbours_title.setText(f"Nearest to “{word}”…")
        self._neighbours_job = self.client.submit(api.Neighbours(
            word, self.k.value(), self.metric.currentText(), space=self.state.space_path))

    # ---- slots -----------------------------------------------------------------------
    def _on_state_space_changed(self) -> None:
        space = self.state.space
        keys = list(space.keys[:COMPLETION_LIMIT]) if space is not None else []
        self._vocabulary.setStringList(keys)
        self.neighbours.clear()
        self.analogy_results.clear()
        self._analogy_terms = None
        self.setEnabled(space is not None)

    def _on_state_selection_changed(self, word: str) -> None:
        if word and self.search.text().strip().lower() != word.lower():
            self.search.setText(word)
        self._request_neighbours()

    def _on_options_changed(self, *_: Any) -> None:
        if self.state.selection is not None:
            self._request_neighbours()

    def _on_search_return_pressed(self) -> None:
        self.find(self.search.text())

    def _on_completer_activated(self, text: str) -> None:
        # The completer is shared with the analogy fields: only the search box selects.
        if self.completer.widget() is self.search:
            self.find(text)

    def _on_result_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.state.select(item.text(0))

    def _on_analogy_results_item_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        self._on_result_item_clicked(item, column)
        if self._analogy_terms is not None:  # the arrow from C now ends at this answer
            self._draw_analogy(*self._analogy_terms, item.text(0))

    def _on_analogy_go_clicked(self) -> None:
        terms = [e.text().strip() for e in (self.analogy_a, self.analogy_b, self.analogy_c)]
        if not all(terms):
            self.status_message.emit("An analogy needs three words: A − B + C.")
            return
        self.analogy_results.clear()
        self._analogy_terms = None
        self.state.set_arrows([])
        self._analogy_job = self.client.submit(api.Analogy(
            *terms, k=10, method=self.analogy_method.currentText(),
            space=self.state.space_path))

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._neighbours_job:
            self._neighbours_job = None
            self.neighbours_answer = result
            self._fill(self.neighbours, result.items)
            self.neighbours_title.setText(f"Nearest to “{result.word}” "
                                          f"({self.metric.currentText()})")
            self.state.set_highlighted([s.word for s in result.items])
            self.neighbours_shown.emit(result.word)
            self.query_answered.emit(api.Neighbours(result.word, self.k.value(),
                                                    self.metric.currentText(),
                                                    space=self.state.space_path))
        elif job_id == self._analogy_job:
            self._analogy_job = None
            self._fill(self.analogy_results, result.items)
            if result.items:
                self.status_message.emit(f"{result.a} − {result.b} + {result.c} ≈ "
                                         f"{result.items[0].word}")
                terms = tuple(self.state.resolve(w) or w for w in (result.a, result.b,
                                                                     result.c))
                self._analogy_terms = terms  # type: ignore[assignment]
                self._draw_analogy(*terms, result.items[0].word)
            self.analogy_shown.emit()
            self.query_answered.emit(api.Analogy(result.a, result.b, result.c, 10,
                                                 result.method, space=self.state.space_path))
        elif job_id == self._search_job:  # the engine knew the word after all
            self._search_job = None
            self.state.select(result.word, centre=True)

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        message = one_line(message)
        if job_id == self._analogy_job:
            self._analogy_job = None
            self.status_message.emit(message)
            self.analogy_failed.emit(message)
        elif job_id in (self._neighbours_job, self._search_job):
            if job_id == self._neighbours_job:
                self._neighbours_job = None
                self.neighbours_title.setText("No neighbours.")
            else:
                self._search_job = None
            self.status_message.emit(message)
            self.search_failed.emit(message)

    def _draw_analogy(self, a: str, b: str, c: str, answer: str) -> None:
        """Highlight A, B, C and the answer and draw the parallelogram's two sides.
        A − B + C ≈ answer means answer − C ≈ A − B: the arrows B→A and C→answer carry
        the same offset, so in the ideal case they are parallel and equally long."""
        self.state.set_highlighted([a, b, c, answer])
        self.state.set_arrows([(b, a), (c, answer)])

    @staticmethod
    def _fill(tree: QTreeWidget, items: tuple[api.Scored, ...]) -> None:
        tree.clear()
        rows = []
        for scored in items:
            row = QTreeWidgetItem([scored.word, f"{scored.score:.3f}"])
            row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            rows.append(row)
        tree.addTopLevelItems(rows)
