"""Long work off the GUI thread: a job gets a :class:`TaskState` for progress and cancel.

Results come back through queued signals; only frozen views cross threads. A job
that cannot stop half-way (one database transaction) is cancelled before it starts,
or its result is dropped when it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from tracseq_desktop.domain.errors import DomainError


class Cancelled(Exception):
    """Raised inside a job by :meth:`TaskState.check` after a cancel request."""


class TaskState:
    """Shared between the GUI and one job: progress reports and the cancel flag."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self._cancelled = threading.Event()
        self._report = report

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled

    def progress(self, done: int, total: int) -> None:
        self._report(done, total)


class _Signals(QObject):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    ended = Signal()


class _Job(QRunnable):
    def __init__(self, fn: Callable[[TaskState], Any], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self.signals = signals
        self.state = TaskState(signals.progressed.emit)

    def run(self) -> None:
        try:
            self.state.check()
            result = self._fn(self.state)
            if not self.state.cancelled:
                self.signals.succeeded.emit(result)
        except Cancelled:
            pass
        except DomainError as error:
            self.signals.failed.emit(str(error))
        except Exception as error:  # the GUI shows it in words instead of losing it
            self.signals.failed.emit(f"{type(error).__name__}: {error}")
        finally:
            self.signals.ended.emit()


class TaskHandle(QObject):
    """One submitted job, as seen from the GUI thread."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    ended = Signal()

    def __init__(self, title: str, job: _Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._job_state = job.state
        self.running = True

    def cancel(self) -> None:
        self._job_state.cancel()

    @property
    def cancelled(self) -> bool:
        return self._job_state.cancelled


class TaskRunner(QObject):
    """Runs jobs on its own thread pool; ``busy_changed(handle or None)`` drives the progress bar."""

    busy_changed = Signal(object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._handles: list[TaskHandle] = []

    def submit(
        self,
        title: str,
        fn: Callable[[TaskState], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> TaskHandle:
        signals = _Signals()
        job = _Job(fn, signals)
        handle = TaskHandle(title, job, self)
        signals.setParent(handle)
        # Signal-to-signal connections: the receiver (handle) lives on the GUI thread, so
        # emissions from the worker are queued there before any callback runs.
        signals.progressed.connect(handle.progressed)
        signals.succeeded.connect(handle.succeeded)
        signals.failed.connect(handle.failed)
        signals.ended.connect(handle.ended)
        if on_success is not None:
            handle.succeeded.connect(lambda result: None if handle.cancelled else on_success(result))
        if on_failure is not None:
            handle.failed.connect(lambda message: None if handle.cancelled else on_failure(message))
        handle.ended.connect(lambda: self._on_job_ended(handle))
        self._handles.append(handle)
        self.busy_changed.emit(handle)
        self._pool.start(job)
        return handle

    @Slot()
    def _on_job_ended(self, handle: TaskHandle) -> None:
        handle.running = False
        if handle in self._handles:
            self._handles.remove(handle)
        handle.deleteLater()
        self.busy_changed.emit(self._handles[-1] if self._handles else None)

    @property
    def busy(self) -> bool:
        return bool(self._handles)

    def cancel_all(self) -> None:
        for handle in list(self._handles):
            handle.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Block until every job has ended (tests, shutdown)."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self.cancel_all()
        self._pool.clear()
        self._pool.waitForDone()
