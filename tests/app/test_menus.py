"""Menus, keyboard shortcuts, the About box and the uncaught-exception dialog."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from app.dialogs import data_sources
from app.errors import ErrorReporter

TIMEOUT_MS = 30_000


def _menu_titles(window) -> dict[str, list[str]]:
    return {a.text().replace("&", ""): [x.text().replace("&", "") for x in a.menu().actions()
                                        if x.text()]
            for a in window.menuBar().actions()}


def test_menus_hold_the_file_view_and_help_actions(window):
    menus = _menu_titles(window)
    assert menus["File"][:3] == ["Open space folder…", "Import vectors…", "Recent spaces"]
    for entry in ("Export vectors…", "Export neighbours CSV…", "Export coordinates CSV…",
                  "Export plot as PNG/SVG…", "Quit"):
        assert entry in menus["File"]
    assert {"2-D layout", "3-D layout", "Reset view"} <= set(menus["View"])
    assert "About Embedding Explorer" in menus["Help"]


def test_shortcuts_are_bound_and_listed(window):
    keys = dict(window.shortcuts())
    for shortcut, action in (("Ctrl+O", "Open space folder"), ("Ctrl+I", "Import vectors"),
                             ("Ctrl+E", "Export plot as PNG/SVG"), ("Ctrl+F", "Find word"),
                             ("Ctrl+Q", "Quit"), ("F1", "About Embedding Explorer"),
                             ("Esc", "Clear selection"), ("2", "2-D layout"),
                             ("3", "3-D layout")):
        assert keys.get(shortcut) == action


def test_ctrl_f_focuses_the_search_and_esc_clears_the_selection(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.words_panel.search.hasFocus())
    window.state.select("apple")
    window.state.set_selected_set(["pear", "fruit"])
    qtbot.keyClick(window.words_panel.search, Qt.Key.Key_Escape)
    assert window.state.selection is None and window.state.selected_set == ()


def test_recent_spaces_menu_lists_opened_spaces(qtbot, small_space_path, tmp_path):
    from app.main_window import MainWindow
    from app.settings import Settings

    settings = Settings.in_file(tmp_path / "settings.ini")
    settings.set_last_space(tmp_path / "gone")
    window = MainWindow(space_path=small_space_path, settings=settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        window.start()
    window.recent_menu.aboutToShow.emit()
    entries = {a.text(): a.isEnabled() for a in window.recent_menu.actions() if a.text()}
    assert entries[str(small_space_path.resolve())] is True
    assert entries[f"{(tmp_path / 'gone').resolve()} (missing)"] is False
    assert "Default word space" in entries
    window.close()


def test_keys_2_and_3_switch_views_only_from_the_plot(qtbot, window):
    asked: list[int] = []
    window.views.dims_requested.connect(asked.append)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search = window.words_panel.search
    search.setFocus()
    qtbot.waitUntil(search.hasFocus)
    qtbot.keyClick(search, Qt.Key.Key_3)
    assert asked == [] and search.text().endswith("3")  # typed, not a shortcut
    spin = window.views.appearance_bar.label_size  # inside the views, yet text input
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.lineEdit().selectAll()
    qtbot.keyClick(spin, Qt.Key.Key_3)
    assert asked == [] and "3" in spin.text()
    plot = window.scatter.plot
    plot.setFocus()
    qtbot.waitUntil(plot.hasFocus)
    qtbot.keyClick(plot, Qt.Key.Key_3)
    assert asked == [3]


def test_about_lists_the_data_sources_and_licences(qtbot, window):
    window.about_action.trigger()
    dialog = window.findChild(QDialog, "about_dialog")
    assert dialog is not None and dialog.isVisible()
    text = dialog.text
    for needle in ("WordNet", "dict-gcide", "GPL", "bible-kjv-text", "public domain",
                   "fortunes", "BSD", "gensim", "LGPL", "PySide6", "pyqtgraph", "MIT",
                   "torch", "umap-learn", "numpy", "Ctrl+I", "0.1.0"):
        assert needle in text, needle
    dialog.close()


def test_sources_come_from_the_manifests(tmp_path):
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "MANIFEST.json").write_text(
        '{"files": {"images/cat.png": {"source": "a test stamp", "licence": "CC0"}}}')
    names = {(s.detail, s.licence) for s in data_sources(resources)}
    assert ("a test stamp", "CC0") in names


def test_an_uncaught_exception_becomes_a_dialog_and_a_log_entry(
        qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path))
    reporter = ErrorReporter(window)
    reporter.install()
    try:
        with qtbot.waitSignal(reporter.error_reported, timeout=TIMEOUT_MS) as blocker:
            try:
                raise ZeroDivisionError("the frobnicator divided by zero")
            except ZeroDivisionError:
                sys.excepthook(*sys.exc_info())
    finally:
        reporter.uninstall()
    message = blocker.args[0]
    log = tmp_path / "logs" / "errors.log"
    assert message.startswith("Something went wrong: ZeroDivisionError: the frobnicator")
    assert str(log) in message
    assert "Traceback" in log.read_text() and "frobnicator" in log.read_text()
    box = window.findChild(QMessageBox, "error_dialog")
    assert box is not None and box.isVisible() and "Traceback" not in box.text()
    box.close()


def test_opening_a_missing_space_keeps_the_current_one(qtbot, window, tmp_path):
    before = window.state.space
    with qtbot.waitSignal(window.load_failed, timeout=TIMEOUT_MS):
        window.open_space(tmp_path / "missing-folder")
    assert window.state.space is before and window.space_path == window.state.space_path
    box = window.findChild(QMessageBox, "error_dialog")
    assert box is not None and "missing-folder" in box.text()
    box.close()


def test_label_size_menu_changes_the_state_and_is_remembered(qtbot, small_space_path,
                                                             tmp_path):
    from app.main_window import MainWindow
    from app.settings import Settings

    settings = Settings.in_file(tmp_path / "settings.ini")
    window = MainWindow(space_path=small_space_path, settings=settings)
    qtbot.addWidget(window)
    start = window.state.label_size
    window.larger_labels_action.trigger()
    window.larger_labels_action.trigger()
    window.smaller_labels_action.trigger()
    assert window.state.label_size == start + 1
    window.close()
    again = MainWindow(space_path=small_space_path, settings=Settings(settings.store))
    qtbot.addWidget(again)
    assert again.state.label_size == start + 1
    again.default_labels_action.trigger()
    assert again.state.label_size == again.state.DEFAULT_LABEL_SIZE
    again.close()


def test_a_bug_inside_an_engine_job_is_logged_with_its_traceback(
        qtbot, window, tmp_path, monkeypatch):
    from engine import api

    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path))
    reporter = ErrorReporter(window)
    reporter.install()
    try:
        with qtbot.waitSignal(window.client.job_failed, timeout=TIMEOUT_MS) as blocker:
            # An unknown projection setting is a programming error, not a user's.
            window.client.submit(api.Project(params={"no_such_setting": 1},
                                             space=window.state.space_path))
    finally:
        reporter.uninstall()
    assert blocker.args[1].startswith("Internal error (TypeError)")
    text = (tmp_path / "logs" / "errors.log").read_text()
    assert "Traceback" in text and "no_such_setting" in text
