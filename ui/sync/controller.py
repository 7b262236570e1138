"""The GUI side of syncing: when to sync (a timer with backoff), what the status bar shows, whom to tell.

Requests go to the :class:`~ui.sync.worker.SyncWorker` in its own thread; its answers come
back as queued signals. Offline is not an error: the window keeps working on the local
database and the next attempt waits longer each time (5 s, 10 s, 20 s … up to 5 min).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from tracseq_desktop.sync.service import SyncService, SyncStatus
from ui.sync.text import SyncIndicator
from ui.sync.worker import Outcome, ServiceFactory, Step, SyncWorker

#: Threads that did not end in time at shutdown: taken from their controller and kept referenced,
#: so that Qt does not destroy them running.
_ORPHANS: list[QThread] = []


@dataclass(frozen=True)
class RetrySchedule:
    """Seconds between automatic syncs, and the backoff after failed attempts."""

    interval_s: float = 60.0
    first_retry_s: float = 5.0
    max_retry_s: float = 300.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return self.interval_s
        return min(self.first_retry_s * 2 ** (failures - 1), self.max_retry_s)


class SyncController(QObject):
    """Owns the sync thread; ``request_sync()`` never blocks.

    Signals: ``indicator_changed(SyncIndicator | None)`` for the status bar,
    ``sync_started()``, ``outcome_arrived(Outcome)`` after each request,
    ``conflicts_arrived(tuple[ConflictView, ...])`` when a sync brought new conflicts,
    ``password_needed()`` once per session when no token is kept.
    """

    indicator_changed = Signal(object)
    sync_started = Signal()
    outcome_arrived = Signal(object)
    conflicts_arrived = Signal(object)
    password_needed = Signal()

    _open_requested = Signal()
    _sync_requested = Signal()
    _sign_in_requested = Signal(str, str, str)
    _close_requested = Signal()

    def __init__(
        self, make_service: ServiceFactory, schedule: RetrySchedule | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.schedule = schedule or RetrySchedule()
        # Both go with the controller, never with a later garbage collection that may run on any thread
        # (a Qt object destroyed off its thread leaves its timers registered there and the next event
        # processing crashes): the thread is its child; the worker is deleted in its thread as the thread
        # ends, or here if the thread never started.
        self.sync_thread = QThread(self)
        self.sync_thread.setObjectName("tracseq-sync")
        self.worker = SyncWorker(make_service)
        self.sync_thread.finished.connect(self.worker.deleteLater)
        self._open_requested.connect(self.worker.open)
        self._sync_requested.connect(self.worker.sync)
        self._sign_in_requested.connect(self.worker.sign_in)
        self._close_requested.connect(self.worker.close)
        self.worker.finished.connect(self._on_worker_finished)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.request_sync)
        self.opened = False
        self.syncing = False
        self.sign_in_needed = False
        self.failures = 0
        self.asked_password = False
        self.problem: str | None = None  #: why sync could not start at all (a broken keyring)
        self._again = False
        self._started = False
        self._closed = False
        self._retry_at: float | None = None
        self._sign_in_callbacks: list[tuple[Callable[[], None], Callable[[str], None]]] = []

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread and open the service there; a signed-in workstation then syncs at once."""
        if self._started or self._closed:
            return
        self._started = True
        self.worker.moveToThread(self.sync_thread)
        self.sync_thread.start()
        self._open_requested.emit()

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Stop the timer and the thread (after the request in flight); True when the thread ended."""
        if self._closed:
            return not self.sync_thread.isRunning()
        self._closed = True
        self.timer.stop()
        if not self._started:
            self.worker.deleteLater()
            return True
        self._close_requested.emit()
        ended = self.sync_thread.wait(timeout_ms)
        if not ended:
            self.sync_thread.setParent(None)
            _ORPHANS.append(self.sync_thread)
        return bool(ended)

    @property
    def service(self) -> SyncService | None:
        """The service once the worker opened it (local reads only on the GUI thread)."""
        return self.worker.service if self.opened else None

    @property
    def closed(self) -> bool:
        return self._closed

    # -- asking ---------------------------------------------------------------------------
    @Slot()
    def request_sync(self) -> bool:
        """Sync now (or right after the sync in flight); False when not signed in or closed."""
        if self._closed or not self.opened:
            return False
        status = self.status()
        if status is None or not status.signed_in or self.sign_in_needed:
            return False
        if self.syncing:
            self._again = True
            return True
        self.timer.stop()
        self._retry_at = None
        self.syncing = True
        self.sync_started.emit()
        self.refresh()
        self._sync_requested.emit()
        return True

    def sign_in(
        self, server: str, user: str, password: str, done: Callable[[], None], failed: Callable[[str], None]
    ) -> None:
        """Sign in on the worker; ``done()`` or ``failed(message)`` on the GUI thread afterwards."""
        if self._closed:
            return
        self._sign_in_callbacks.append((done, failed))
        self._sign_in_requested.emit(server, user, password)

    # -- status ---------------------------------------------------------------------------
    def status(self) -> SyncStatus | None:
        service = self.service
        return service.status() if service is not None else None

    def indicator(self) -> SyncIndicator | None:
        status = self.status()
        if status is None:
            return None
        retry = None
        if self.failures and self._retry_at is not None:
            retry = max(0, round(self._retry_at - time.monotonic()))
        return SyncIndicator(status, syncing=self.syncing, sign_in_needed=self.sign_in_needed, retry_in_s=retry)

    @Slot()
    def refresh(self) -> None:
        if not self._closed:
            self.indicator_changed.emit(self.indicator())

    # -- answers --------------------------------------------------------------------------
    @Slot(object)
    def _on_worker_finished(self, outcome: Outcome) -> None:
        if self._closed:
            return
        step = outcome.step
        if step is Step.OPENED:
            self.opened = True
            self._on_opened(outcome)
        elif step in (Step.SIGNED_IN, Step.SIGN_IN_FAILED):
            self._on_signed_in(outcome)
        elif not self.opened:  # the service could not be made
            self.problem = outcome.message
        else:
            self._on_synced(outcome)
        self.refresh()
        self.outcome_arrived.emit(outcome)
        if self._again and not self.syncing:
            self._again = False
            self.request_sync()

    def _on_opened(self, outcome: Outcome) -> None:
        if outcome.needs_password:
            self._ask_password()
        elif outcome.status is not None and outcome.status.signed_in:
            QTimer.singleShot(0, self.request_sync)

    def _on_signed_in(self, outcome: Outcome) -> None:
        callbacks = self._sign_in_callbacks.pop(0) if self._sign_in_callbacks else None
        if outcome.step is Step.SIGNED_IN:
            self.sign_in_needed = False
            self.failures = 0
            if callbacks is not None:
                callbacks[0]()
            QTimer.singleShot(0, self.request_sync)
        elif callbacks is not None:
            callbacks[1](outcome.message)

    def _on_synced(self, outcome: Outcome) -> None:
        self.syncing = False
        if outcome.step is Step.SYNCED:
            self.failures = 0
            self.sign_in_needed = False
            self._plan(self.schedule.interval_s)
            if outcome.result is not None and outcome.result.new_conflicts:
                self.conflicts_arrived.emit(outcome.result.new_conflicts)
        elif outcome.step is Step.SIGN_IN_NEEDED:
            self.sign_in_needed = True
            self._again = False
            self._ask_password()
        else:  # offline, refused, unexpected: keep working locally and try again later
            self.failures += 1
            self._plan(self.schedule.delay(self.failures))

    def _plan(self, delay_s: float) -> None:
        self._retry_at = time.monotonic() + delay_s
        self.timer.start(max(0, int(delay_s * 1000)))

    def _ask_password(self) -> None:
        """Once per session: later the status bar and "Sync now" offer the sign-in dialog."""
        self.sign_in_needed = True
        if not self.asked_password:
            self.asked_password = True
            self.password_needed.emit()
