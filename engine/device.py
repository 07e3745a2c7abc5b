"""Is there a CUDA GPU? Answered without importing torch where the answer is plainly no.

Importing torch loads ~1 GB of shared libraries and holds the GIL while it does (a
277 ms stall of the GUI thread, measured on 2 cores). The CPU trainer is numba, so a
machine without an NVIDIA driver never needs torch for training.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The NVIDIA kernel driver creates this file; without it CUDA cannot work on Linux.
NVIDIA_DRIVER_FILE = Path("/proc/driver/nvidia/version")


def nvidia_driver_present() -> bool | None:
    """On Linux: whether the NVIDIA driver is loaded. Elsewhere ``None`` (unknown)."""
    if not sys.platform.startswith("linux"):
        return None
    return NVIDIA_DRIVER_FILE.exists()


def cuda_available() -> bool:
    """True when torch sees a CUDA GPU; never imports torch without an NVIDIA driver."""
    if nvidia_driver_present() is False:
        return False
    import torch

    return bool(torch.cuda.is_available())
