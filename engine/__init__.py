"""Embedding Explorer engine: a Qt-free library that trains and queries embedding spaces.

The GUI (``app/``) and the CLI (``python -m engine``) are two thin clients of it.
"""

from engine.errors import EngineError

__all__ = ["EngineError"]
