"""Freezer monitoring for the dashboard, the command line and the headless service.

``MonitoringService`` is thread-safe: the pollers call ``record_reading`` and
``record_poll_failure`` from their port threads while the UI queries from its
own. Each reading is stored, run through its unit's alarm engine, and the alarms
it raised or cleared are written, all in one transaction: nothing acknowledged
to the caller is lost, and a failed write leaves neither reading nor alarm. The
same transaction keeps the engine's memory (conditions inside their delay, probes
seen, failed polls in a row) whenever it changes, and a new engine starts from the
stored alarms and memory: a restart, however long, never restarts an alarm delay
(see ``domain/alarms.py`` for the rule on gaps).
Everything returned is a frozen dataclass; no ORM object leaves this module.

Listeners (``add_listener``) run after each commit on the thread that committed,
often a poller thread: a Qt front end forwards them with a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from tracseq_desktop.domain.alarms import (
    EXCURSION_KINDS,
    AlarmEvent,
    AlarmEventType,
    EngineMemory,
    UnitAlarmEngine,
    with_alarm_id,
)
from tracseq_desktop.domain.errors import InvalidInput, InvalidState, NotFound
from tracseq_desktop.domain.monitoring import DeviceProtocol, Reading
from tracseq_desktop.i18n import _
from tracseq_desktop.services import alarms_service as alarm_store
from tracseq_desktop.services import readings as reading_store
from tracseq_desktop.services.alarms_service import AlarmView, ExposureView
from tracseq_desktop.services.operation import OperationRunner
from tracseq_desktop.services.readings import Series
from tracseq_desktop.services.records import get_sample
from tracseq_desktop.services.unit_links import UnitLinkService, UnitLinkView, get_unit, settings_of
from tracseq_desktop.store.models import AlarmRecord, Location
from tracseq_desktop.store.readings import ReadingColumns

if TYPE_CHECKING:
    from tracseq_desktop.services.facade import Services

log = logging.getLogger(__name__)

__all__ = [
    "AlarmEvent",
    "AlarmView",
    "ExposureView",
    "MonitoringChange",
    "MonitoringService",
    "ReadingColumns",
    "Series",
    "UnitLinkView",
    "monitoring_for",
]


@dataclass(frozen=True, slots=True)
class MonitoringChange:
    """What one committed monitoring write touched."""

    units: frozenset[str]
    readings: bool = False  #: new readings arrived
    alarms: bool = False  #: alarms were raised, cleared, re-announced or acknowledged
    links: bool = False  #: links or limits changed
    events: tuple[AlarmEvent, ...] = field(default=())


MonitoringListener = Callable[[MonitoringChange], None]


class MonitoringService:
    def __init__(self, runner: OperationRunner) -> None:
        self._runner = runner
        self._db = runner.db
        self._links = UnitLinkService(runner)
        self._lock = threading.RLock()
        self._engines: dict[str, UnitAlarmEngine] = {}
        self._remembered: dict[str, EngineMemory] = {}  #: each engine's memory as last stored
        self._resumed = False  #: engines made for the alarms a previous run left active
        self._unit_ids: dict[str, int] = {}
        self._swept: dict[int, datetime] = {}  #: alarm id -> time of its last exposure sweep
        self._listeners: list[MonitoringListener] = []

    # -- listeners ----------------------------------------------------------------------

    def add_listener(self, listener: MonitoringListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: MonitoringListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self, change: MonitoringChange) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.exception("monitoring listener failed")

    # -- links and limits -----------------------------------------------------------------

    def link(
        self,
        unit: str,
        *,
        port: str,
        protocol: DeviceProtocol | str,
        address: int = 1,
        baud: int = 9600,
        poll_interval_s: float = 10.0,
        simulated: bool = False,
    ) -> UnitLinkView:
        view = self._links.link(
            unit,
            port=port,
            protocol=protocol,
            address=address,
            baud=baud,
            poll_interval_s=poll_interval_s,
            simulated=simulated,
        )
        self._notify(MonitoringChange(frozenset({view.unit}), links=True))
        return view

    def unlink(self, unit: str) -> UnitLinkView:
        view = self._links.unlink(unit)
        self._notify(MonitoringChange(frozenset({view.unit}), links=True))
        return view

    def set_limits(self, unit: str, **limits: float | None) -> UnitLinkView:
        """See ``UnitLinkService.set_limits``: high_c, low_c, delay_s, door_delay_s, hysteresis_c, ln2_level_low_mm."""
        view = self._links.set_limits(unit, **limits)
        self._notify(MonitoringChange(frozenset({view.unit}), links=True))
        return view

    def links(self, *, linked_only: bool = True) -> list[UnitLinkView]:
        return self._links.links(linked_only=linked_only)

    def link_of(self, unit: str) -> UnitLinkView:
        return self._links.link_of(unit)

    # -- input from the pollers -------------------------------------------------------------

    def record_reading(self, reading: Reading) -> list[AlarmEvent]:
        """Store a validated reading and run the unit's alarms; returns the alarm events it caused."""
        with self._lock:
            events = self._write(
                reading.unit_id, lambda session, unit_id, engine: self._on_reading(session, unit_id, engine, reading)
            )
        self._notify(
            MonitoringChange(frozenset({reading.unit_id}), readings=True, alarms=bool(events), events=tuple(events))
        )
        return events

    def record_poll_failure(self, unit: str, error: str = "", at: datetime | None = None) -> list[AlarmEvent]:
        """A poll of ``unit`` produced no reading; enough in a row raise a communication alarm."""
        when = at or self._runner.clock()
        with self._lock:
            events = self._write(unit, lambda session, unit_id, engine: engine.on_poll_failure(when))
        if events:
            self._notify(MonitoringChange(frozenset({unit}), alarms=True, events=tuple(events)))
        if error:
            log.debug("poll of %s failed: %s", unit, error)
        return events

    def tick(self, now: datetime | None = None) -> list[AlarmEvent]:
        """Re-announcements due now for every unit with an engine (call from a timer, e.g. every minute)."""
        when = now or self._runner.clock()
        events: list[AlarmEvent] = []
        with self._lock:
            if not self._resumed:
                self._resume()
            # Only units with something due open a write transaction (which also picks up acknowledgements).
            for label in [label for label, engine in self._engines.items() if engine.due(when)]:
                events.extend(self._write(label, lambda session, unit_id, engine: engine.tick(when)))
        if events:
            self._notify(MonitoringChange(frozenset(e.unit for e in events), alarms=True, events=tuple(events)))
        return events

    def _resume(self) -> None:
        """Engines for the units whose alarms the previous run left active and unacknowledged.

        So that they re-announce on time after a restart even before their unit's next reading or poll.
        """
        with self._db.reading() as session:
            for unit_id, label in alarm_store.units_to_announce(session):
                if label not in self._engines:
                    self._unit_ids[label] = unit_id
                    self._engine(session, unit_id, label)
        self._resumed = True

    def _write(self, label: str, step: Callable[[Session, int, UnitAlarmEngine], list[AlarmEvent]]) -> list[AlarmEvent]:
        try:
            with self._db.writing() as session:
                unit_id = self._unit_id(session, label)
                engine = self._engine(session, unit_id, label)
                events = step(session, unit_id, engine)
                out = self._persist(session, unit_id, engine, events)
                memory = engine.memory()
                if memory != self._remembered.get(label):
                    alarm_store.store_memory(session, unit_id, memory, self._runner.clock())
                    self._remembered[label] = memory
                return out
        except BaseException:
            # The engine may have moved on without the database: rebuild it from the database next time.
            self._engines.pop(label, None)
            self._remembered.pop(label, None)
            raise

    def _unit_id(self, session: Session, label: str) -> int:
        unit_id = self._unit_ids.get(label)
        if unit_id is None:
            unit_id = get_unit(session, label).id
            self._unit_ids[label] = unit_id
        return unit_id

    def _engine(self, session: Session, unit_id: int, label: str) -> UnitAlarmEngine:
        """The unit's engine with the limits and acknowledgements now in the database."""
        unit = session.get(Location, unit_id)
        assert unit is not None
        settings, _defaults = settings_of(session, unit)
        engine = self._engines.get(label)
        stored = alarm_store.active_alarms(session, unit_id)
        if engine is None:
            # A new run (or a failed write): carry on from the database, delays and all.
            engine = UnitAlarmEngine(label, settings)
            for row in stored:
                engine.restore(alarm_store.as_active(row))
            memory = alarm_store.load_memory(session, unit_id)
            engine.recall(memory)
            self._engines[label] = engine
            self._remembered[label] = memory
        else:
            engine.settings = settings
            for row in stored:  # acknowledged meanwhile, possibly by another process
                if row.acknowledged_at is not None:
                    engine.acknowledge(row.kind)
        return engine

    def _on_reading(
        self, session: Session, unit_id: int, engine: UnitAlarmEngine, reading: Reading
    ) -> list[AlarmEvent]:
        reading_store.store_reading(session, unit_id, reading)
        return engine.on_reading(reading)

    def _persist(
        self, session: Session, unit_id: int, engine: UnitAlarmEngine, events: list[AlarmEvent]
    ) -> list[AlarmEvent]:
        out = []
        for event in events:
            if event.type is AlarmEventType.RAISED:
                alarm_id = alarm_store.insert_alarm(session, unit_id, event)
                active = engine.active.get(event.kind)
                if active is not None:
                    active.alarm_id = alarm_id
                event = with_alarm_id(event, alarm_id)  # noqa: PLW2901
            elif event.alarm_id is not None and event.type is AlarmEventType.CLEARED:
                alarm_store.update_alarm(session, event.alarm_id, peak=event.peak, cleared_at=event.at)
                if event.kind in EXCURSION_KINDS:
                    alarm_store.attach_exposure(session, event.alarm_id, unit_id, self._swept.pop(event.alarm_id, None))
            elif event.alarm_id is not None:
                alarm_store.update_alarm(session, event.alarm_id, announced_at=event.at)
            out.append(event)
        now = self._runner.clock()
        for active in engine.active.values():
            if active.alarm_id is None:
                continue
            if active.peak is not None:
                alarm_store.update_alarm(session, active.alarm_id, peak=active.peak)
            if active.kind in EXCURSION_KINDS:
                alarm_store.attach_exposure(session, active.alarm_id, unit_id, self._swept.get(active.alarm_id))
                self._swept[active.alarm_id] = now
        return out

    # -- queries --------------------------------------------------------------------------

    def readings(self, unit: str, since: datetime, until: datetime | None = None, max_points: int = 500) -> Series:
        """A chart series of ``unit`` (see ``readings.series`` for how it is downsampled)."""
        end = until or self._runner.clock()
        if end <= since:
            raise InvalidInput(_("The end of the period must come after its start."))
        with self._db.reading() as session:
            location = get_unit(session, unit)
            return reading_store.series(session, location.id, location.label, since, end, max_points)

    def raw_readings(self, unit: str, since: datetime, until: datetime | None = None) -> list[Reading]:
        """Every stored reading of ``unit`` in the period (a day is 8,640 at 10 s)."""
        end = until or self._runner.clock()
        with self._db.reading() as session:
            location = get_unit(session, unit)
            return reading_store.raw_readings(session, location.id, location.label, since, end)

    def reading_columns(self, unit: str, since: datetime, until: datetime | None = None) -> ReadingColumns:
        """Every stored reading of ``unit`` in the period, column by column: for a day chart or table."""
        end = until or self._runner.clock()
        with self._db.reading() as session:
            location = get_unit(session, unit)
            return reading_store.reading_columns(session, location.id, location.label, since, end)

    def latest(self, unit: str) -> Reading | None:
        with self._db.reading() as session:
            location = get_unit(session, unit)
            return reading_store.latest_reading(session, location.id, location.label)

    def latest_all(self) -> dict[str, Reading]:
        """The newest reading of every linked unit that has one."""
        out: dict[str, Reading] = {}
        for view in self.links():
            reading = self.latest(view.unit)
            if reading is not None:
                out[view.unit] = reading
        return out

    def alarms(self, *, include_closed: bool = False, unit: str | None = None, limit: int = 500) -> list[AlarmView]:
        """Open alarms (active, or cleared but unacknowledged), newest first; all with ``include_closed``."""
        with self._db.reading() as session:
            unit_id = get_unit(session, unit).id if unit else None
            return alarm_store.list_alarms(session, include_closed=include_closed, unit_id=unit_id, limit=limit)

    def alarm(self, alarm_id: int) -> AlarmView:
        with self._db.reading() as session:
            row = session.get(AlarmRecord, alarm_id)
            if row is None:
                raise NotFound(_("No alarm #{id}.").format(id=alarm_id))
            unit = session.get(Location, row.unit_id)
            return alarm_store.alarm_view(row, unit.label if unit else "?")

    def acknowledge(self, alarm_id: int, comment: str) -> AlarmView:
        """Acknowledge an alarm with a comment (audited: who, when, what they said)."""
        text_ = (comment or "").strip()
        if not text_:
            raise InvalidInput(_("Say what was done about the alarm: the comment cannot be empty."))
        with self._runner.operation() as op:
            row = op.session.get(AlarmRecord, alarm_id)
            if row is None:
                raise NotFound(_("No alarm #{id}.").format(id=alarm_id))
            if row.acknowledged_at is not None:
                raise InvalidState(
                    _("Alarm #{id} was already acknowledged by {user} at {when}.").format(
                        id=alarm_id, user=row.acknowledged_by, when=row.acknowledged_at.isoformat(timespec="seconds")
                    )
                )
            unit = op.session.get(Location, row.unit_id)
            assert unit is not None
            before = alarm_store.alarm_state(row)
            row.acknowledged_at, row.acknowledged_by, row.ack_comment = op.now, op.actor.user, text_
            op.session.flush()
            op.record("acknowledge", "alarm", str(alarm_id), before, alarm_store.alarm_state(row), text_)
            op.locations.add(unit.id)
            view = alarm_store.alarm_view(row, unit.label)
        with self._lock:
            engine = self._engines.get(view.unit)
            active = engine.active.get(view.kind) if engine else None
            if engine is not None and active is not None and active.alarm_id == alarm_id:
                engine.acknowledge(view.kind)
        self._notify(MonitoringChange(frozenset({view.unit}), alarms=True))
        return view

    def exposure(self, barcode: str) -> list[ExposureView]:
        """The temperature excursions a sample went through while stored, oldest first."""
        with self._db.reading() as session:
            return alarm_store.exposures(session, get_sample(session, barcode))


def monitoring_for(services: Services) -> MonitoringService:
    """The monitoring service on the same database and actor as ``services``."""
    return MonitoringService(services.runner)


def parse_since(text_: str, now: datetime) -> datetime:
    """An ISO time (UTC if it has no zone) or a span back from ``now``: ``90s``, ``15m``, ``1h``, ``2d``, ``1w``."""
    value = (text_ or "").strip()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    if value and value[-1] in units and value[:-1].replace(".", "", 1).isdigit():
        return now - timedelta(seconds=float(value[:-1]) * units[value[-1]])
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            _("{text} is not a time: give an ISO time (2026-03-01T08:00) or a span like 1h or 2d.").format(text=text_)
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
