"""The toolbar's space picker: named spaces (default, pretrained), recent ones, and a
missing package that is said, not crashed on."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine.paths
from app.panels.space_picker import OPEN_FOLDER
from engine.spaces import named
from engine.words.pretrained import GLOVE_6B_50D, PackagedVectors
from tests.app.conftest import open_window

pytest.importorskip("pyarrow")

TIMEOUT_MS = 30_000


@pytest.fixture
def fake_registry(monkeypatch, fake_package):
    source, _ = fake_package
    missing = PackagedVectors(**{**GLOVE_6B_50D.__dict__, "name": "missing-glove",
                                 "title": "Missing GloVe", "module": "no_such_module_xyz",
                                 "distribution": "no-such-wheel"})
    monkeypatch.setattr(named, "_pretrained",
                        lambda: {source.name: source, missing.name: missing})
    monkeypatch.setattr(engine.paths, "SPACE_NAMES",
                        ("default", source.name, missing.name))
    return source


def _window(qtbot, path):
    window = open_window(qtbot, path)
    qtbot.waitUntil(lambda: bool(window.space_picker.named), timeout=TIMEOUT_MS)
    return window


def test_the_picker_lists_named_and_recent_spaces_and_opens_them(qtbot, fake_registry,
                                                                  small_space_path):
    window = _window(qtbot, small_space_path)
    picker = window.space_picker
    texts = [text for text, _, _ in picker.entries()]
    entries = [entry for _, entry, _ in picker.entries()]
    assert texts[0].startswith("Default space")
    assert "Fake GloVe" in texts and "Missing GloVe (not installed)" in texts
    assert "small-space" in texts  # the space on screen, opened from a folder
    assert entries[-1] == OPEN_FOLDER
    assert picker.combo.currentText() == "small-space"

    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        picker.choose("fake-glove")
    assert window.state.space_path == Path("fake-glove")
    assert len(window.state.space) == 8 and "berlin" in window.state.space
    assert picker.combo.currentText() == "Fake GloVe"
    assert "small-space" in [text for text, _, _ in picker.entries()]  # still offered

    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        picker.choose(Path(small_space_path))
    assert window.state.space_path == Path(small_space_path)
    window.close()


def test_a_space_whose_package_is_missing_says_how_to_install_it(qtbot, fake_registry,
                                                                  small_space_path):
    window = _window(qtbot, small_space_path)
    space = window.state.space
    with qtbot.waitSignal(window.space_picker.status_message, timeout=TIMEOUT_MS) as said:
        window.space_picker.choose("missing-glove")
    assert "no-such-wheel" in said.args[0] and "pip install" in said.args[0]
    assert window.state.space is space  # nothing else happened
    assert window.space_picker.combo.currentText() == "small-space"
    window.close()
