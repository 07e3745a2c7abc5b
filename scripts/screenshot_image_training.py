"""Screenshot of the Training tab's image models training on the default picture set
(docs/screenshot-image-training.png): every model, the default settings, the real data.

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot_image_training.py \
        docs/screenshot-image-training.png [--epochs N]
        [--pictures FOLDER_OR_CSV --save MODELS --label PICTURE IMAGES_PNG]

It trains for real (minutes on 2 CPU cores). With --pictures it trains on a user's own
set instead (no restyled copies); with --save the models are saved there, and with
--label the Images tab then labels PICTURE with them and is grabbed to IMAGES_PNG.
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
    parser.add_argument("--pictures", type=Path, help="a folder or CSV of your own")
    parser.add_argument("--save", type=Path, help="output folder for the models")
    parser.add_argument("--label", nargs=2, type=Path, metavar=("PICTURE", "IMAGES_PNG"))
    args = parser.parse_args()

    from screenshots_images import wait_until  # scripts/, beside this one

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
    if args.pictures:
        panel.picture_set.setText(str(args.pictures))
        panel.restyled.setChecked(False)
    if args.save:
        panel.output_path.setText(str(args.save))
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
    if args.label and args.save:
        picture, shot = args.label
        window.show_tab("images")
        images = window.images_panel
        images.label([picture])
        wait_until(app, lambda: str(picture) in images.results, 120, "the shipped labels")
        images.use_models(args.save)
        wait_until(app, lambda: str(picture) in images.results, 120, "the saved models")
        images.pictures.setCurrentRow(0)
        for _ in range(20):  # let the lists repaint
            app.processEvents()
            time.sleep(0.05)
        window.grab().save(str(shot))
        print(f"wrote {shot}: {images.models_choice.currentText()}, classifier "
              f"{images.shown_labels('classifier')[:3]}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
