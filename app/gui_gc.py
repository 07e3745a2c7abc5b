"""Python's cyclic garbage collector, run on the GUI thread only.

A collection runs in whichever thread happens to allocate when the thresholds are
crossed: often an engine thread. When it frees a cycle that holds Qt widgets (a closed
dialog, a menu, a window's panels), their C++ destructors then run on that thread while
shiboken deletes other parts of the same tree on the GUI thread, and the two deadlock on
a QObject mutex (seen in CI: the window froze for good). So while a window is open the
automatic collector is off and a timer on the GUI thread collects instead, as often as
the thresholds would have asked for (pyqtgraph's GarbageCollector does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

INTERVAL_MS = 500
_holders = 0  # windows whose collector runs; automatic collection is back when none is


def collect(generation: int = 2) -> None:
    """Widgets already given up (``deleteLater``) are deleted first: a collection that
    cleared their Python side while Qt still held them would leave Qt calling overrides
    of half-torn objects (seen in the tests: showEvent and sizeHint without their
    attributes)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect(generation)


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._running = False

    def start(self) -> None:
        global _holders
        if self._running:
            return
        self._running = True
        _holders += 1
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Stop, and give collection back to Python when no other window needs it. No
        collection here: run inside the window's closeEvent, it tore the Python side of
        widgets Qt was still using (the tests saw showEvent and sizeHint without their
        attributes, one run in four)."""
        global _holders
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        _holders -= 1
        if _holders == 0:
            gc.enable()

    def _on_timer_timeout(self) -> None:
        # What the automatic collector would do now: the youngest generation whose count
        # passed its threshold, and the older ones that are due with it.
        threshold, counts = gc.get_threshold(), gc.get_count()
        generation = -1
        for g in range(3):
            if counts[g] > threshold[g]:
                generation = g
        if generation >= 0:
            collect(generation)
