"""The last line of defence: an exception nothing caught becomes a dialog and a log entry.

Slots that raise do not stop Qt's event loop; PySide6 prints the traceback through
``sys.excepthook`` and carries on. Without a hook the user sees nothing at all (no
console) and the program silently misbehaves; with it they read what happened and where
the details are, and can report it. Exceptions on other threads (``threading.excepthook``)
are sent to the GUI thread through a queued signal.
"""

from __future__ import annotations

import datetime
import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from engine.errors import EngineError
from engine.paths import cache_dir

LOG_NAME = "errors.log"
_MAX_LOG_BYTES = 1_000_000


def log_file() -> Path:
    """``<cache>/logs/errors.log``."""
    return cache_dir("logs") / LOG_NAME


def write_log(exc_type: type[BaseException], exc: BaseException,
              tb: TracebackType | None, where: str = "") -> Path | None:
    """Append the traceback to the log (started afresh past 1 MB); None if unwritable."""
    try:
        path = log_file()
        mode = "w" if path.exists() and path.stat().st_size > _MAX_LOG_BYTES else "a"
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with path.open(mode, encoding="utf-8") as f:
            f.write(f"---- {stamp}{' ' + where if where else ''}\n")
            f.write("".join(traceback.format_exception(exc_type, exc, tb)))
        return path
    except OSError:
        return None


def user_message(exc: BaseException, log: Path | None) -> str:
    """What the dialog says: the error in one line, then where the details are."""
    if isinstance(exc, EngineError):
        return str(exc)  # already worded for a person: what is wrong, what to do
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    details = (f"Details saved to {log}." if log is not None
               else "The details could not be saved (the cache folder is not writable).")
    return (f"Something went wrong: {what}\n{details} The program keeps running; if this "
            "keeps happening, please report it with that file.")


class ErrorReporter(QObject):
    """Installed once per program; shows at most one error dialog at a time (a slot
    that fails on every repaint must not bury the window under dialogs)."""

    error_reported = Signal(str)  # the message shown (or that would have been)

    def __init__(self, window: QWidget | None = None) -> None:
        super().__init__()
        self.window = window
        self.box: QMessageBox | None = None
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._log_handler: logging.Handler | None = None
        self._show_requested.connect(self._on_self_show_requested)

    _show_requested = Signal(str)

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        # A bug inside an engine job reaches the window as "Internal error (…)"; its
        # traceback, which the engine logs, belongs in the same file.
        try:
            handler = logging.FileHandler(log_file(), encoding="utf-8", delay=True)
        except OSError:
            return
        handler.setLevel(logging.ERROR)
        handler.setFormatter(logging.Formatter("---- %(asctime)s %(message)s"))
        logging.getLogger("engine").addHandler(handler)
        self._log_handler = handler

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook
        if self._log_handler is not None:
            logging.getLogger("engine").removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None

    def excepthook(self, exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        where = f"thread {args.thread.name}" if args.thread is not None else ""
        self.report(args.exc_type, args.exc_value, args.exc_traceback, where)

    def report(self, exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None, where: str = "") -> None:
        log = write_log(exc_type, exc, tb, where)
        message = user_message(exc, log)
        print(message.splitlines()[0], file=sys.stderr)
        # A queued signal: safe from any thread, and the dialog opens after the failing
        # slot has returned rather than inside it.
        self._show_requested.emit(message)

    def _on_self_show_requested(self, message: str) -> None:
        self.error_reported.emit(message)
        window = self.window
        if window is not None and hasattr(window, "show_message"):
            window.show_message(message)
        if self.box is not None and self.box.isVisible():
            return
        if QApplication.instance() is None:
            return
        from app.dialogs import show_error

        self.box = show_error(window, "Unexpected error", message)
        self.box.finished.connect(self._on_box_finished)

    def _on_box_finished(self, *_: object) -> None:
        self.box = None  # deleted on close: never touch it again
