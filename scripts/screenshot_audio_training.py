"""A screenshot of the Training tab's "Audio models" training on a user's own clips, and
of the Audio tab ranking one of those clips with the models it saved (docs/).

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot_audio_training.py \
        CLIPS OUT_FOLDER docs/screenshot-audio-training.png [--epochs 6]

CLIPS: a folder of sound files named by word, or a CSV of path,word[,speaker]
(engine/audio/clip_sets.py). Add ``--test-clip FILE docs/X.png`` to also rank FILE in the
Audio tab with the new models and save that picture.
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
    parser.add_argument("clips", type=Path)
    parser.add_argument("models", type=Path, help="the folder the models are saved in")
    parser.add_argument("out", type=Path)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--letter-epochs", type=int, default=30)
    parser.add_argument("--test-clip", nargs=2, type=Path, default=None,
                        metavar=("FILE", "PNG"))
    args = parser.parse_args()

    from screenshots_images import wait_until  # scripts/, beside this one

    from app.main_window import MainWindow

    app = QApplication([])
    window = MainWindow()
    window.resize(1400, 800)
    window.show()
    window.start()
    wait_until(app, lambda: len(window.state.coords) > 0, 120, "the word space")
    window.show_tab("training")
    window.training_tabs.setCurrentWidget(window.audio_training_panel)
    panel = window.audio_training_panel
    panel.dataset.setText(str(args.clips))
    panel.output_path.setText(str(args.models))
    panel.epochs.setValue(args.epochs)
    panel.letter_epochs.setValue(args.letter_epochs)
    done = []
    panel.finished.connect(done.append)
    panel.train()
    wait_until(app, lambda: bool(done) or not panel.is_training, 1800, "the training")
    for _ in range(30):
        app.processEvents()
        time.sleep(0.03)
    print(panel.state_label.text())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    print(f"wrote {args.out}")
    if args.test_clip and done:
        clip, png = args.test_clip
        window.show_tab("audio")
        shown = []
        window.audio_panel.ranked.connect(shown.append)
        window.audio_panel.rank_file(clip)
        wait_until(app, lambda: bool(shown), 120, "the ranked words")
        for _ in range(30):
            app.processEvents()
            time.sleep(0.03)
        print("by sound:", window.audio_panel.shown_words("by_sound")[:5])
        window.grab().save(str(png))
        print(f"wrote {png}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
