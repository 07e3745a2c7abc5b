"""Colouring the points (none, k-means clusters, frequency, a metadata column) and the
label size, in the 2D view and the 3D view alike."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtGui import QColor

from app.main_window import MainWindow
from app.panels.appearance import CLUSTER_PALETTE, UNCOLOURED
from app.state import AppState
from engine import api
from engine.spaces import EmbeddingSpace
from engine.storage import save_space
from tests.app.conftest import open_window

TIMEOUT_MS = 30_000
needs_gl = pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "offscreen",
                              reason="OpenGL needs a display (run under xvfb-run)")


def _brush_colours(view) -> np.ndarray:
    """RGB of every point's brush in the 2D view."""
    return np.array([b.color().getRgb()[:3] for b in view.point_brushes()])


def _distinct(rgb: np.ndarray) -> int:
    return len({tuple(c) for c in np.asarray(rgb)[:, :3].tolist()})


def _colour(qtbot, window: MainWindow, mode: str, **kwargs) -> None:
    bar = window.views.appearance_bar
    with qtbot.waitSignal(bar.colours_applied, timeout=TIMEOUT_MS):
        bar.choose(mode, **kwargs)


def test_colour_by_frequency_changes_the_brushes(qtbot, window):
    view = window.scatter
    before = _brush_colours(view)
    assert _distinct(before) == 1  # one default colour for the whole cloud
    _colour(qtbot, window, "frequency")
    after = _brush_colours(view)
    assert _distinct(after) > 20  # 200 counts spread over the colour map's 64 steps
    # The most frequent word is at the bright (yellow) end of viridis, the rarest at the
    # dark (purple) end.
    first, last = window.state.row_of("apple"), len(window.state.keys) - 1
    assert after[first].sum() > after[last].sum() + 200
    assert after[first][0] > 200 and after[last][2] > after[last][1]
    assert "Frequency" in window.views.appearance_bar.legend.text()
    assert window.views.appearance_bar.legend.isVisible()
    _colour(qtbot, window, "none")
    assert _distinct(_brush_colours(view)) == 1
    assert window.state.colours is None
    assert not window.views.appearance_bar.legend.isVisible()


def test_colour_by_cluster_runs_on_the_engine_and_gives_k_colours(qtbot, window):
    bar = window.views.appearance_bar
    assert bar.k.isHidden()
    jobs = []  # the engine's k-means answers (other panels' jobs may finish meanwhile)
    window.client.job_finished.connect(
        lambda job_id, result: jobs.append(result) if isinstance(result, api.Clusters) else None)
    _colour(qtbot, window, "cluster", k=4)
    assert bar.k.isVisibleTo(bar) and bar.k.value() == 4
    # job_finished reaches the panel and this lambda as two queued calls; the colours can
    # be applied before the lambda has run, so wait for it.
    qtbot.waitUntil(lambda: len(jobs) == 1, timeout=TIMEOUT_MS)
    clusters = jobs[0]
    assert clusters.k == 4 and len(clusters.labels) == 200
    colours = window.state.colours
    assert colours.shape == (200, 4)
    assert _distinct(colours) == 4
    assert set(map(tuple, colours[:, :3].tolist())) == set(map(tuple, CLUSTER_PALETTE[:4].tolist()))
    # Words of one cluster share a colour, and each colour is one cluster.
    for label in range(4):
        rows = np.flatnonzero(clusters.labels == label)
        assert _distinct(colours[rows]) == 1
    assert _distinct(_brush_colours(window.scatter)) == 4
    legend = bar.legend.text()
    assert "4 k-means clusters" in legend and f"({clusters.sizes[0]:,})" in legend
    # Another k is another engine job; going back to k = 4 is answered from memory.
    _colour(qtbot, window, "cluster", k=6)
    assert _distinct(window.state.colours) == 6
    qtbot.waitUntil(lambda: len(jobs) == 2, timeout=TIMEOUT_MS)
    _colour(qtbot, window, "cluster", k=4)
    qtbot.wait(200)  # a third job, if one were sent, would be answered by now
    assert len(jobs) == 2


def test_changing_k_in_the_spin_box_reclusters(qtbot, window):
    bar = window.views.appearance_bar
    _colour(qtbot, window, "cluster", k=3)
    with qtbot.waitSignal(bar.colours_applied, timeout=TIMEOUT_MS):
        bar.k.setValue(5)
    assert _distinct(window.state.colours) == 5
    # Many clusters: each gets a colour, the legend names the largest ones only.
    with qtbot.waitSignal(bar.colours_applied, timeout=TIMEOUT_MS):
        bar.k.setValue(40)
    assert _distinct(window.state.colours) == 40
    assert "and 10 smaller clusters" in bar.legend.text()


@pytest.fixture
def annotated_space_path(tmp_path):
    rng = np.random.default_rng(3)
    keys = tuple(f"w{i:02d}" for i in range(60))
    kinds = ["noun", "verb", "adjective"] * 20
    scores = np.linspace(-1.0, 5.0, 60).tolist()
    space = EmbeddingSpace(keys, rng.standard_normal((60, 8)).astype(np.float32),
                           {"count": list(range(600, 0, -10)), "pos": kinds, "score": scores})
    save_space(space, tmp_path / "annotated")
    return tmp_path / "annotated"


def test_metadata_columns_colour_by_category_or_by_value(qtbot, annotated_space_path):
    window = MainWindow(space_path=annotated_space_path)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        window.start()
    bar = window.views.appearance_bar
    offered = [bar.colour_by.itemText(i) for i in range(bar.colour_by.count())]
    assert offered == ["none", "clusters (k-means)", "frequency", "column: pos",
                       "column: score"]
    _colour(qtbot, window, "column", column="pos")
    colours = window.state.colours
    assert _distinct(colours) == 3
    state = window.state
    noun = [state.row_of(f"w{i:02d}") for i in range(0, 60, 3)]
    assert _distinct(colours[noun]) == 1
    assert "noun (20)" in bar.legend.text()
    _colour(qtbot, window, "column", column="score")
    colours = window.state.colours
    assert _distinct(colours) > 30  # a colour map over 60 different values
    low, high = colours[state.row_of("w00")], colours[state.row_of("w59")]
    assert int(high[:3].sum()) > int(low[:3].sum())  # viridis: dark purple to yellow
    # More clusters than words: the engine says so; the bar shows it and stays usable.
    bar = window.views.appearance_bar
    with qtbot.waitSignal(bar.status_message, timeout=TIMEOUT_MS) as blocker:
        bar.choose("cluster", k=100)
    assert blocker.args[0].startswith("Clustering failed: Cannot make 100 clusters of 60")
    assert window.state.colours is None and bar.progress.isHidden()
    _colour(qtbot, window, "cluster", k=3)
    assert _distinct(window.state.colours) == 3
    window.close()


def test_words_the_colouring_does_not_know_are_grey(qtbot, window, tmp_path):
    """Coordinates from a file may name words the space lacks."""
    _colour(qtbot, window, "frequency")
    keys = ("apple", "not-a-word")
    with qtbot.waitSignal(window.views.appearance_bar.colours_applied, timeout=TIMEOUT_MS):
        window.state.set_projection(keys, np.array([[0, 0], [1, 1]], dtype=np.float32))
    assert window.state.colours[1, :3].tolist() == list(UNCOLOURED)


def test_label_size_changes_the_labels_fonts(qtbot, window):
    bar = window.views.appearance_bar
    with qtbot.waitSignal(window.words_panel.neighbours_shown, timeout=TIMEOUT_MS):
        window.words_panel.find("apple")
    label = window.scatter._selected_label
    before = label.textItem.font().pointSize()
    assert bar.label_size.value() == AppState.DEFAULT_LABEL_SIZE
    bar.label_size.setValue(2 * AppState.DEFAULT_LABEL_SIZE)
    assert window.state.label_size == 2 * AppState.DEFAULT_LABEL_SIZE
    assert label.textItem.font().pointSize() == 2 * before
    assert label.textItem.font().bold()
    # Set elsewhere (the View menu), the size shows in the spin box too.
    window.state.set_label_size(12)
    assert bar.label_size.value() == 12
    assert label.textItem.font().pointSize() == round(11 * 12 / AppState.DEFAULT_LABEL_SIZE)
    window.state.set_label_size(2 * AppState.DEFAULT_LABEL_SIZE)
    # Labels made after the change start at the new size.
    assert window.scatter._make_label(QColor("black"), 8, False, 1).textItem.font(
    ).pointSize() == 16


@needs_gl
def test_the_3d_view_uses_the_same_colours(qtbot, window):
    _colour(qtbot, window, "cluster", k=4)
    with qtbot.waitSignal(window.projection_panel.projection_shown, timeout=TIMEOUT_MS):
        window.views.show_dims(3)
    # The 3-D layout is a new projection: the bar colours it again, from memory.
    view3d = window.views.view3d
    colours = window.state.colours
    assert colours is not None and len(colours) == 200
    drawn = view3d.point_colours()
    assert drawn.shape == (200, 4)
    assert np.allclose(drawn[:, :3], colours[:, :3] / 255.0)
    assert _distinct(np.round(drawn * 255).astype(int)) == 4
    _colour(qtbot, window, "none")
    assert view3d.point_colours().shape == (1, 4)


def test_a_space_with_ranks_instead_of_counts_colours_by_frequency(qtbot, tmp_path):
    """GloVe publishes no counts: its ``rank`` column (1 = most frequent) stands in."""
    rng = np.random.default_rng(3)
    keys = tuple(f"r{i:02d}" for i in range(50))
    space = EmbeddingSpace(keys, rng.standard_normal((50, 8)).astype(np.float32),
                           {"rank": list(range(1, 51))})
    save_space(space, tmp_path / "ranked")
    window = open_window(qtbot, tmp_path / "ranked")
    bar = window.views.appearance_bar
    offered = [bar.colour_by.itemText(i) for i in range(bar.colour_by.count())]
    assert offered == ["none", "clusters (k-means)", "frequency"]  # no "column: rank"
    _colour(qtbot, window, "frequency")
    colours = window.state.colours
    first, last = window.state.row_of("r00"), window.state.row_of("r49")
    assert int(colours[first][:3].sum()) > int(colours[last][:3].sum()) + 200
    assert "rank" in bar.legend.text()
    window.close()
