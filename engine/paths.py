"""Where the engine keeps caches and finds its shipped resources."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = REPO_ROOT / "resources"
DEFAULT_WORD_SPACE = RESOURCES / "words" / "default-space"
DEFAULT_AUDIO_MODELS = RESOURCES / "audio" / "default-models"
# Spaces a request may name instead of a path (engine/spaces/named.py opens them): the
# shipped default space, the pretrained ones converted from PyPI packages, and the
# image-label space made from the shipped image models.
SPACE_NAMES = ("default", "glove-6b-50d", "image-labels", "audio-words")


def names_a_space(path: Path | str | None) -> bool:
    """Whether ``path`` is one of ``SPACE_NAMES`` and no file or folder of that name
    exists (a real path wins)."""
    return path is not None and str(path) in SPACE_NAMES and not Path(str(path)).exists()


def cache_dir(*parts: str) -> Path:
    """``$EMBEDDING_EXPLORER_CACHE`` or ``$XDG_CACHE_HOME/embedding-explorer`` (default
    ``~/.cache/embedding-explorer``), with ``parts`` appended and created."""
    root = os.environ.get("EMBEDDING_EXPLORER_CACHE")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "embedding-explorer"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
