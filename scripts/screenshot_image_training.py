"""Screenshot of the Training tab's image models training on the default picture set
(docs/screenshot-image-training.png): every model, the default settings, the real data.

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot_image_training.py \
        docs/screenshot-image-training.png [--epochs N]

It trains for real (minutes on 2 CPU cores) and saves nothing but the picture.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--epochs", type=int, default=0, help="0: the panel's default")
    args = parser.parse_args()

    from app.main_window import MainWindow

    app = QApplication([])
    window = MainWindow()
    window.resize(1560, 940)
    window.show()
    window.start()
    window.show_tab("training")
    panel = window.image_training_panel
    window.training_tabs.setCurrentWidget(panel)
    if args.epochs:
        panel.epochs.setValue(args.epochs)
    started = time.monotonic()
    panel.train()
    while panel.is_training:
        app.processEvents()
        time.sleep(0.05)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.03)
    print(f"{panel.state_label.text()} ({time.monotonic() - started:.0f} s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    print(f"wrote {args.out}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
