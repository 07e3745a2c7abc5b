"""Settings remembered between runs, in an INI file of the test's own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.main_window import MainWindow
from app.settings import Settings
from engine.paths import DEFAULT_WORD_SPACE
from engine.projection import ProjectionParams

TIMEOUT_MS = 30_000


@pytest.fixture
def settings(tmp_path):
    return Settings.in_file(tmp_path / "settings.ini")


def _started(qtbot, settings, space_path=None) -> MainWindow:
    window = MainWindow(space_path=space_path, settings=settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.ready, timeout=TIMEOUT_MS):
        window.start()
    return window


def test_settings_live_in_the_given_file_only(settings, tmp_path):
    assert settings.file_name == str(tmp_path / "settings.ini")
    assert settings.store.format() == QSettings.Format.IniFormat


def test_values_round_trip_and_bad_values_read_as_unset(settings, tmp_path):
    space = tmp_path / "space"
    settings.set_last_space(space)
    settings.set_last_projection(ProjectionParams(method="umap", dims=3, seed=7, limit=500,
                                                  n_neighbors=20, min_dist=0.25))
    settings.set_label_size(12)
    settings.sync()
    again = Settings.in_file(tmp_path / "settings.ini")
    assert again.last_space() == space
    assert again.recent_spaces() == [space.resolve()]
    request = again.last_projection(space)
    assert (request.method, request.dims, request.seed, request.limit) == ("umap", 3, 7, 500)
    assert request.params == {"n_neighbors": 20, "min_dist": 0.25}
    assert request.space == space
    assert again.label_size() == 12
    again.store.setValue("projection/last", '{"method": "magic", "dims": 2}')
    again.store.setValue("view/label_size", "not json")
    assert again.last_projection() is None and again.label_size() is None


def test_recent_spaces_newest_first_without_duplicates(settings, tmp_path):
    for name in ("a", "b", "a", "c"):
        settings.set_last_space(tmp_path / name)
    assert [p.name for p in settings.recent_spaces()] == ["c", "a", "b"]
    settings.set_last_space(None)  # the default space is not a "recent" entry
    assert settings.last_space() is None and len(settings.recent_spaces()) == 3


def test_window_geometry_splitters_and_last_space_survive_a_restart(
        qtbot, settings, small_space_path):
    window = _started(qtbot, settings, small_space_path)
    window.resize(1300, 950)  # the default is 1400 x 900
    qtbot.waitUntil(lambda: window.width() == 1300)
    size = window.size()
    splitter = window.findChild(type(window.centralWidget().widget(0)), "words_splitter")
    splitter.setSizes([700, 400])
    sizes = splitter.sizes()
    window.close()

    again = _started(qtbot, Settings(settings.store), None)  # no --space: the last one
    assert again.state.space_path == small_space_path
    assert again.size() == size
    assert again.findChild(type(splitter), "words_splitter").sizes() == sizes
    again.close()


def test_the_last_projection_is_the_first_one_shown(qtbot, settings, small_space_path):
    settings.set_last_projection(ProjectionParams(method="pca", dims=2, limit=50))
    window = _started(qtbot, settings, small_space_path)
    assert window.state.coords.shape == (50, 2)
    assert window.state.projection_params.limit == 50
    window.close()


def test_a_remembered_slow_layout_without_a_stored_copy_starts_as_pca(
        qtbot, settings, small_space_path, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_EXPLORER_CACHE", str(tmp_path / "cache"))  # no stored UMAP
    settings.set_last_projection(ProjectionParams(method="umap", dims=2))
    window = _started(qtbot, settings, small_space_path)
    assert window.state.projection_params.method == "pca"
    window.close()


def test_a_remembered_space_that_is_gone_falls_back_to_the_default(qtbot, settings, tmp_path):
    settings.set_last_space(tmp_path / "deleted-space")
    settings.set_last_projection(ProjectionParams(method="pca", dims=2, limit=100))
    window = _started(qtbot, settings)
    assert window.state.space_path is None  # the default space
    assert len(window.state.keys) == 100
    message = window.statusBar().currentMessage()
    assert "deleted-space" in message and "default space" in message
    window.close()
    assert Settings(settings.store).last_space() is None
    assert DEFAULT_WORD_SPACE.exists()
