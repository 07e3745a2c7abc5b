"""Cancellation and progress reporting shared by every long-running engine job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Cancelled(Exception):
    """Raised inside a job when its CancelToken was set; the job leaves nothing half-written."""


class CancelToken:
    """A flag a job polls between small units of work (never more than ~0.1 s apart)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """One progress report: ``fraction`` in [0, 1], a short message and free-form numbers."""

    fraction: float
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """The default progress callback: ignore reports."""


def sub_progress(progress: ProgressCallback, start: float, span: float) -> ProgressCallback:
    """A callback for one part of a job: its fractions 0..1 land in start..start + span of
    ``progress``, with the part's message and numbers."""
    return lambda p: progress(Progress(start + span * p.fraction, p.message, p.stats))


NEVER_CANCELLED = CancelToken()
