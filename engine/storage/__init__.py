"""Saving, loading, importing and exporting embedding spaces (moved to native.py; the
next commit splits it by concern)."""

from engine.storage.native import *  # noqa: F403
