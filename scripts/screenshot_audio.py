"""A screenshot of the Audio tab: a sound file of one word ranked by sound and by spelling,
with its waveform and log-mel spectrogram, and a typed word's sound-alikes (docs/).

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot_audio.py \
        SOUND docs/screenshot-audio.png [--sounds-like WORD] [--models FOLDER]

With ``--record SECONDS`` the take comes from the microphone instead (scripts/
virtual_mic.sh and ``paplay --device=vmic SOUND`` make SOUND the microphone's input).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sound", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sounds-like", default="")
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--record", action="store_true",
                        help="play SOUND into the virtual microphone and record it")
    args = parser.parse_args()

    from screenshots_images import wait_until  # scripts/, beside this one

    from app.main_window import MainWindow

    app = QApplication([])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.start()
    wait_until(app, lambda: len(window.state.coords) > 0, 120, "the word space")
    window.show_tab("audio")
    panel = window.audio_panel
    panel.models_folder = args.models
    space = window.audio_state
    if args.models is None:  # the audio-word space: laid out again by UMAP once opened
        wait_until(app, lambda: space.projection_params is not None
                   and space.projection_params.method == "umap" and len(space.coords) > 0,
                   300, "the audio-word space's UMAP layout")
    shown = []
    panel.ranked.connect(shown.append)
    if args.record:
        panel.start_recording()
        wait_until(app, lambda: panel.recording and panel._recorder.seconds > 0.2, 20,
                   "the microphone")
        player = subprocess.Popen(["paplay", "--device=vmic", str(args.sound)])
        wait_until(app, lambda: player.poll() is not None, 20, "the word to play")
        end = time.monotonic() + 0.3
        wait_until(app, lambda: time.monotonic() > end, 1, "the tail")
        panel.stop_recording()
    else:
        panel.rank_file(args.sound)
    wait_until(app, lambda: bool(shown), 120, "the ranked words")
    if args.models is None:
        wait_until(app, lambda: bool(space.probes), 60, "the take among the words")
    if args.sounds_like:
        panel.word_box.setText(args.sounds_like)
        panel.find_sounds_like(args.sounds_like)
        wait_until(app, lambda: panel.sounds_like.topLevelItemCount() > 0, 60,
                   "the sound-alikes")
    for _ in range(30):
        app.processEvents()
        time.sleep(0.03)
    print("by sound:", panel.shown_words("by_sound")[:5])
    print("by spelling:", panel.shown_words("by_spelling")[:5])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    print(f"wrote {args.out}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
