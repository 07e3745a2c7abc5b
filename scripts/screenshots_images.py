"""Screenshots of the Images tab: the image-label space with its pictures, and a picture
labelled by every model and drawn among the labels (docs/).

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshots_images.py \
        PICTURE docs/screenshot-images.png [--zoom FRACTION] [--select LABEL]

``--zoom``: the view's width around the dropped picture, as a fraction of the whole
layout's (small enough and the atlas's thumbnails show); ``--select``: click that label.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def wait_until(app: QApplication, condition, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("picture", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--zoom", type=float, default=1.0)
    parser.add_argument("--select", default="")
    args = parser.parse_args()

    from app.main_window import MainWindow

    app = QApplication([])
    window = MainWindow()
    window.resize(1560, 940)
    window.show()
    window.start()
    state = window.label_state
    wait_until(app, lambda: len(window.state.coords) > 0, 120, "the word space")
    window.show_tab("images")
    wait_until(app, lambda: state.pictures is not None, 180, "the pictures among the labels")
    window.images_panel.label([args.picture])
    wait_until(app, lambda: len(state.probes) > 0, 120, "the dropped picture's probe")
    if args.select:
        window.selection.select(args.select)
    view = window.label_space_panel.views.view2d
    if args.zoom < 1.0:
        xy = state.coords[:, :2]
        extent = (xy.max(axis=0) - xy.min(axis=0)) * args.zoom / 2
        centre = np.asarray(state.probes[0].position[:2], dtype=float)
        view.view_box.setRange(xRange=(centre[0] - extent[0], centre[0] + extent[0]),
                               yRange=(centre[1] - extent[1], centre[1] + extent[1]),
                               padding=0)
    for _ in range(30):
        app.processEvents()
        time.sleep(0.03)
    print(f"thumbnails shown: {len(view.shown_thumbnails())}; probe links: "
          f"{view.probe_links()}; highlighted: {state.highlighted}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    print(f"wrote {args.out}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
