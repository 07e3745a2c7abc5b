"""Preparing the trainer's runtime ahead of the first training run.

The trainer imports numba, the compiled kernel, scipy and (with an NVIDIA driver) torch:
seconds of imports that hold the GIL. A GUI asks for them with ``api.PrepareTraining`` a
few seconds after its first plot, on the engine's training lane, so that pressing Train
later starts at once and the window's start-up is not slowed.

Importing torch holds the GIL for ~0.2 s (its shared libraries load) and adds ~190k
objects that every full garbage collection then scans: measured 115-170 ms stalls of the
GUI thread per evaluation on 2 cores. ``gc.freeze`` moves them into the permanent
generation. Without an NVIDIA driver the trainer is numba and never imports torch
(engine.device).
"""

from __future__ import annotations

import gc
import importlib
import threading
import time

HEAVY_MODULES = ("numba", "engine.words.sgns_numba", "engine.words.evaluate",
                 "engine.words.corpus", "engine.storage", "scipy.stats")
_ready = threading.Event()
_lock = threading.Lock()


def prepare_training_runtime() -> float:
    """Import what training needs and load the kernel, then ``gc.freeze``; returns the
    seconds it took (0 when it was done before). Safe from any thread, more than once."""
    with _lock:
        if _ready.is_set():
            return 0.0
        start = time.perf_counter()
        from engine.device import nvidia_driver_present

        names = HEAVY_MODULES if nvidia_driver_present() is False else ("torch", *HEAVY_MODULES)
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError:  # torch is optional on a CPU-only set-up
                pass
        from engine.words import sgns_numba

        sgns_numba.warm_up()  # loading the compiled kernel holds the GIL too
        gc.freeze()
        _ready.set()
        return time.perf_counter() - start


def training_runtime_ready() -> bool:
    return _ready.is_set()
