"""``EngineClient``: the Qt bridge to ``engine.engine.EngineThread``.

The engine runs each job on one of its lane threads and reports through ``JobCallbacks``
on that thread. The callbacks only emit this object's signals; because the client lives
in the GUI thread, Qt queues an emission made on another thread and delivers it on the
GUI thread, so slots never race with the widgets they update.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.engine import EngineThread, Job, JobCallbacks


class EngineClient(QObject):
    """Submit requests (``engine.api``) and hear about them through signals.

    Every signal carries the job id that :meth:`submit` returned, so a listener keeps the
    ids it cares about and ignores the rest.
    """

    job_progress = Signal(int, object)  # job id, engine.jobs.Progress
    job_finished = Signal(int, object)  # job id, the result
    job_failed = Signal(int, str)  # job id, a message a person can act on
    job_cancelled = Signal(int)
    # Emitted on the engine's lane threads, so delivered queued on the GUI thread, where
    # it re-emits the public signal above unless the client was shut down in between (a
    # panel must not submit a follow-up job to a closed client).
    _report = Signal(str, tuple)

    def __init__(self, engine_thread: EngineThread | None = None,
                 parent: QObject | None = None, channel: str = "") -> None:
        super().__init__(parent)
        self._engine_thread = engine_thread or EngineThread()
        # A newer request cancels a stale one of the same type on the same channel only.
        self.channel = channel
        self._owns_thread = True
        self._channels: dict[str, EngineClient] = {}
        self._jobs: dict[int, Job] = {}
        self._closed = False
        self._callbacks = JobCallbacks(
            progress=self._emit_progress,
            finished=self._emit_finished,
            failed=self._emit_failed,
            cancelled=self._emit_cancelled,
        )
        # Connected first, so the job is forgotten before other slots run; queued, so it
        # always runs after ``submit`` stored the job, even for a job that ends at once.
        self._report.connect(self._on_self_report)
        self.job_finished.connect(self._on_self_job_ended)
        self.job_failed.connect(self._on_self_job_ended)
        self.job_cancelled.connect(self._on_self_job_ended)

    # ---- API -------------------------------------------------------------------------
    def submit(self, request: Any) -> int:
        """Queue ``request``; a newer query of the same type cancels a stale one."""
        if self._closed:
            raise RuntimeError("The engine client was shut down.")
        job = self._engine_thread.submit(request, self._callbacks, self.channel)
        self._jobs[job.id] = job
        return job.id

    def on_channel(self, channel: str) -> EngineClient:
        """A client of the same engine whose requests only supersede each other: one per
        space on screen, so the word space's and the image-label space's loads and
        projections run side by side. It signals its own jobs only and is shut down with
        this one."""
        if channel == self.channel:
            return self
        client = self._channels.get(channel)
        if client is None:
            client = EngineClient(self._engine_thread, self, channel)
            client._owns_thread = False
            self._channels[channel] = client
        return client

    def cancel(self, job_id: int) -> None:
        job = self._jobs.get(job_id)
        if job is not None:
            job.cancel()

    def pending(self) -> list[int]:
        """Ids of the jobs submitted and not yet reported as ended on the GUI thread."""
        return sorted(self._jobs)

    @property
    def is_running(self) -> bool:
        return self._engine_thread.is_running

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every job, stop the lanes and wait for them; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for client in self._channels.values():
            client.shutdown(timeout)
        if not self._owns_thread:
            for job in self._jobs.values():
                job.cancel()
            self._jobs.clear()
            return
        self._engine_thread.shutdown(timeout)
        from engine.projection import shutdown_workers

        shutdown_workers()
        self._jobs.clear()

    # ---- engine-thread callbacks: emit only ------------------------------------------
    def _emit(self, signal_name: str, *args: Any) -> None:
        if self._closed:
            return
        try:
            self._report.emit(signal_name, args)
        except RuntimeError:  # the C++ object is gone (window closed mid-job)
            pass

    def _emit_progress(self, job: Job, progress: Any) -> None:
        self._emit("job_progress", job.id, progress)

    def _emit_finished(self, job: Job, result: Any) -> None:
        self._emit("job_finished", job.id, result)

    def _emit_failed(self, job: Job, message: str) -> None:
        self._emit("job_failed", job.id, message)

    def _emit_cancelled(self, job: Job) -> None:
        self._emit("job_cancelled", job.id)

    # ---- slots -----------------------------------------------------------------------
    def _on_self_report(self, signal_name: str, args: tuple) -> None:
        if not self._closed:
            getattr(self, signal_name).emit(*args)

    def _on_self_job_ended(self, job_id: int, *_: Any) -> None:
        self._jobs.pop(job_id, None)
