"""The Compare tab: the same neighbours and analogy queries in two spaces, side by side,
with the words both answers share marked and counted."""

from __future__ import annotations

import numpy as np
import pytest

from engine.spaces import EmbeddingSpace
from engine.storage import load_space, save_space

TIMEOUT_MS = 30_000


@pytest.fixture
def other_space_path(small_space_path, tmp_path):
    """The small space with a little noise, and without "pear"."""
    space = load_space(small_space_path)
    rng = np.random.default_rng(7)
    keep = [i for i, k in enumerate(space.keys) if k != "pear"]
    vectors = space.vectors[keep] + 0.3 * rng.standard_normal((len(keep), space.dim))
    path = tmp_path / "other-space"
    save_space(EmbeddingSpace(tuple(space.keys[i] for i in keep),
                              vectors.astype(np.float32)), path)
    return path


def test_a_selected_words_neighbours_are_answered_in_both_spaces(qtbot, window,
                                                                 other_space_path):
    panel = window.compare_panel
    window.side_tabs.setCurrentWidget(panel)
    panel.compare_with(other_space_path)
    assert panel.other.currentText() == "other-space"
    with qtbot.waitSignal(panel.compared, timeout=TIMEOUT_MS) as blocker:
        window.words_panel.find("apple")
    result = blocker.args[0]
    assert len(result.first.items) == 10 and len(result.second.items) == 10
    common = result.common
    assert len(common) >= 3  # the same vectors plus noise: many neighbours stay
    assert f"{len(common)} of 10" in panel.agreement.text()
    bold = [panel.first.topLevelItem(i).text(0) for i in range(10)
            if panel.first.topLevelItem(i).font(0).bold()]
    assert set(bold) == common
    # A word from the second list selects it in the views.
    item = panel.second.topLevelItem(0)
    panel.second.itemClicked.emit(item, 0)
    assert window.state.selection == item.text(0)


def test_a_word_one_space_lacks_is_said_and_analogies_compare_too(qtbot, window,
                                                                  other_space_path):
    panel = window.compare_panel
    panel.compare_with(other_space_path)
    panel.query.setText("pear")
    with qtbot.waitSignal(panel.compared, timeout=TIMEOUT_MS) as blocker:
        panel.query.returnPressed.emit()
    assert blocker.args[0].second is None
    assert "'pear' is not in this space" in panel.second.topLevelItem(0).text(0)
    assert "Only one space" in panel.agreement.text()

    panel.query.setText("rome italy germany")
    with qtbot.waitSignal(panel.compared, timeout=TIMEOUT_MS) as blocker:
        panel.query.returnPressed.emit()
    result = blocker.args[0]
    assert len(result.first.items) == 10 and len(result.second.items) == 10
    assert "rome − italy + germany" in panel.title.text()


def test_without_a_second_space_the_panel_asks_for_one(qtbot, window):
    panel = window.compare_panel
    panel.query.setText("apple")
    panel.query.returnPressed.emit()
    assert "Choose a second space" in panel.agreement.text()
    offered = [panel.other.itemText(i) for i in range(panel.other.count())]
    assert offered[0] == "(choose a space)"
    qtbot.waitUntil(lambda: any(t.startswith("Default space") for t in
                                (panel.other.itemText(i) for i in range(panel.other.count()))),
                    timeout=TIMEOUT_MS)


def test_align_and_overlay_draws_each_word_where_it_sits_in_the_other_space(
        qtbot, window, other_space_path):
    panel = window.compare_panel
    panel.compare_with(other_space_path)
    with qtbot.waitSignal(panel.overlaid, timeout=TIMEOUT_MS) as blocker:
        panel.overlay_button.click()
    layout = blocker.args[0]
    state = window.state
    assert "aligned with other-space" in state.projection_made_by
    assert "aligned with other-space" in window.views.hint.text()
    assert state.counterpart_keys == layout.other_keys and "pear" not in layout.other_keys
    assert "precision@1" in panel.agreement.text()
    # The noisy copy aligns back onto itself: most words land near their counterparts.
    assert layout.alignment.precision_at_1 > 0.5
    view = window.scatter
    state.select("apple")
    assert "apple" in view.counterpart_words()
    assert view._counterpart_label.isVisible()
    assert view._counterpart_label.toPlainText() == "apple in other-space"
    state.select("pear")  # a word the other space lacks: no counterpart
    assert "pear" not in view.counterpart_words()
    # Any new layout ends the overlay.
    state.set_projection(state.keys, state.coords.copy(), None)
    assert state.counterpart_keys == () and view.counterpart_words() == []
