"""Background polling: one plain thread per serial port, owning the port's handle.

The worker polls each linked controller at its interval, retries failed reads
with a short backoff, reopens the port after an unplug, and hands readings and
failures to callbacks. Callbacks run on the worker thread: a Qt front end
forwards them with a queued signal; the storage layer may write directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from hardware.freezer.drivers import Driver, make_driver, open_line
from tracseq_desktop.domain.monitoring import (
    DeviceDisconnected,
    DeviceError,
    DeviceLink,
    DeviceRejected,
    PollFailure,
    Reading,
)

log = logging.getLogger(__name__)

ReadingCallback = Callable[[Reading], None]
FailureCallback = Callable[[PollFailure], None]
_T = TypeVar("_T")


@dataclass
class PortStats:
    """Counters for diagnostics and the benchmark (read them from any thread; values are approximate)."""

    polls: int = 0
    readings: int = 0
    failures: int = 0
    retries: int = 0
    reconnects: int = 0
    latencies_s: deque[float] = field(default_factory=lambda: deque(maxlen=2000))  #: request to reading
    lags_s: deque[float] = field(default_factory=lambda: deque(maxlen=2000))  #: due time to request


class PortWorker:
    """Polls every link on one port. Start with :meth:`start`, end with :meth:`stop`."""

    def __init__(
        self,
        links: Sequence[DeviceLink],
        *,
        on_reading: ReadingCallback,
        on_failure: FailureCallback,
        lost_after: int = 3,
        retry_backoff_s: float = 0.05,
        reconnect_backoff_s: tuple[float, float] = (0.25, 5.0),
    ) -> None:
        ports = {link.port for link in links}
        if len(ports) != 1:
            raise ValueError("a PortWorker serves exactly one port")
        self.port = ports.pop()
        self.links = tuple(links)
        self.on_reading = on_reading
        self.on_failure = on_failure
        self.lost_after = lost_after
        self.retry_backoff_s = retry_backoff_s
        self.reconnect_backoff_s = reconnect_backoff_s
        self.stats = PortStats()
        slowest = max(self.links, key=lambda link: link.timeout_s)
        self._line = open_line(slowest)
        self._drivers: dict[str, Driver] = {link.unit_id: make_driver(link, self._line) for link in self.links}
        self._missed: dict[str, int] = {link.unit_id: 0 for link in self.links}
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._open_failures = 0
        self._next_open_at = 0.0
        self._last_open_error: DeviceDisconnected | None = None
        self._was_open = False

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("worker already started")
        self._thread = threading.Thread(target=self._run, name=f"freezer-port {self.port}", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the loop to end without waiting for it."""
        self._cancel.set()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Cancel and wait; the current request finishes first (at most one timeout)."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._line.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def missed(self, unit_id: str) -> int:
        """Consecutive polls of ``unit_id`` without a reading."""
        return self._missed[unit_id]

    # -- the loop ------------------------------------------------------------------

    def _run(self) -> None:
        now = time.monotonic()
        # First polls right away, one after the other; afterwards each link keeps its own phase.
        due = {link.unit_id: now + i * 0.01 for i, link in enumerate(self.links)}
        try:
            while not self._cancel.is_set():
                link = min(self.links, key=lambda item: due[item.unit_id])
                delay = due[link.unit_id] - time.monotonic()
                if delay > 0 and self._cancel.wait(delay):
                    break
                started = time.monotonic()
                self.stats.lags_s.append(max(0.0, started - due[link.unit_id]))
                self._poll(link, started)
                next_due = due[link.unit_id] + link.poll_interval_s
                now = time.monotonic()
                if next_due < now:  # fell behind (long timeouts): keep the phase, skip the missed slots
                    behind = (now - next_due) // link.poll_interval_s + 1
                    next_due += behind * link.poll_interval_s
                due[link.unit_id] = next_due
        finally:
            self._line.close()

    def _ensure_open(self) -> None:
        if self._line.is_open:
            return
        now = time.monotonic()
        if now < self._next_open_at and self._last_open_error is not None:
            raise self._last_open_error
        try:
            self._line.open()
        except DeviceDisconnected as exc:
            self._open_failures += 1
            low, high = self.reconnect_backoff_s
            self._next_open_at = now + min(high, low * 2 ** (self._open_failures - 1))
            self._last_open_error = exc
            raise
        if self._was_open:
            self.stats.reconnects += 1
        self._was_open = True
        self._open_failures = 0
        self._last_open_error = None

    def _poll(self, link: DeviceLink, started: float) -> None:
        self.stats.polls += 1
        driver = self._drivers[link.unit_id]
        error: DeviceError | None = None
        for attempt in range(link.retries + 1):
            if self._cancel.is_set():
                return
            if attempt:
                self.stats.retries += 1
                if self._cancel.wait(self.retry_backoff_s * 2 ** (attempt - 1)):
                    return
            try:
                self._ensure_open()
                reading = driver.read()
            except DeviceDisconnected as exc:
                self._line.close()
                error = exc
                break
            except DeviceRejected as exc:
                error = exc
                break
            except DeviceError as exc:
                error = exc
                continue
            self._missed[link.unit_id] = 0
            self.stats.readings += 1
            self.stats.latencies_s.append(time.monotonic() - started)
            self._deliver(self.on_reading, reading)
            return
        assert error is not None
        self.stats.failures += 1
        self._missed[link.unit_id] += 1
        missed = self._missed[link.unit_id]
        failure = PollFailure(
            link=link, error=error, at=datetime.now(UTC), missed=missed, lost=missed >= self.lost_after
        )
        self._deliver(self.on_failure, failure)

    def _deliver(self, callback: Callable[[_T], None], value: _T) -> None:
        try:
            callback(value)
        except Exception:
            log.exception("freezer monitoring callback failed on %s", self.port)


class Poller:
    """All ports: one :class:`PortWorker` per distinct ``link.port``."""

    def __init__(
        self,
        links: Iterable[DeviceLink],
        *,
        on_reading: ReadingCallback,
        on_failure: FailureCallback,
        lost_after: int = 3,
    ) -> None:
        by_port: dict[str, list[DeviceLink]] = {}
        for link in links:
            by_port.setdefault(link.port, []).append(link)
        self.workers = [
            PortWorker(group, on_reading=on_reading, on_failure=on_failure, lost_after=lost_after)
            for group in by_port.values()
        ]

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        for worker in self.workers:
            worker.cancel()
        for worker in self.workers:
            worker.stop(timeout)

    def __enter__(self) -> Poller:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
