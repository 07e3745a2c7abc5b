"""Embedding Explorer: ``python main.py [--space PATH] [--select WORD] [--view 2d|3d]
[--tab words|training] [--train CORPUS] [--analogy 'A B C'] [--evaluate]
[--screenshot PNG [--dialog about|file-menu|import-error]] [--settings INI]``.

Without ``--screenshot`` it opens the window. With it, it waits until the space and its
projection are shown (the 3-D one with ``--view 3d``, and the selection's neighbours with
``--select``, the analogy's answer with ``--analogy``, the evaluation and its first
failure with ``--evaluate``; with ``--train``, until that training run and its evaluations
ended), saves the window as a PNG and exits: 0 when saved, 1 when the space could not be shown.
``--dialog`` takes the picture with the About box, the File menu or an import error open.

The window remembers the last space, its layout and projection in the user's QSettings
(``--settings`` names an INI file instead; scripted screenshots use none). An exception
nothing caught shows a dialog and is written to ``<cache>/logs/errors.log``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.errors import ErrorReporter
from app.main_window import MainWindow
from app.settings import Settings

SCREENSHOT_TIMEOUT_S = 300


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=None,
                        help="a native space folder or a vectors file (default: the shipped "
                             "word space)")
    parser.add_argument("--select", metavar="WORD", help="select this word once loaded")
    parser.add_argument("--view", choices=("2d", "3d"), default="2d",
                        help="start with the 2-D or the 3-D layout (default: 2d)")
    parser.add_argument("--tab", default="words", choices=("words", "images", "training"),
                        help="the tab to open on")
    parser.add_argument("--train", metavar="CORPUS",
                        help="train a word space on this text file or folder ('default': "
                             "the default corpus) with the Training tab's settings once the "
                             "space is shown")
    parser.add_argument("--analogy", metavar="'A B C'",
                        help="once loaded, complete the analogy A − B + C and draw its arrows")
    parser.add_argument("--compare", type=Path, metavar="SPACE",
                        help="open the Compare tab with this second space (a folder, a file "
                             "or a name such as glove-6b-50d); --select and --analogy are "
                             "then answered in both spaces")
    parser.add_argument("--label", type=Path, nargs="+", metavar="PICTURE",
                        help="label these pictures (or folders) in the Images tab once "
                             "loaded (with --screenshot: the picture waits for the labels)")
    parser.add_argument("--overlay", action="store_true",
                        help="with --compare: align the space to the second one and show "
                             "both in one layout (then --select draws its counterparts)")
    parser.add_argument("--evaluate", action="store_true",
                        help="once loaded, evaluate the space in the Evaluation panel (with "
                             "--screenshot: and show its first failure in the plot)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="save the window to this PNG once loaded, then exit")
    parser.add_argument("--dialog", choices=SCREENSHOT_DIALOGS,
                        help="with --screenshot: open the About box, the File menu, or "
                             "import a corrupt file, and take the picture with it open")
    parser.add_argument("--settings", type=Path, metavar="INI",
                        help="remember settings in this INI file instead of the user's "
                             "(with --screenshot, none are read or written without it)")
    return parser.parse_args(argv)


def grab_window(window: MainWindow) -> QPixmap:
    """The window as a picture. ``QWidget.grab`` re-renders an OpenGL view into a pixmap
    and loses what ``GLTextItem`` paints with a QPainter (the labels), so a visible 3D
    view is copied from its own framebuffer on top."""
    pixmap = window.grab()
    view3d = window.views.view3d
    if view3d is not None and view3d.isVisible():
        gl_view = view3d.view
        painter = QPainter(pixmap)
        painter.drawImage(gl_view.mapTo(window, QPoint(0, 0)), gl_view.grabFramebuffer())
        painter.end()
    return pixmap


class ScreenshotRun(QObject):
    """Waits for ``window`` to show its space (and ``select``'s neighbours), saves it to
    ``out`` and emits ``done`` with an exit status; errors go to ``messages``."""

    done = Signal(int)

    def __init__(self, window: MainWindow, out: Path, select: str | None = None,
                 timeout_s: float = SCREENSHOT_TIMEOUT_S, view: str = "2d",
                 train: str | None = None, analogy: str | None = None,
                 evaluate: bool = False, compare: Path | None = None,
                 overlay: bool = False, label: list[Path] | None = None) -> None:
        super().__init__(window)
        self.label = label
        self.compare = compare
        self.overlay = overlay
        self.analogy = analogy
        self.evaluate = evaluate
        self.window = window
        self.out = Path(out)
        self.select = select
        self.view = view
        self.train = train
        self._training = False
        self.messages: list[str] = []
        self._finished = False
        window.ready.connect(self._on_window_ready)
        window.load_failed.connect(self._on_window_load_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(round(timeout_s * 1000))

    def _on_window_ready(self) -> None:
        if self._training:  # "follow training" shows each epoch's space: not the end
            return
        if self.train:
            self._training = True
            self.window.training_panel.settled.connect(self._grab_soon)
            start_training(self.window, self.train)
            return
        if self.view == "3d" and self.window.state.dims != 3:
            panel = self.window.projection_panel
            panel.projection_shown.connect(self._on_window_ready)
            panel.projection_ended.connect(self._on_projection_ended)
            self.window.views.show_dims(3)
            return
        if self.label:
            panel = self.window.images_panel
            self.window.tabs.setCurrentWidget(panel)
            panel.labelled.connect(self._grab_soon)
            panel.label(self.label)
            return
        if self.compare is not None and self.overlay:
            panel = self.window.compare_panel
            self.window.side_tabs.setCurrentWidget(panel)
            panel.compare_with(self.compare)
            self.overlay = False
            panel.overlaid.connect(self._on_window_ready)  # then go on as if just loaded
            panel.overlay()
            return
        if self.compare is not None:
            panel = self.window.compare_panel
            self.window.side_tabs.setCurrentWidget(panel)
            panel.compare_with(self.compare)
            if self.analogy or self.select:  # the picture waits for both answers
                panel.compared.connect(self._grab_soon)
        if self.analogy:
            self._run_analogy()
            return
        if self.evaluate:
            self._run_evaluation()
            return
        if not self.select:
            self._grab_soon()
            return
        panel = self.window.words_panel
        if self.compare is None:
            panel.neighbours_shown.connect(self._grab_soon)
        panel.search_failed.connect(self._on_panel_search_failed)
        panel.find(self.select)

    def _run_analogy(self) -> None:
        terms = self.analogy.split()
        if len(terms) != 3:
            self._fail(f"--analogy needs three words, 'A B C' for A − B + C; got {self.analogy!r}.")
            return
        panel = self.window.words_panel
        if self.compare is None:
            panel.analogy_shown.connect(self._grab_soon)
        panel.analogy_failed.connect(self._on_panel_search_failed)
        panel.run_analogy(*terms)

    def _run_evaluation(self) -> None:
        panel = self.window.evaluation_panel
        self.window.side_tabs.setCurrentWidget(panel)
        panel.evaluation_shown.connect(self._on_evaluation_shown)
        panel.evaluation_ended.connect(self._on_evaluation_ended)
        panel.run()

    def _on_evaluation_shown(self) -> None:
        panel = self.window.evaluation_panel
        if panel.failures.topLevelItemCount():  # show one failure the way a click does
            panel.failures.setCurrentItem(panel.failures.topLevelItem(0))
            panel.show_failure(panel.shown_failures()[0])
        self._grab_soon()

    def _on_evaluation_ended(self) -> None:
        self._fail("The evaluation failed or was cancelled; no screenshot taken.")

    def _on_projection_ended(self) -> None:
        self._fail("The 3-D layout could not be computed; no screenshot taken.")

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
        if grab_window(self.window).save(str(self.out)):
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


SCREENSHOT_DIALOGS = ("about", "file-menu", "import-error")


class DialogScreenshot(QObject):
    """``--dialog``: once the space is shown, open the About box or the File menu (or
    import a corrupt file, for its error box), then save the window with it on top."""

    done = Signal(int)

    def __init__(self, window: MainWindow, out: Path, what: str) -> None:
        super().__init__(window)
        self.window = window
        self.out = Path(out)
        self.what = what
        self.popup: QWidget | None = None
        window.ready.connect(self._on_window_ready)
        window.load_failed.connect(lambda _message: self.done.emit(1))
        window.error_shown.connect(self._on_window_error_shown)

    def _on_window_ready(self) -> None:
        if self.what == "about":
            self.window.about_action.trigger()
            self.popup = self.window.findChild(QWidget, "about_dialog")
        elif self.what == "file-menu":
            menu = self.window.menuBar().actions()[0].menu()
            menu.popup(self.window.mapToGlobal(
                self.window.menuBar().actionGeometry(menu.menuAction()).bottomLeft()))
            self.popup = menu
        else:
            import tempfile

            from engine import api

            bad = Path(tempfile.mkdtemp()) / "glove-sample.txt"
            bad.write_text("the 0.1 0.2 0.3\nof 0.4 0.5 0.6\nand 0.7 0,8 0.9\n",
                           encoding="utf-8")
            self.window.import_vectors(api.ImportVectors(bad, save_to=bad.with_suffix("")))
            return
        QTimer.singleShot(500, self._grab)

    def _on_window_error_shown(self, _message: str) -> None:
        if self.what == "import-error":
            self.popup = self.window.findChild(QWidget, "error_dialog")
            QTimer.singleShot(500, self._grab)

    def _grab(self) -> None:
        pixmap = grab_window(self.window)
        if self.popup is not None:
            painter = QPainter(pixmap)
            if isinstance(self.popup, QMenu):
                at = self.window.mapFromGlobal(self.popup.pos())
            else:  # a dialog: centred, as a window manager would place it
                at = QPoint((pixmap.width() - self.popup.width()) // 2,
                            (pixmap.height() - self.popup.height()) // 3)
            painter.drawPixmap(at, self.popup.grab())
            painter.end()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.done.emit(0 if pixmap.save(str(self.out)) else 1)


def start_training(window: MainWindow, corpus: str) -> None:
    panel = window.training_panel
    panel.set_corpus(None if corpus == "default" else Path(corpus))
    panel.train()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if QApplication.instance() is None:
        # pyqtgraph keeps one compiled shader per item class for the whole process; a GL
        # view in a second context can only use it when contexts share resources.
        QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Embedding Explorer")
    app.setOrganizationName("Embedding Explorer")
    if args.settings is not None:
        settings = Settings.in_file(args.settings)
    else:  # a scripted screenshot must not depend on, or change, what the user last did
        settings = None if args.screenshot is not None else Settings()
    window = MainWindow(space_path=args.space, settings=settings)
    errors = ErrorReporter(window)
    errors.install()
    status = {"code": 0}

    if args.screenshot is not None and args.dialog:
        dialog_run = DialogScreenshot(window, args.screenshot, args.dialog)

        def on_dialog_done(code: int) -> None:
            status["code"] = code
            window.close()
            app.exit(code)

        dialog_run.done.connect(on_dialog_done)
    elif args.screenshot is not None:
        run = ScreenshotRun(window, args.screenshot, args.select, view=args.view,
                            train=args.train, analogy=args.analogy, evaluate=args.evaluate,
                            compare=args.compare, overlay=args.overlay, label=args.label)

        def on_done(code: int) -> None:
            for message in run.messages:
                print(message, file=sys.stderr)
            status["code"] = code
            window.close()
            app.exit(code)

        run.done.connect(on_done)
    else:
        # A space that cannot be opened shows a dialog from the window itself.
        if args.view == "3d":
            window.ready.connect(lambda: window.views.show_dims(3))
        if args.select:
            window.ready.connect(lambda: window.words_panel.find(args.select))
        if args.analogy and len(args.analogy.split()) == 3:
            window.ready.connect(lambda: window.words_panel.run_analogy(*args.analogy.split()))
        if args.evaluate:
            window.ready.connect(window.evaluation_panel.run)
        if args.label:
            window.ready.connect(lambda: window.images_panel.label(args.label))
        if args.compare is not None:
            window.side_tabs.setCurrentWidget(window.compare_panel)
            window.ready.connect(lambda: window.compare_panel.compare_with(args.compare))
        if args.train:
            QTimer.singleShot(0, lambda: start_training(window, args.train))

    window.show_tab(args.tab)
    window.show()
    window.start()
    code = app.exec()
    window.close()
    errors.uninstall()
    return status["code"] if args.screenshot is not None else code


if __name__ == "__main__":
    sys.exit(main())
