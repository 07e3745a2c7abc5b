"""The audio models' training panel on the tiny spoken-word set of tests/conftest.py: live
loss and top-1 curves, the held-out table, the saved models, cancel, a missing set."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.engine_client import EngineClient
from app.panels.audio_training import AudioTrainingPanel, default_output
from engine.audio.models import load_models
from engine.engine import Engine, EngineThread

TIMEOUT_MS = 120_000


@pytest.fixture
def panel(qtbot):
    client = EngineClient(EngineThread(Engine()))
    widget = AudioTrainingPanel(client)
    qtbot.addWidget(widget)
    widget.resize(1200, 640)
    widget.show()
    yield widget
    client.shutdown()


def test_defaults_train_as_shipped_into_a_folder_of_the_users(panel):
    request = panel.request()
    assert request.epochs == 12 and request.letter_epochs == 30 and request.dataset is None
    assert request.out == default_output()  # never over the shipped models from here
    panel.output_path.clear()
    assert panel.request() is None
    panel.train()
    assert "Choose a folder" in panel.state_label.text() and not panel.is_training


def test_training_draws_its_curves_fills_the_table_and_saves(qtbot, panel, trained,
                                                             tmp_path):
    data, _ = trained
    panel.dataset.setText(str(data.folder))
    panel.output_path.setText(str(tmp_path / "my-models"))
    panel.epochs.setValue(3)
    panel.letter_epochs.setValue(4)
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        assert panel.is_training and not panel.epochs.isEnabled()
    report = finished.args[0]
    assert report["out"] == str(tmp_path / "my-models")
    models = load_models(tmp_path / "my-models")
    assert models.words == data.words[:data.n_heard]
    acoustic_x, acoustic_y = panel.points["acoustic"]
    letters_x, _ = panel.points["letters"]
    assert len(acoustic_x) >= 3 and acoustic_y[0] == 1.0 and max(acoustic_x) <= 1.0
    assert acoustic_x == sorted(acoustic_x) and acoustic_x[-1] == 1.0  # never backwards
    assert panel.training_top1[0] == sorted(panel.training_top1[0])
    assert len(letters_x) == 4 and letters_x[-1] == 1.0
    assert panel.validation[0] == [1.0, 2.0, 3.0]  # one validation top-1 an epoch
    assert all(0 <= v <= 1 for v in panel.validation[1])
    for row in range(3):
        assert panel.table.item(row, 1).text() not in ("", "–")
    assert "saved to" in panel.state_label.text() and panel.train_button.isEnabled()


def test_cancel_stops_and_saves_nothing(qtbot, panel, trained, tmp_path):
    data, _ = trained
    panel.dataset.setText(str(data.folder))
    panel.output_path.setText(str(tmp_path / "never"))
    panel.epochs.setValue(400)
    panel.train()
    qtbot.waitUntil(lambda: len(panel.points["acoustic"][0]) > 0, timeout=TIMEOUT_MS)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_training, timeout=TIMEOUT_MS)
    assert "cancelled" in panel.state_label.text()
    assert not (tmp_path / "never").exists()


def test_a_missing_set_says_how_to_build_one(qtbot, panel, tmp_path):
    panel.dataset.setText(str(tmp_path / "nothing-here"))
    panel.train()
    qtbot.waitUntil(lambda: not panel.is_training, timeout=TIMEOUT_MS)
    assert "No spoken-word set" in panel.state_label.text()
    assert panel.train_button.isEnabled()


def test_the_window_ranks_with_models_trained_there(qtbot, window, tmp_path):
    panel = window.audio_training_panel
    assert window.training_tabs.tabText(window.training_tabs.indexOf(panel)) == \
        "Audio models"
    panel.finished.emit({"out": str(tmp_path / "mine")})
    assert window.audio_panel.models_folder == tmp_path / "mine"
