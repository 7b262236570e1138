"""Monitoring inside the desktop app: the headless ``MonitorService`` on its own threads, reported as Qt signals.

The pollers (one thread per port, from ``hardware.freezer``) store readings and run
the alarms through ``MonitoringService``; a housekeeping thread rebuilds them when
links change and fires the re-announce timer. Nothing here runs on the GUI
thread except ``start``/``stop`` bookkeeping: the monitoring listener is called on
the committing thread, reads what the dashboard needs there, and emits signals
whose receivers live on the GUI thread (so Qt queues them).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from hardware.freezer.service import RELOAD_EVERY_S, MonitorService
from tracseq_desktop.domain.alarms import AlarmEvent
from tracseq_desktop.domain.monitoring import DeviceLink, Reading
from tracseq_desktop.services.monitoring import AlarmView, MonitoringChange, MonitoringService, UnitLinkView

log = logging.getLogger(__name__)

HOUSEKEEPING_THREAD = "freezer-monitor"
ALARM_LIST_LIMIT = 200


@dataclass(frozen=True, slots=True)
class DashboardState:
    """Everything the dashboard shows at once: loaded at start and whenever links change."""

    links: tuple[UnitLinkView, ...]
    latest: dict[str, Reading]
    alarms: tuple[AlarmView, ...]


def load_state(monitoring: MonitoringService) -> DashboardState:
    """Links, newest readings and the alarm list (run it on a worker)."""
    links = tuple(monitoring.links())
    latest = {view.unit: r for view in links if (r := monitoring.latest(view.unit)) is not None}
    return DashboardState(links, latest, tuple(load_alarms(monitoring)))


def load_alarms(monitoring: MonitoringService) -> list[AlarmView]:
    """Open alarms first (newest first), then recently closed ones."""
    alarms = monitoring.alarms(include_closed=True, limit=ALARM_LIST_LIMIT)
    return sorted(alarms, key=lambda a: (not a.open, -a.raised_at.timestamp(), -a.id))


class AppMonitorService(MonitorService):
    """The headless service, skipping links to simulated devices unless the app runs with ``--simulate``.

    A database that once served a demo keeps its simulated links; polling them
    without the simulator would only raise communication alarms.
    """

    def __init__(self, monitoring: MonitoringService, *, include_simulated: bool) -> None:
        super().__init__(monitoring, self._report)
        self.include_simulated = include_simulated

    def configured_links(self) -> tuple[DeviceLink, ...]:
        out = []
        for view in self.monitoring.links():
            link = view.device_link()
            if link is not None and (self.include_simulated or not view.simulated):
                out.append(link)
        return tuple(out)

    @staticmethod
    def _report(event: AlarmEvent) -> None:
        log.info("%s", event.describe())  # the dashboard hears events through the monitoring listener


class MonitorRunner(QObject):
    """Starts and stops app-side monitoring; forwards monitoring changes to the GUI thread.

    Signals (queued onto the GUI thread):

    * ``readings_arrived(dict[str, Reading], float)``: newest readings of the units a
      commit touched, and ``time.perf_counter()`` when the commit was announced.
    * ``alarms_loaded(list[AlarmView])``: the alarm list after any alarm change.
    * ``events_arrived(tuple[AlarmEvent, ...])``: raised / re-announced / cleared alarms.
    * ``links_changed()``: links or limits changed; reload the whole state.
    * ``polling_changed(frozenset[str])``: the units being polled, after a start or reload.
    """

    readings_arrived = Signal(object, float)
    alarms_loaded = Signal(object)
    events_arrived = Signal(object)
    links_changed = Signal()
    polling_changed = Signal(object)  #: frozenset of the units the pollers read

    def __init__(
        self,
        monitoring: MonitoringService,
        *,
        include_simulated: bool = False,
        reload_every_s: float = RELOAD_EVERY_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.monitoring = monitoring
        self.service = AppMonitorService(monitoring, include_simulated=include_simulated)
        self.reload_every_s = reload_every_s
        self._stop = threading.Event()
        self._nudge = threading.Event()  #: reload the links now (set by in-process link changes and by stop)
        self._thread: threading.Thread | None = None
        self._polled: frozenset[str] = frozenset()
        self._attached = True
        monitoring.add_listener(self._on_change)

    # -- lifecycle (GUI thread) ---------------------------------------------------------

    @property
    def include_simulated(self) -> bool:
        return self.service.include_simulated

    @include_simulated.setter
    def include_simulated(self, value: bool) -> None:
        self.service.include_simulated = value

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def polled_units(self) -> frozenset[str]:
        """Units the pollers read now (approximate while a reload is under way)."""
        return self._polled

    def start(self) -> None:
        """Start polling in the background; the links are read on the housekeeping thread."""
        if self.running:
            return
        self._stop.clear()
        self._nudge.clear()
        self._thread = threading.Thread(target=self._run, name=HOUSEKEEPING_THREAD, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the pollers and the housekeeping thread; True when every thread ended."""
        self._stop.set()
        self._nudge.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("freezer monitoring did not stop within %.1f s", timeout_s)
                return False
        return True

    def shutdown(self) -> bool:
        if self._attached:
            self.monitoring.remove_listener(self._on_change)
            self._attached = False
        return self.stop()

    # -- the housekeeping thread ----------------------------------------------------------

    def _run(self) -> None:
        try:
            self.service.start()
            self._polled = frozenset(link.unit_id for link in self.service.links)
            self.polling_changed.emit(self._polled)
            while not self._stop.is_set():
                self._nudge.wait(self.reload_every_s)
                self._nudge.clear()
                if self._stop.is_set():
                    break
                try:
                    if self.service.reload():  # links changed, possibly by another process
                        self._polled = frozenset(link.unit_id for link in self.service.links)
                        self.polling_changed.emit(self._polled)
                        self.links_changed.emit()
                    self.service.tick()
                except Exception:
                    log.exception("freezer monitoring housekeeping failed")
        except Exception:
            log.exception("freezer monitoring could not start")
        finally:
            self.service.stop()
            self._polled = frozenset()

    # -- the monitoring listener (any thread) -------------------------------------------------

    def _on_change(self, change: MonitoringChange) -> None:
        announced = time.perf_counter()
        if change.readings:
            latest: dict[str, Reading] = {}
            for unit in change.units:
                reading = self.monitoring.latest(unit)
                if reading is not None:
                    latest[unit] = reading
            if latest:
                self.readings_arrived.emit(latest, announced)
        if change.events:
            self.events_arrived.emit(change.events)
        if change.alarms:
            self.alarms_loaded.emit(load_alarms(self.monitoring))
        if change.links:
            self._nudge.set()
            self.links_changed.emit()
