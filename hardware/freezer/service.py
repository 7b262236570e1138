"""The headless monitoring service behind ``tracseq monitor``: pollers feeding the monitoring services.

It reads the configured unit links, starts one poller worker per port, and hands
every validated reading and every failed poll to ``MonitoringService`` (which
stores them and runs the alarms in one transaction each). Alarm events are
printed, one line each (or one JSON object per line). When links change in the
database the pollers are rebuilt; re-announcements are checked every few seconds.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hardware.freezer.poller import Poller
from tracseq_desktop.domain.alarms import AlarmEvent
from tracseq_desktop.domain.monitoring import DeviceLink, PollFailure, Reading
from tracseq_desktop.i18n import _

if TYPE_CHECKING:
    import argparse

    from tracseq_desktop.cli.context import CliContext
    from tracseq_desktop.services.monitoring import MonitoringService

log = logging.getLogger(__name__)
RELOAD_EVERY_S = 5.0


@dataclass
class ServiceStats:
    readings: int = 0
    failures: int = 0
    events: int = 0
    errors: int = 0  #: readings or failures the services refused (logged)


class MonitorService:
    """Pollers for every linked unit, feeding ``monitoring``; events go to ``report``."""

    def __init__(
        self,
        monitoring: MonitoringService,
        report: Callable[[AlarmEvent], None],
        *,
        lost_after: int = 3,
    ) -> None:
        self.monitoring = monitoring
        self.report = report
        self.lost_after = lost_after
        self.stats = ServiceStats()
        self._poller: Poller | None = None
        self._links: tuple[DeviceLink, ...] = ()
        self._lock = threading.Lock()

    def configured_links(self) -> tuple[DeviceLink, ...]:
        links = (view.device_link() for view in self.monitoring.links())
        return tuple(link for link in links if link is not None)

    @property
    def links(self) -> tuple[DeviceLink, ...]:
        return self._links

    def start(self) -> None:
        self._restart(self.configured_links())

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    def reload(self) -> bool:
        """Rebuild the pollers if the links in the database changed; True if they did."""
        links = self.configured_links()
        if links == self._links:
            return False
        self._restart(links)
        return True

    def tick(self) -> None:
        for event in self.monitoring.tick():
            self._emit(event)

    def _restart(self, links: tuple[DeviceLink, ...]) -> None:
        self.stop()
        self._links = links
        if links:
            self._poller = Poller(
                links, on_reading=self._on_reading, on_failure=self._on_failure, lost_after=self.lost_after
            )
            self._poller.start()

    def _on_reading(self, reading: Reading) -> None:
        try:
            events = self.monitoring.record_reading(reading)
        except Exception:
            self.stats.errors += 1
            log.exception("could not store a reading of %s", reading.unit_id)
            return
        self.stats.readings += 1
        for event in events:
            self._emit(event)

    def _on_failure(self, failure: PollFailure) -> None:
        self.stats.failures += 1
        try:
            events = self.monitoring.record_poll_failure(failure.link.unit_id, str(failure.error), failure.at)
        except Exception:
            self.stats.errors += 1
            log.exception("could not record a failed poll of %s", failure.link.unit_id)
            return
        for event in events:
            self._emit(event)

    def _emit(self, event: AlarmEvent) -> None:
        self.stats.events += 1
        with self._lock:  # one line at a time from several port threads
            self.report(event)


def event_json(event: AlarmEvent) -> dict[str, Any]:
    return {
        "type": event.type.value,
        "alarm_id": event.alarm_id,
        "unit": event.unit,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "started_at": event.started_at.isoformat(),
        "value": event.value,
        "peak": event.peak,
        "limit": event.limit,
    }


def run_service(args: argparse.Namespace, ctx: CliContext) -> int:
    """``tracseq monitor`` without ``--once``: run until Ctrl-C, SIGTERM or ``--for`` seconds."""
    from tracseq_desktop.services.monitoring import monitoring_for

    monitoring = monitoring_for(ctx.services())

    def report(event: AlarmEvent) -> None:
        if ctx.json:
            ctx.out.write(json.dumps(event_json(event), ensure_ascii=False) + "\n")
        else:
            ctx.out.write(event.describe() + "\n")
        ctx.out.flush()

    service = MonitorService(monitoring, report)
    done = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_args: done.set())
    service.start()
    if not service.links:
        service.stop()
        from tracseq_desktop.domain.errors import InvalidInput

        raise InvalidInput(_("No unit is linked to a device; link one with `tracseq unit link`."))
    ports = len({link.port for link in service.links})
    if not ctx.json:
        ctx.out.write(
            _("Monitoring {units} units on {ports} ports.").format(units=len(service.links), ports=ports) + "\n"
        )
        ctx.out.flush()
    deadline = None if args.for_s is None else time.monotonic() + args.for_s
    try:
        while not done.is_set():
            left = RELOAD_EVERY_S if deadline is None else min(RELOAD_EVERY_S, deadline - time.monotonic())
            if left <= 0 or done.wait(left):
                break
            service.reload()
            service.tick()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    stats = service.stats
    if not ctx.json:
        ctx.out.write(
            _("Stopped: {readings} readings stored, {failures} failed polls, {events} alarm events.").format(
                readings=stats.readings, failures=stats.failures, events=stats.events
            )
            + "\n"
        )
    return 0
