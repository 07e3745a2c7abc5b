"""Where the engine keeps caches and finds its shipped resources."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = REPO_ROOT / "resources"
DEFAULT_WORD_SPACE = RESOURCES / "words" / "default-space"


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
