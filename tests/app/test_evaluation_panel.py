"""The Evaluation panel: a real evaluation of a tiny space on tiny evaluation files.

``EMBEDDING_EXPLORER_EVAL_DATA`` points the engine at a folder of small files in the
gensim formats, so the whole evaluation takes milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.main_window import MainWindow
from engine.spaces import EmbeddingSpace
from engine.storage import save_space
from engine.words.evaluate import evaluate_space

TIMEOUT_MS = 30_000
COUNTRIES = ("italy", "germany", "france", "spain", "greece")
CAPITALS = ("rome", "berlin", "paris", "madrid", "athens")
FAMILY = ("boy", "girl", "brother", "sister", "king", "queen")


def _tiny_space() -> EmbeddingSpace:
    """Capitals sit one fixed offset from their countries, so every capital question is
    answered right; the family words are random, so those questions mostly fail."""
    rng = np.random.default_rng(3)
    offset = np.zeros(12)
    offset[0] = 3.0
    words: dict[str, np.ndarray] = {}
    for country, capital in zip(COUNTRIES, CAPITALS, strict=True):
        words[country] = rng.normal(size=12)
        words[capital] = words[country] + offset
    for word in FAMILY:
        words[word] = rng.normal(size=12)
    for i in range(30):
        words[f"filler{i:02d}"] = rng.normal(size=12)
    return EmbeddingSpace(tuple(words), np.array(list(words.values()), dtype=np.float32))


@pytest.fixture
def eval_data(tmp_path, monkeypatch):
    folder = tmp_path / "eval-data"
    folder.mkdir()
    capital_lines = [f"{a} {b} {c} {d}" for a, b in zip(CAPITALS, COUNTRIES, strict=True)
                     for c, d in zip(CAPITALS, COUNTRIES, strict=True) if a != c]
    (folder / "questions-words.txt").write_text("\n".join([
        ": capital-common-countries", *capital_lines,
        ": family", "boy girl brother sister", "boy girl king queen",
        "brother sister king queen", "king queen boy girl",
        "boy girl uncle aunt",  # not in the space: counted, not covered
    ]) + "\n")
    (folder / "simlex999.txt").write_text(
        "# word1\tword2\tSimLex999\nboy\tgirl\t6.5\nking\tqueen\t7.0\nrome\tparis\t3.0\n"
        "italy\tgreece\t4.0\nuncle\taunt\t6.0\n")
    (folder / "wordsim353.tsv").write_text(
        "# Word 1\tWord 2\tHuman (mean)\nking\tqueen\t8.6\nboy\tgirl\t7.0\n"
        "rome\titaly\t8.0\nberlin\tgermany\t8.5\nbrother\tsister\t7.5\n")
    monkeypatch.setenv("EMBEDDING_EXPLORER_EVAL_DATA", str(folder))
    return folder


@pytest.fixture
def tiny_window(qtbot, tmp_path, eval_data):
    path = tmp_path / "tiny-space"
    save_space(_tiny_space(), path)
    win = MainWindow(space_path=path)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.ready, timeout=TIMEOUT_MS):
        win.start()
    yield win
    win.close()


def _evaluate(qtbot, window: MainWindow):
    panel = window.evaluation_panel
    window.side_tabs.setCurrentWidget(panel)
    with qtbot.waitSignal(panel.evaluation_shown, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.evaluate, Qt.MouseButton.LeftButton)
    return panel


def test_the_panel_fills_from_a_real_evaluation(qtbot, tiny_window):
    expected = evaluate_space(_tiny_space())
    panel = _evaluate(qtbot, tiny_window)
    assert not panel.running and panel.evaluate.isEnabled() and not panel.cancel.isEnabled()

    # By construction: 20 capital questions, all right; 4 of 5 family ones covered.
    capital, family = expected.sections
    assert (capital.correct, capital.covered, capital.total) == (20, 20, 20)
    assert (family.covered, family.total) == (4, 5)
    assert family.correct < family.covered

    rows = [[panel.sections.topLevelItem(i).text(c) for c in range(3)]
            for i in range(panel.sections.topLevelItemCount())]
    assert rows == [
        ["capital-common-countries", "100.0 %", "20 / 20"],
        ["family", f"{100 * family.correct / 4:.1f} %", f"{family.correct} / 4"],
    ]
    assert "(5 in the set)" in panel.sections.topLevelItem(1).toolTip(0)
    summary = panel.summary.text()
    assert f"{expected.analogy_correct} correct of 24 covered" in summary
    assert "25 questions" in summary

    by_name = {s.name: s for s in expected.similarity}
    similarity = panel.similarity.text()
    assert (f"SimLex-999</b> Spearman ρ = {by_name['simlex999'].spearman:.3f} "
            "(4 pairs, 1 OOV)") in similarity
    assert (f"WordSim-353</b> Spearman ρ = {by_name['wordsim353'].spearman:.3f} "
            "(5 pairs, 0 OOV)") in similarity

    failures = panel.shown_failures()
    assert failures == list(expected.failures)
    assert len(failures) == 4 - family.correct
    assert all(f.section == "family" for f in failures)


def test_failures_filter_by_section(qtbot, tiny_window):
    panel = _evaluate(qtbot, tiny_window)
    assert panel.section_filter.findText("capital-common-countries") == -1  # none failed
    assert panel.failures.topLevelItemCount() > 0
    panel.sections.itemClicked.emit(panel.sections.topLevelItem(1), 0)
    assert panel.section_filter.currentText() == "family"
    assert panel.failures.topLevelItemCount() == len(panel.result.failures)
    panel.section_filter.setCurrentIndex(0)
    assert "failed analogies" in panel.failures_title.text()


def test_clicking_a_failure_shows_its_words_and_arrows(qtbot, tiny_window):
    panel = _evaluate(qtbot, tiny_window)
    item = panel.failures.topLevelItem(0)
    failure = item.data(0, Qt.ItemDataRole.UserRole)
    panel.failures.itemClicked.emit(item, 0)

    state = tiny_window.state
    words = [failure.a, failure.b, failure.c, failure.expected, failure.predicted]
    assert state.highlighted == words
    # Asked as b − a + c: a→b and c→expected are the parallelogram, c→got the miss.
    assert state.arrows == [(failure.a, failure.b), (failure.c, failure.expected)]
    assert state.missed_arrows == [(failure.c, failure.predicted)]
    assert tiny_window.scatter.arrow_segments() == [
        (failure.a, failure.b, False), (failure.c, failure.expected, False),
        (failure.c, failure.predicted, True)]
    highlighted = tiny_window.scatter.highlight.data
    assert len(highlighted) == 5
    assert failure.predicted in tiny_window.statusBar().currentMessage()


def test_a_missing_evaluation_file_is_a_message(qtbot, tiny_window, eval_data):
    (eval_data / "simlex999.txt").unlink()
    panel = tiny_window.evaluation_panel
    with qtbot.waitSignal(panel.evaluation_ended, timeout=TIMEOUT_MS):
        panel.run()
    assert panel.result is None
    assert "failed" in panel.summary.text()
    assert "simlex999" in panel.summary.text()
    assert panel.evaluate.isEnabled()


def test_a_new_space_clears_the_results(qtbot, tiny_window):
    panel = _evaluate(qtbot, tiny_window)
    with qtbot.waitSignal(tiny_window.ready, timeout=TIMEOUT_MS):
        tiny_window.open_space(tiny_window.space_path)
    assert panel.result is None
    assert panel.sections.topLevelItemCount() == 0
    assert panel.failures.topLevelItemCount() == 0
