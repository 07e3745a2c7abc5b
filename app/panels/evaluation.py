"""``EvaluationPanel``: how good is the active word space, by the literature's measures.

"Evaluate" asks the engine (``api.Evaluate``) for analogy accuracy on the Google set
(3CosAdd over the 30k most frequent words, per section) and the Spearman correlations on
SimLex-999 and WordSim-353; the panel shows them with every failed analogy. Clicking a
failure shows its words in the plot with the parallelogram it should have made.

The evaluation takes seconds: it runs on the engine's thread, the panel shows a moving
bar and a Cancel button, and an answer for a space that is no longer shown is dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.tables import ranked_list
from app.panels.words import one_line
from app.state import AppState
from engine import api

ALL_SECTIONS = "All sections"
SIMILARITY_TITLES = {"simlex999": "SimLex-999", "wordsim353": "WordSim-353"}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


class EvaluationPanel(QWidget):
    """Evaluate the active space; list per-section accuracy, similarity correlations and
    the failed analogies (filterable by section)."""

    status_message = Signal(str)
    evaluation_shown = Signal()  # a result fills the panel
    evaluation_ended = Signal()  # the job ended without a result: failed or cancelled

    def __init__(self, state: AppState, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.client = client
        self._job: int | None = None
        self.result: Any = None  # engine.words.evaluate.WordEvaluation shown now

        self.evaluate = QPushButton("Evaluate")
        self.evaluate.setToolTip("Google analogies (3CosAdd, 30k most frequent words), "
                                 "SimLex-999 and WordSim-353")
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # the engine reports no fractions: a moving bar
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.hide()
        self.summary = QLabel("Evaluate the space to see how well it completes analogies "
                              "and agrees with human similarity ratings.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.sections = self._table(["section", "accuracy", "correct / covered"])
        self.sections.setToolTip("Click a section to list its failures")
        # Two lines of text: a table would take the room the failures need.
        self.similarity = QLabel()
        self.similarity.setWordWrap(True)
        self.similarity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.section_filter = QComboBox()
        self.section_filter.addItem(ALL_SECTIONS)
        self.failures_title = QLabel("Failed analogies")
        self.failures_title.setWordWrap(True)
        self.failures = self._table(["a : b :: c : expected", "got"])
        self.failures.setToolTip("Click a failure to show its words and arrows in the plot")

        self._lay_out()
        self.setEnabled(False)

        self.evaluate.clicked.connect(self._on_evaluate_clicked)
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.sections.itemClicked.connect(self._on_sections_item_clicked)
        self.section_filter.currentTextChanged.connect(self._on_section_filter_changed)
        self.failures.itemClicked.connect(self._on_failures_item_clicked)
        state.space_changed.connect(self._on_state_space_changed)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    @staticmethod
    def _table(headers: list[str]) -> QTreeWidget:
        tree = ranked_list(tuple(headers))
        tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keeps "gram1-…-adverb" legible
        return tree

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.evaluate, 1)
        row.addWidget(self.cancel)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.similarity)

        split = QSplitter(Qt.Orientation.Vertical)
        box = QGroupBox("Analogies by section")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(4, 4, 4, 4)
        inner.addWidget(self.sections)
        split.addWidget(box)
        box = QGroupBox("Failures")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(4, 4, 4, 4)
        inner.addWidget(self.section_filter)
        inner.addWidget(self.failures_title)
        inner.addWidget(self.failures, 1)
        split.addWidget(box)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)

    # ---- API -------------------------------------------------------------------------
    def run(self) -> None:
        """Evaluate the active space (what the button does)."""
        self._on_evaluate_clicked()

    @property
    def running(self) -> bool:
        return self._job is not None

    def shown_failures(self) -> list[Any]:
        """The failures listed now (after the section filter), top to bottom."""
        return [self.failures.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                for i in range(self.failures.topLevelItemCount())]

    def show_failure(self, failure: Any) -> None:
        """Highlight a failed analogy's words and draw the arrows it should have made.

        The questions read a : b :: c : expected and are asked as b − a + c, so the
        arrows a→b and c→expected carry the same offset (parallel when the space gets it
        right); a dashed arrow c→got shows where the space went instead."""
        a, b, c, expected, got = (self.state.resolve(w) or w for w in (
            failure.a, failure.b, failure.c, failure.expected, failure.predicted))
        self.state.set_highlighted([a, b, c, expected, got])
        self.state.set_arrows([(a, b), (c, expected)], missed=[(c, got)])
        self.status_message.emit(f"{failure.a} : {failure.b} :: {failure.c} : "
                                 f"{failure.expected}, but the space answers {got}")

    # ---- filling ---------------------------------------------------------------------
    def _show(self, result: Any) -> None:
        self.result = result
        covered_share = _percent(result.analogy_covered, result.analogy_total)
        self.summary.setText(
            f"<b>Analogies: {_percent(result.analogy_correct, result.analogy_covered)}</b> "
            f"({result.analogy_correct:,} correct of {result.analogy_covered:,} covered; "
            f"{result.analogy_total:,} questions, {covered_share} covered)")
        self.similarity.setText("<br>".join(
            f"<b>{SIMILARITY_TITLES.get(s.name, s.name)}</b> Spearman ρ = {s.spearman:.3f} "
            f"({s.pairs_used:,} pairs, {s.pairs_oov:,} OOV)" for s in result.similarity))

        self.sections.clear()
        rows = []
        for s in result.sections:
            row = QTreeWidgetItem([s.section, _percent(s.correct, s.covered),
                                   f"{s.correct:,} / {s.covered:,}"])
            row.setToolTip(0, f"{s.section}: {s.correct:,} correct of {s.covered:,} covered "
                              f"questions ({s.total:,} in the set)")
            for column in (1, 2):
                row.setTextAlignment(column, _RIGHT)
            rows.append(row)
        self.sections.addTopLevelItems(rows)

        self.section_filter.blockSignals(True)
        self.section_filter.clear()
        self.section_filter.addItem(ALL_SECTIONS)
        self.section_filter.addItems([s.section for s in result.sections
                                      if s.covered > s.correct])
        self.section_filter.blockSignals(False)
        self._fill_failures()

    def _fill_failures(self) -> None:
        self.failures.clear()
        if self.result is None:
            self.failures_title.setText("Failed analogies")
            return
        section = self.section_filter.currentText()
        shown = [f for f in self.result.failures
                 if section in ("", ALL_SECTIONS) or f.section == section]
        rows = []
        for f in shown:
            row = QTreeWidgetItem([f"{f.a} : {f.b} :: {f.c} : {f.expected}", f.predicted])
            row.setToolTip(0, f"{f.section}: {f.a} is to {f.b} as {f.c} is to {f.expected}; "
                              f"the space answers {f.predicted}")
            row.setData(0, Qt.ItemDataRole.UserRole, f)
            rows.append(row)
        self.failures.addTopLevelItems(rows)
        where = "" if section in ("", ALL_SECTIONS) else f" in {section}"
        self.failures_title.setText(f"{len(shown):,} failed analogies{where} — "
                                    "click one to see it in the plot")

    def _clear(self, message: str) -> None:
        self.result = None
        self.summary.setText(message)
        self.sections.clear()
        self.similarity.clear()
        self.section_filter.blockSignals(True)
        self.section_filter.clear()
        self.section_filter.addItem(ALL_SECTIONS)
        self.section_filter.blockSignals(False)
        self._fill_failures()

    def _set_running(self, running: bool) -> None:
        self.evaluate.setEnabled(not running)
        self.cancel.setEnabled(running)
        self.progress.setVisible(running)

    # ---- slots -----------------------------------------------------------------------
    def _on_evaluate_clicked(self) -> None:
        if self.state.space is None:
            self.status_message.emit("Load a word space first, then evaluate it.")
            return
        self._job = self.client.submit(api.Evaluate(space=self.state.space_path))
        self._set_running(True)
        self.summary.setText("Evaluating: Google analogies, SimLex-999, WordSim-353…")

    def _on_cancel_clicked(self) -> None:
        if self._job is not None:
            self.client.cancel(self._job)

    def _on_sections_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        index = self.section_filter.findText(item.text(0))
        self.section_filter.setCurrentIndex(max(index, 0))

    def _on_section_filter_changed(self, _text: str) -> None:
        self._fill_failures()

    def _on_failures_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.show_failure(item.data(0, Qt.ItemDataRole.UserRole))

    def _on_state_space_changed(self) -> None:
        # A result, or a job, for the space that was shown before is stale.
        if self._job is not None:
            self.client.cancel(self._job)
            self._job = None
            self._set_running(False)
        self._clear("Evaluate the space to see how well it completes analogies and "
                    "agrees with human similarity ratings.")
        self.setEnabled(self.state.space is not None)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._job:
            return
        self._job = None
        self._set_running(False)
        self._show(result)
        self.status_message.emit(
            f"Analogy accuracy {_percent(result.analogy_correct, result.analogy_covered)} "
            f"on {result.analogy_covered:,} covered questions")
        self.evaluation_shown.emit()

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id != self._job:
            return
        self._job = None
        self._set_running(False)
        self._clear(f"The evaluation failed: {one_line(message)}")
        self.status_message.emit(one_line(message))
        self.evaluation_ended.emit()

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id != self._job:
            return
        self._job = None
        self._set_running(False)
        self._clear("The evaluation was cancelled.")
        self.evaluation_ended.emit()
