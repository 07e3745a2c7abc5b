"""Screenshots of colouring and selection on the default word space (docs/).

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshots_appearance.py \
        clusters docs/screenshot-clusters.png
    ... isolate docs/screenshot-isolate.png [--around WORD] [--radius FRACTION]
    ... frequency out.png        ... clusters-3d out.png
    ... isolate-3d out.png [--words apple,pear,...]

``clusters``: 20 k-means clusters; ``isolate``: the same colours, a lasso drawn around
``--around`` (a ragged outline whose radius is a fraction of the view's width), then
Isolate with each selected word's 10 nearest neighbours; ``isolate-3d``: ``--words``
isolated with their neighbours, shown in the 3-D layout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODES = ("clusters", "isolate", "frequency", "clusters-3d", "isolate-3d")


def lasso_outline(centre: tuple[float, float], radius: float, n: int = 48) -> np.ndarray:
    """A hand-drawn-looking closed outline around ``centre`` (view coordinates)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wobble = 1 + 0.25 * np.sin(3 * t) + 0.1 * np.cos(5 * t)
    return np.column_stack([centre[0] + radius * wobble * np.cos(t),
                            centre[1] + 0.8 * radius * wobble * np.sin(t)])


def drag_lasso(view, outline: np.ndarray) -> None:
    """Draw ``outline`` with the mouse, as a user would with the Lasso tool."""
    import time

    widget = view.plot.viewport()
    left = Qt.MouseButton.LeftButton

    def send(kind, x: float, y: float, buttons) -> None:
        at = view.plot.mapFromScene(view.view_box.mapViewToScene(QPointF(x, y)))
        event = QMouseEvent(kind, QPointF(at), QPointF(widget.mapToGlobal(QPoint(at))),
                            left, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)

    send(QMouseEvent.Type.MouseButtonPress, *outline[0], left)
    for x, y in [*outline[1:], outline[0]]:
        time.sleep(0.012)  # pyqtgraph drops moves closer than 10 ms apart
        send(QMouseEvent.Type.MouseMove, x, y, left)
    send(QMouseEvent.Type.MouseButtonRelease, *outline[0], Qt.MouseButton.NoButton)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("out", type=Path)
    parser.add_argument("--around", default="fruit")
    parser.add_argument("--radius", type=float, default=0.012)
    parser.add_argument("-k", type=int, default=20)
    parser.add_argument("--words", default="apple,pear,plum,cherry,grape,lemon")
    args = parser.parse_args()

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    from app.main_window import MainWindow
    from main import grab_window

    window = MainWindow()
    window.show()
    bar = window.views.appearance_bar
    status = {"code": 1}

    def grab() -> None:
        window.state.set_hover(None)  # the simulated mouse stopped over a word
        window.scatter.plot.getPlotItem().autoBtn.hide()  # shown while the mouse is over
        # 256 colours lose nothing visible here and make the PNG four times smaller.
        image = grab_window(window).toImage().convertToFormat(
            QImage.Format.Format_Indexed8,
            Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither)
        status["code"] = 0 if image.save(str(args.out), "PNG", 0) else 1
        print(window.statusBar().currentMessage())
        app.quit()

    def after_colours() -> None:
        if window.state.colours is None:
            return
        bar.colours_applied.disconnect(after_colours)
        if args.mode == "isolate":
            view = window.scatter
            row = window.state.row_of(args.around)
            (x0, x1), _ = view.view_box.viewRange()
            window.views.selection_bar.set_tool("lasso")
            drag_lasso(view, lasso_outline(tuple(window.state.coords[row]),
                                           args.radius * (x1 - x0)))
            window.views.selection_bar.set_tool("pick")
            window.views.selection_bar.isolated.connect(lambda _n: QTimer.singleShot(300, grab))
            window.views.selection_bar.isolate()
        elif args.mode == "isolate-3d":
            bar3d = window.views.selection_bar
            window.state.set_selected_set(
                [w for w in args.words.split(",") if w in window.state.space])
            window.projection_panel.projection_shown.connect(
                lambda: QTimer.singleShot(500, grab))
            bar3d.isolated.connect(lambda _n: window.views.show_dims(3))
            bar3d.isolate()
        elif args.mode == "clusters-3d":
            window.projection_panel.projection_shown.connect(
                lambda: QTimer.singleShot(500, grab))
            window.views.show_dims(3)
        else:
            QTimer.singleShot(300, grab)

    def on_ready() -> None:
        bar.colours_applied.connect(after_colours)
        if args.mode == "frequency":
            bar.choose("frequency")
        else:
            bar.choose("cluster", k=args.k)

    window.ready.connect(on_ready)
    window.load_failed.connect(lambda message: (print(message), app.quit()))
    QTimer.singleShot(300_000, app.quit)
    window.start()
    app.exec()
    window.close()
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
