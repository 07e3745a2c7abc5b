"""Embedding Explorer: ``python main.py [--space PATH] [--select WORD] [--screenshot PNG]``.

Without ``--screenshot`` it opens the window. With it, it waits until the space and its
projection are shown (and the selection's neighbours, with ``--select``), saves the
window as a PNG and exits: 0 when saved, 1 when the space could not be shown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from app.main_window import MainWindow

SCREENSHOT_TIMEOUT_S = 300


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=None,
                        help="a native space folder or a vectors file (default: the shipped "
                             "word space)")
    parser.add_argument("--select", metavar="WORD", help="select this word once loaded")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="save the window to this PNG once loaded, then exit")
    return parser.parse_args(argv)


class ScreenshotRun(QObject):
    """Waits for ``window`` to show its space (and ``select``'s neighbours), saves it to
    ``out`` and emits ``done`` with an exit status; errors go to ``messages``."""

    done = Signal(int)

    def __init__(self, window: MainWindow, out: Path, select: str | None = None,
                 timeout_s: float = SCREENSHOT_TIMEOUT_S) -> None:
        super().__init__(window)
        self.window = window
        self.out = Path(out)
        self.select = select
        self.messages: list[str] = []
        self._finished = False
        window.ready.connect(self._on_window_ready)
        window.load_failed.connect(self._on_window_load_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(round(timeout_s * 1000))

    def _on_window_ready(self) -> None:
        if not self.select:
            self._grab_soon()
            return
        panel = self.window.words_panel
        panel.neighbours_shown.connect(self._grab_soon)
        panel.search_failed.connect(self._on_panel_search_failed)
        panel.find(self.select)

    def _on_panel_search_failed(self, message: str) -> None:
        self.messages.append(message)  # e.g. an unknown word: still worth a picture
        self._grab_soon()

    def _grab_soon(self, *_: object) -> None:
        # One turn of the event loop lets the views apply what just arrived.
        QTimer.singleShot(0, self._grab)

    def _grab(self) -> None:
        if self._finished:
            return
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if self.window.grab().save(str(self.out)):
            self._finish(0)
        else:
            self._fail(f"Could not write {self.out}.")

    def _on_window_load_failed(self, message: str) -> None:
        self._fail(message)

    def _on_timer_timeout(self) -> None:
        self._fail(f"Nothing to show after {SCREENSHOT_TIMEOUT_S} s; no screenshot taken.")

    def _fail(self, message: str) -> None:
        self.messages.append(message)
        self._finish(1)

    def _finish(self, status: int) -> None:
        if not self._finished:
            self._finished = True
            self._timer.stop()
            self.done.emit(status)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Embedding Explorer")
    window = MainWindow(space_path=args.space)
    status = {"code": 0}

    if args.screenshot is not None:
        run = ScreenshotRun(window, args.screenshot, args.select)

        def on_done(code: int) -> None:
            for message in run.messages:
                print(message, file=sys.stderr)
            status["code"] = code
            window.close()
            app.exit(code)

        run.done.connect(on_done)
    else:
        def on_load_failed(message: str) -> None:
            QMessageBox.critical(window, "Embedding Explorer", message)

        window.load_failed.connect(on_load_failed)
        if args.select:
            window.ready.connect(lambda: window.words_panel.find(args.select))

    window.show()
    window.start()
    code = app.exec()
    window.close()
    return status["code"] if args.screenshot is not None else code


if __name__ == "__main__":
    sys.exit(main())
