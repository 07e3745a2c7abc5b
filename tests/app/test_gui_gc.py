"""The GUI thread's garbage collector: automatic collection is off while a window's
collector runs, cycles are still collected (on the timer), and Python's own collection is
back once the last collector stops."""

import gc
import weakref

from app.gui_gc import GuiThreadCollector


class Node:
    pass


def test_cycles_are_collected_on_the_timer_and_automatic_collection_comes_back(qtbot):
    was_enabled = gc.isenabled()
    gc.enable()
    first, second = GuiThreadCollector(), GuiThreadCollector()
    first.start()
    second.start()
    assert not gc.isenabled()
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector frees
    gone = weakref.ref(a)
    del a, b
    kept = [Node() for _ in range(2000)]  # past generation 0's threshold (700)
    qtbot.waitUntil(lambda: gone() is None, timeout=5_000)
    del kept
    first.stop()
    assert not gc.isenabled()  # the second window still needs it off
    second.stop()
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
