"""File ▸ Import and the exports: through the real engine, errors as dialogs."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from engine import api
from engine.storage import import_vectors, load_space

TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    # Imports default to a folder under the cache; keep them out of the user's.
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))


def _error_box(window) -> QMessageBox:
    box = window.findChild(QMessageBox, "error_dialog")
    assert box is not None and box.isVisible()
    return box


def test_a_corrupt_import_shows_an_error_without_crashing(qtbot, window, tmp_path):
    bad = tmp_path / "vectors.txt"
    bad.write_text("3 2\napple 0.1 0.2\npear 0.3 zero\nplum 0.5 0.6\n", encoding="utf-8")
    space_before, path_before = window.state.space, window.state.space_path
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT_MS) as blocker:
        window.import_vectors(api.ImportVectors(bad, save_to=tmp_path / "saved"))
    message = blocker.args[0]
    assert "vectors.txt, line 3" in message
    box = _error_box(window)
    assert "line 3" in box.text() and "Traceback" not in box.text() + box.informativeText()
    assert box.informativeText()  # the engine's hint: what to do about it
    assert window.state.space is space_before and window.state.space_path == path_before
    assert window.space_path == path_before
    assert not (tmp_path / "saved").exists()
    assert not window.cancel_file_job.isVisible() and not window.progress.isVisible()
    box.close()


def test_importing_a_good_file_saves_it_and_opens_it(qtbot, window, tmp_path):
    source = tmp_path / "tiny.vec"
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(30)]
    lines = ["30 4"] + [f"{w} " + " ".join(f"{v:.4f}" for v in rng.normal(size=4))
                        for w in words]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "imported"
    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        window.import_vectors(api.ImportVectors(source, save_to=out))
    assert window.state.space_path == out
    assert window.state.space.keys == tuple(words)
    assert window.state.coords.shape == (30, 2)
    assert load_space(out).keys == tuple(words)
    assert "Imported 30 words from tiny.vec" in window.statusBar().currentMessage()


def test_the_import_dialog_builds_the_request_and_detects_the_format(qtbot, tmp_path):
    from app.dialogs import ImportDialog

    source = tmp_path / "glove.6B.50d.txt"
    source.write_text("the 0.1 0.2\nof 0.3 0.4\n", encoding="utf-8")
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    assert dialog.request() is None  # no file yet
    dialog.path.setText(str(source))
    assert "GloVe" in dialog.detected.text()
    assert not dialog.metadata.isEnabled()  # metadata is for projector files only
    dialog.limit.setValue(1)
    request = dialog.request()
    assert (request.path, request.format, request.limit) == (source, None, 1)
    assert request.save_to.parent.name == "imported" and request.save_to.name == "glove.6B.50d"
    dialog.format.setCurrentIndex(dialog.format.findData("tf-projector"))
    assert dialog.metadata.isEnabled()


def test_export_plot_writes_a_png_and_an_svg(qtbot, window, tmp_path):
    png, svg = tmp_path / "plot.png", tmp_path / "plot.svg"
    assert window.export_plot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    assert window.export_plot(svg)
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) >= len(window.state.keys)  # every point, as a vector shape
    labels = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "apple" in labels  # the most frequent words carry labels


def test_export_plot_into_a_missing_folder_is_a_dialog(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT_MS) as blocker:
        assert not window.export_plot(tmp_path / "nowhere" / "plot.png")
    assert "no such folder" in blocker.args[0]
    _error_box(window).close()


def test_export_plot_svg_keeps_the_selection_label(qtbot, window, tmp_path):
    window.state.select("pear")
    svg = tmp_path / "selected.svg"
    assert window.export_plot(svg)
    texts = [t for t in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text")
             if t.text == "pear"]
    assert texts and any(t.get("font-weight") == "bold" for t in texts)


def test_export_vectors_runs_in_the_engine_and_reads_back(qtbot, window, tmp_path):
    out = tmp_path / "out.txt"
    with qtbot.waitSignal(window.file_written, timeout=TIMEOUT_MS):
        window.export_vectors(out, "word2vec-text")
    back = import_vectors(out)
    assert back.keys == window.state.space.keys
    assert np.allclose(back.vectors, window.state.space.vectors, atol=1e-5)


def test_export_vectors_to_an_unwritable_place_is_a_dialog(qtbot, window, tmp_path):
    blocker_file = tmp_path / "a-file"
    blocker_file.write_text("x")
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT_MS):
        window.export_vectors(blocker_file / "out.txt", "word2vec-text")
    _error_box(window).close()


def test_export_neighbours_writes_the_list_on_screen(qtbot, window, tmp_path):
    out = tmp_path / "n.csv"
    assert not window.export_neighbours(out)  # nothing selected yet: a message, no file
    assert "Select a word" in window.statusBar().currentMessage()
    with qtbot.waitSignal(window.words_panel.neighbours_shown, timeout=TIMEOUT_MS):
        window.state.select("apple")
    assert window.export_neighbours(out)
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["query", "rank", "word", "score"]
    tree = window.words_panel.neighbours
    assert [r[2] for r in rows[1:]] == [tree.topLevelItem(i).text(0)
                                        for i in range(tree.topLevelItemCount())]
    assert all(r[0] == "apple" for r in rows[1:]) and rows[1][1] == "1"


def test_the_3d_view_exports_as_png_and_says_why_not_svg(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.projection_panel.projection_shown, timeout=TIMEOUT_MS):
        window.views.show_dims(3)
    png = tmp_path / "plot3d.png"
    assert window.export_plot(png)
    from PySide6.QtGui import QImage

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull() and image.width() > 100
    pixels = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    background = np.bincount(np.unique(pixels, return_inverse=True)[1]).max()
    assert len(pixels) - background > 200  # the 200 points drew, not a blank frame
    image.save(str(tmp_path / "seen.png"))
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT_MS) as blocker:
        assert not window.export_plot(tmp_path / "plot3d.svg")
    assert "PNG" in blocker.args[0] and not (tmp_path / "plot3d.svg").exists()
    _error_box(window).close()


def test_file_import_opens_the_dialog_whose_ok_imports_and_opens(qtbot, window, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from app.dialogs import ImportDialog

    source = tmp_path / "words.txt"
    source.write_text("alpha 1 0 0\nbeta 0 1 0\ngamma 0 0 1\n", encoding="utf-8")  # GloVe
    window.import_action.trigger()
    dialog = window.findChild(ImportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.path.setText(str(source))
    dialog.save_to.setText(str(tmp_path / "saved-space"))
    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert window.state.space.keys == ("alpha", "beta", "gamma")
    assert window.state.space_path == tmp_path / "saved-space"


def test_cancelling_an_import_saves_nothing_and_keeps_the_space(qtbot, window, tmp_path):
    source = tmp_path / "big.txt"
    rows = "\n".join(f"w{i} {i % 7} 1 2 3" for i in range(50_000))
    source.write_text(f"50000 4\n{rows}\n", encoding="utf-8")
    before = window.state.space
    with qtbot.waitSignal(window.client.job_cancelled, timeout=TIMEOUT_MS):
        window.import_vectors(api.ImportVectors(source, save_to=tmp_path / "out"))
        assert window.cancel_file_job.isVisible()
        window.cancel_file_job.click()
    assert window.state.space is before
    assert not (tmp_path / "out").exists()
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.cancel_file_job.isVisible()
