"""Fixtures for the GUI tests: a small word space on disk and a window showing it.

Run them under Xvfb (``xvfb-run -a python -m pytest tests/app``); without a display they
fall back to Qt's offscreen platform, where the 2D view draws as well.
"""

from __future__ import annotations

import os

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

# Before pytest-qt creates the QApplication: 3D views of successive windows share GL
# resources (pyqtgraph compiles one shader per item class, in
# whichever context comes first).
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)

from engine.spaces import EmbeddingSpace  # noqa: E402
from engine.storage import save_space  # noqa: E402

KNOWN_WORDS = ("apple", "pear", "fruit", "rome", "italy", "germany", "berlin", "paris")


def collect_on_the_gui_thread() -> None:
    """Widgets already given up (``deleteLater``) are deleted first, then cycles."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(autouse=True)
def garbage_collected_on_the_gui_thread():
    """No automatic collection during a GUI test, and one collection here before and
    after it: a closed window's widgets then die on the GUI thread, not later in an
    engine thread that happens to collect (that deadlocked Qt: the engine thread freed
    a menu while shiboken deleted the same tree on the GUI thread)."""
    import gc

    collect_on_the_gui_thread()
    gc.disable()
    yield
    collect_on_the_gui_thread()
    gc.enable()


@pytest.fixture(scope="session")
def small_space_path(tmp_path_factory):
    """~200 words with random 16-d vectors, saved in the native format."""
    rng = np.random.default_rng(0)
    keys = [*KNOWN_WORDS, *(f"word{i:03d}" for i in range(200 - len(KNOWN_WORDS)))]
    vectors = rng.standard_normal((len(keys), 16)).astype(np.float32)
    counts = list(range(len(keys) * 10, 0, -10))
    space = EmbeddingSpace(tuple(keys), vectors, {"count": counts})
    path = tmp_path_factory.mktemp("spaces") / "small-space"
    save_space(space, path)
    return path


def open_window(qtbot, space_path):
    """A shown ``MainWindow`` on ``space_path`` whose space and layout have loaded; qtbot
    closes it (and shuts its engine down) after the test."""
    from app.main_window import MainWindow

    win = MainWindow(space_path=space_path)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.ready, timeout=30_000):
        win.start()
    return win


@pytest.fixture
def window(qtbot, small_space_path):
    """A shown ``MainWindow`` whose space and projection have loaded."""
    win = open_window(qtbot, small_space_path)
    yield win
    win.close()
