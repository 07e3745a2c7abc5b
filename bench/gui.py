"""Desktop responsiveness on the default space (57,812 words) or another (``--space``,
e.g. ``glove-6b-50d``: 400,000 words).

- start-up: wall time of ``python main.py --screenshot`` (process start, Qt, loading the
  space, its shipped UMAP layout, first paint, PNG written), several runs, median; the
  goal is under 3 s.
- frame time: repaints of the 2D view (pyqtgraph ScatterPlotItem) and the 3D view
  (GLScatterPlotItem) with every word on screen, while the camera moves each frame.
- new layout of the same words: what "follow training" does at each epoch (a new space,
  then its layout), to the repainted 2D view.

Run under an X server with OpenGL (Xvfb + Mesa here):

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m bench.gui --json
    xvfb-run -a -s "-screen 0 1600x1000x24" python -m bench.gui --json --space glove-6b-50d
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def startup_seconds(runs: int, space: str | None = None) -> list[float]:
    times = []
    extra = ["--space", space] if space else []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "shot.png"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "main.py"), "--screenshot", str(out),
                            *extra], cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
            if not out.exists():
                raise SystemExit("main.py --screenshot wrote no PNG")
    return times


def frame_times(frames: int, space: str | None = None) -> dict[str, dict[str, float]]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication([])
    from app.main_window import MainWindow

    window = MainWindow(space_path=space)
    window.resize(1400, 900)
    ready = []
    window.ready.connect(lambda: ready.append(True))
    window.show()
    window.start()
    deadline = time.perf_counter() + 60
    while not ready and time.perf_counter() < deadline:
        app.processEvents()
    if not ready:
        raise SystemExit(f"the space {space or 'default'} did not load within 60 s")
    # The trainer's warm-up (imports that hold the GIL for seconds) starts 3 s after the
    # first plot; run it now, so that it lands in no measurement below.
    panel = window.training_panel
    panel._submit_warm_up()
    while not panel.trainer_ready and time.perf_counter() < deadline + 60:
        app.processEvents()
    results = {}

    view_box = window.scatter.view_box
    x0, x1 = view_box.viewRange()[0]
    times = []
    for i in range(frames):
        shift = (x1 - x0) * 0.002 * (1 if i % 2 else -1)
        t0 = time.perf_counter()
        view_box.translateBy(x=shift)
        window.scatter.plot.repaint()
        app.processEvents()
        times.append(time.perf_counter() - t0)
    results["2d"] = summarise(times, len(window.state.keys))

    # What "follow training" does at each epoch: the same words arrive as a new space,
    # then a new layout; measured to the repainted view.
    state = window.state
    space, keys, coords, params = state.space, state.keys, state.coords.copy(), \
        state.projection_params
    times = []
    for i in range(max(10, frames // 4)):
        t0 = time.perf_counter()
        state.set_space(space, state.space_path)
        state.set_projection(keys, coords + np.float32(1e-3 * (i % 2)), params)
        window.scatter.plot.repaint()
        app.processEvents()
        times.append(time.perf_counter() - t0)
    results["2d_new_layout_same_words"] = summarise(times, len(keys))

    window.views.show_dims(3)
    deadline = time.perf_counter() + 60
    while (window.state.coords is None or window.state.coords.shape[1] != 3) and \
            time.perf_counter() < deadline:
        app.processEvents()
    gl_view = window.views.view3d.view
    times = []
    for _ in range(frames):
        t0 = time.perf_counter()
        gl_view.orbit(2.0, 0.0)
        gl_view.repaint()
        app.processEvents()
        times.append(time.perf_counter() - t0)
    results["3d"] = summarise(times, len(window.state.keys))
    window.close()
    return results


def summarise(times: list[float], points: int) -> dict[str, float]:
    ms = sorted(1000 * t for t in times[3:])  # the first frames build GPU buffers
    return {"points": points, "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2), "frames": len(ms)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gui", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="start-up runs")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--space", default=None,
                        help="a space folder, file or name (default: the default space)")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: bench/results/gui.json, or gui-SPACE.json")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        raise SystemExit("Needs an X server with OpenGL: run under xvfb-run (see --help).")
    starts = startup_seconds(args.runs, args.space)
    command = 'xvfb-run -a -s "-screen 0 1600x1000x24" python -m bench.gui --json'
    result = {
        "benchmark": "gui",
        "space": args.space or "default",
        "command": command + (f" --space {args.space}" if args.space else ""),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": len(os.sched_getaffinity(0)),
                    "display": "Xvfb + Mesa (software OpenGL)"},
        "startup_seconds": {"median": round(statistics.median(starts), 2),
                            "runs": [round(t, 2) for t in starts], "goal": 3.0},
        "frame_time": frame_times(args.frames, args.space),
    }
    out = args.out or RESULTS / (f"gui-{Path(args.space).name}.json" if args.space
                                 else "gui.json")
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1) if args.json else
          f"start-up {result['startup_seconds']['median']} s; frames {result['frame_time']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
