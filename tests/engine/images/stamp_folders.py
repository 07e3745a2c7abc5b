"""Real Tux Paint stamps sorted into label folders: a user's picture set (the ImageFolder
layout) for tests that train on one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.images.dataset import STAMPS_ROOT

FOLDERS = (("birds", "animals/birds"), ("fruit", "food/fruit"), ("vehicles", "vehicles"))


def stamps_in_label_folders(root: Path, per_label: int = 5) -> Path:
    """``root``/birds, /fruit, /vehicles with ``per_label`` real stamps each; skips the
    test when the stamps are not installed."""
    if not STAMPS_ROOT.is_dir():
        pytest.skip("tuxpaint-stamps-default is not installed (scripts/setup.sh does it)")
    for label, folder in FOLDERS:
        stamps = sorted((STAMPS_ROOT / folder).rglob("*.png"))[:per_label]
        assert len(stamps) == per_label, folder
        (root / label).mkdir(parents=True, exist_ok=True)
        for stamp in stamps:
            shutil.copy(stamp, root / label / stamp.name)
    return root
