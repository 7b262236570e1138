"""The alarm engine of one storage unit: thresholds, delays, hysteresis, latching, re-announcing.

Pure and deterministic: it sees readings and poll failures with their times and
returns events; it never reads a clock, a file or the database. The service layer
persists what it says (alarm records, peaks, acknowledgements) and feeds back the
acknowledgements it learns from the database.

Rules:

* Temperature high/low: the first working probe beyond the limit starts an
  excursion; the alarm is raised only once the excursion has lasted ``delay_s``
  (a shorter one raises nothing). A raised alarm clears only when the value is
  back inside the limit by the hysteresis margin.
* Door open longer than ``door_delay_s``; power failure; probe failure (a probe
  that worked before reports nothing, or the device says so); LN2 level below its
  limit: raised at once (door after its delay), cleared when the condition ends.
* Communication: ``lost_after`` consecutive failed polls; cleared by the next reading.
* Alarm codes the device reports itself that no rule above covers become
  ``device:<code>`` alarms, raised and cleared as the device says.
* Raised alarms stay latched until acknowledged; an active, unacknowledged alarm
  re-announces every ``reannounce_s``.

Restarts: besides its active alarms (stored as alarm records) the engine remembers
conditions still inside their delay, the probes it has seen working and the failed
polls in a row (:class:`EngineMemory`). The service stores that memory with the input
that changed it and hands it to a new engine, so a restart neither restarts a delay
nor forgets a failed probe. A gap in the input (the application was not running) does
not reset a condition either: it counts from its first observation until an input
shows it has ended. A unit out of range at the last reading before a gap and at the
first one after it is taken to have been out of range throughout, because nobody
knows otherwise and a late alarm is worse than a spurious one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from tracseq_desktop.domain.enums import TemperatureClass
from tracseq_desktop.domain.monitoring import AlarmCode, Reading
from tracseq_desktop.i18n import _

DEVICE_PREFIX = "device:"

#: Alarm kinds the engine computes itself (device codes of the same name feed these rules).
HIGH = AlarmCode.HIGH_TEMPERATURE.value
LOW = AlarmCode.LOW_TEMPERATURE.value
DOOR = AlarmCode.DOOR_OPEN_TOO_LONG.value
POWER = AlarmCode.POWER_FAILURE.value
PROBE = AlarmCode.PROBE_FAILURE.value
COMMUNICATION = AlarmCode.COMMUNICATION.value
LN2_LOW = AlarmCode.LN2_LEVEL_LOW.value

#: Temperature alarms are excursions: every sample in the unit during one is exposed to it.
EXCURSION_KINDS = frozenset({HIGH, LOW})
#: Device codes merged into the engine's own rules instead of becoming ``device:`` alarms.
_MERGED_DEVICE_CODES = frozenset({DOOR, POWER, PROBE, LN2_LOW})


class AlarmEventType(StrEnum):
    RAISED = "raised"
    CLEARED = "cleared"
    ANNOUNCE = "announce"  #: still active and not acknowledged: remind people


def alarm_title(kind: str) -> str:
    """Words for an alarm kind: ``high temperature``, or the device's code for ``device:`` alarms."""
    if kind.startswith(DEVICE_PREFIX):
        code = kind[len(DEVICE_PREFIX) :]
        try:
            return _("device alarm: {name}").format(name=AlarmCode(code).display_name)
        except ValueError:
            return _("device alarm {code}").format(code=code)
    try:
        return AlarmCode(kind).display_name
    except ValueError:
        return kind


@dataclass(frozen=True, slots=True)
class AlarmSettings:
    """Limits of one unit. ``None`` switches a limit off."""

    high_c: float | None = None
    low_c: float | None = None
    delay_s: float = 300.0
    door_delay_s: float = 120.0
    hysteresis_c: float = 2.0
    ln2_level_low_mm: float | None = None
    ln2_hysteresis_mm: float = 5.0
    reannounce_s: float = 900.0
    lost_after: int = 3

    def __post_init__(self) -> None:
        if self.high_c is not None and self.low_c is not None and self.low_c >= self.high_c:
            raise ValueError(_("The low limit must be below the high limit."))
        if self.delay_s < 0 or self.door_delay_s < 0 or self.hysteresis_c < 0 or self.ln2_hysteresis_mm < 0:
            raise ValueError(_("Delays and margins cannot be negative."))
        if self.reannounce_s <= 0 or self.lost_after < 1:
            raise ValueError(_("The re-announce period and the lost-poll count must be positive."))

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "high_c": self.high_c,
            "low_c": self.low_c,
            "delay_s": self.delay_s,
            "door_delay_s": self.door_delay_s,
            "hysteresis_c": self.hysteresis_c,
            "ln2_level_low_mm": self.ln2_level_low_mm,
        }


#: Default limits per temperature class: (high, low, LN2 level low in mm).
_CLASS_LIMITS: dict[TemperatureClass, tuple[float | None, float | None, float | None]] = {
    TemperatureClass.MINUS_80: (-65.0, -95.0, None),
    TemperatureClass.MINUS_20: (-12.0, -30.0, None),
    TemperatureClass.PLUS_4: (8.0, 2.0, None),
    TemperatureClass.LN2: (-150.0, None, 80.0),
    TemperatureClass.ROOM: (30.0, 15.0, None),
}


def default_settings(temperature_class: str | None) -> AlarmSettings:
    """The limits a unit of ``temperature_class`` starts with (none for an unknown class)."""
    try:
        high, low, level = _CLASS_LIMITS[TemperatureClass(temperature_class or "")]
    except ValueError:
        return AlarmSettings()
    return AlarmSettings(high_c=high, low_c=low, ln2_level_low_mm=level)


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """Something the UI or the headless service tells people about."""

    type: AlarmEventType
    unit: str
    kind: str
    at: datetime
    started_at: datetime  #: when the condition began (before the delay)
    value: float | None = None  #: the value now (for a temperature or level alarm)
    peak: float | None = None  #: the worst value of the excursion so far
    limit: float | None = None
    alarm_id: int | None = None  #: the stored record, filled in by the service

    @property
    def title(self) -> str:
        return alarm_title(self.kind)

    def describe(self) -> str:
        """One line for a notification or the headless service's output."""
        when = self.at.isoformat(timespec="seconds")
        ident = "" if self.alarm_id is None else f"#{self.alarm_id} "
        if self.type is AlarmEventType.RAISED:
            text = _("{id}{unit}: {title} raised at {when}").format(
                id=ident, unit=self.unit, title=self.title, when=when
            )
        elif self.type is AlarmEventType.CLEARED:
            text = _("{id}{unit}: {title} cleared at {when}").format(
                id=ident, unit=self.unit, title=self.title, when=when
            )
        else:
            text = _("{id}{unit}: {title} still active at {when}, not acknowledged").format(
                id=ident, unit=self.unit, title=self.title, when=when
            )
        if self.value is not None:
            text += _(" (value {value:.1f}, limit {limit})").format(
                value=self.value, limit="-" if self.limit is None else f"{self.limit:g}"
            )
        return text


@dataclass(slots=True)
class ActiveAlarm:
    """A raised alarm whose condition is still present."""

    kind: str
    started_at: datetime
    raised_at: datetime
    announced_at: datetime
    peak: float | None = None
    limit: float | None = None
    acknowledged: bool = False
    alarm_id: int | None = None


@dataclass(slots=True)
class _Pending:
    since: datetime
    peak: float | None = None


@dataclass(frozen=True, slots=True)
class PendingCondition:
    """A condition present since ``since`` whose alarm is not raised yet (still inside its delay)."""

    kind: str
    since: datetime
    peak: float | None = None


@dataclass(frozen=True, slots=True)
class EngineMemory:
    """What an engine knows beyond its active alarms; lost on a restart unless stored."""

    pending: tuple[PendingCondition, ...] = ()
    seen_probes: frozenset[int] = frozenset()  #: probes that have reported a value
    missed_polls: int = 0  #: failed polls in a row


@dataclass
class UnitAlarmEngine:
    """Alarm state of one unit; feed it in time order."""

    unit: str
    settings: AlarmSettings = field(default_factory=AlarmSettings)
    active: dict[str, ActiveAlarm] = field(default_factory=dict)
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _seen_probes: set[int] = field(default_factory=set)
    _missed: int = 0

    # -- restoring and acknowledging -------------------------------------------------

    def restore(self, alarm: ActiveAlarm) -> None:
        """Take over an alarm that was active when the previous run stopped (from the database)."""
        self.active[alarm.kind] = alarm

    def memory(self) -> EngineMemory:
        """The state to store so that a new engine carries on where this one stopped."""
        return EngineMemory(
            pending=tuple(PendingCondition(kind, p.since, p.peak) for kind, p in sorted(self._pending.items())),
            seen_probes=frozenset(self._seen_probes),
            missed_polls=self._missed,
        )

    def recall(self, memory: EngineMemory) -> None:
        """Carry on from a stored :meth:`memory`: delays keep counting from when their conditions began."""
        self._pending = {c.kind: _Pending(c.since, c.peak) for c in memory.pending}
        self._seen_probes = set(memory.seen_probes)
        self._missed = memory.missed_polls

    def acknowledge(self, kind: str) -> None:
        """The active alarm of ``kind`` was acknowledged: it stops re-announcing."""
        alarm = self.active.get(kind)
        if alarm is not None:
            alarm.acknowledged = True

    @property
    def missed_polls(self) -> int:
        return self._missed

    # -- input ---------------------------------------------------------------------

    def on_reading(self, reading: Reading) -> list[AlarmEvent]:
        at = reading.taken_at
        events: list[AlarmEvent] = []
        if self._missed:
            self._missed = 0
        self._settle(COMMUNICATION, False, at, events)
        s = self.settings
        temperature = reading.temperature
        codes = {str(code) for code in reading.alarms}

        # Temperatures: delay before raising, hysteresis before clearing.
        self._threshold(HIGH, temperature, s.high_c, +1, at, events)
        self._threshold(LOW, temperature, s.low_c, -1, at, events)

        # Door: open longer than its delay.
        door = bool(reading.door_open) or DOOR in codes
        self._delayed(DOOR, door, s.door_delay_s, at, events)

        # Power and probes: at once.
        self._settle(POWER, bool(reading.power_failure) or POWER in codes, at, events)
        for index, value in enumerate(reading.probes):
            if value is not None:
                self._seen_probes.add(index)
        lost_probe = any(reading.probes[i] is None for i in self._seen_probes if i < len(reading.probes))
        self._settle(PROBE, lost_probe or PROBE in codes, at, events)

        # LN2 level, with a margin before clearing.
        level = reading.ln2_level_mm
        low_limit = s.ln2_level_low_mm
        level_low = LN2_LOW in codes
        if level is not None and low_limit is not None:
            was = LN2_LOW in self.active
            level_low = level_low or (level < low_limit if not was else level < low_limit + s.ln2_hysteresis_mm)
        self._settle(LN2_LOW, level_low, at, events, value=level, limit=low_limit, sign=-1)

        # Whatever else the device reports.
        device_kinds = {DEVICE_PREFIX + code for code in codes if code not in _MERGED_DEVICE_CODES}
        for kind in sorted(device_kinds):
            self._settle(kind, True, at, events)
        for kind in sorted(k for k in self.active if k.startswith(DEVICE_PREFIX) and k not in device_kinds):
            self._settle(kind, False, at, events)

        events.extend(self.tick(at))
        return events

    def on_poll_failure(self, at: datetime) -> list[AlarmEvent]:
        """A poll produced no reading; ``lost_after`` of them in a row raise a communication alarm."""
        self._missed += 1
        events: list[AlarmEvent] = []
        if self._missed == 1:
            self._pending[COMMUNICATION] = _Pending(at)
        if self._missed >= self.settings.lost_after and COMMUNICATION not in self.active:
            started = self._pending.pop(COMMUNICATION, _Pending(at)).since
            self._raise(COMMUNICATION, started, at, None, None, events)
        events.extend(self.tick(at))
        return events

    def due(self, now: datetime) -> bool:
        """Whether :meth:`tick` at ``now`` would re-announce something."""
        return any(
            not alarm.acknowledged and (now - alarm.announced_at).total_seconds() >= self.settings.reannounce_s
            for alarm in self.active.values()
        )

    def tick(self, now: datetime) -> list[AlarmEvent]:
        """Re-announcements due at ``now`` (call it on every input and from a timer)."""
        events = []
        for alarm in self.active.values():
            if alarm.acknowledged:
                continue
            if (now - alarm.announced_at).total_seconds() >= self.settings.reannounce_s:
                alarm.announced_at = now
                events.append(self._event(AlarmEventType.ANNOUNCE, alarm, now, alarm.peak))
        return events

    # -- rules -----------------------------------------------------------------------

    def _threshold(
        self, kind: str, value: float | None, limit: float | None, sign: int, at: datetime, events: list[AlarmEvent]
    ) -> None:
        """``sign`` +1 for a high limit, -1 for a low one."""
        active = self.active.get(kind)
        if limit is None or value is None:
            # No limit any more, or no working probe (the probe alarm covers that): nothing new starts.
            self._pending.pop(kind, None)
            if active is not None and limit is None:
                self._clear(kind, at, events, value)
            return
        beyond = (value - limit) * sign > 0
        if active is not None:
            if active.peak is None or sign * value > sign * active.peak:
                active.peak = value
            inside_by_margin = (limit - value) * sign >= self.settings.hysteresis_c
            if inside_by_margin:
                self._clear(kind, at, events, value)
            return
        if not beyond:
            self._pending.pop(kind, None)
            return
        pending = self._pending.setdefault(kind, _Pending(at, value))
        if pending.peak is None or sign * value > sign * pending.peak:
            pending.peak = value
        if (at - pending.since).total_seconds() >= self.settings.delay_s:
            del self._pending[kind]
            self._raise(kind, pending.since, at, pending.peak, limit, events, value=value)

    def _delayed(self, kind: str, condition: bool, delay_s: float, at: datetime, events: list[AlarmEvent]) -> None:
        if not condition:
            self._pending.pop(kind, None)
            self._clear(kind, at, events)
            return
        if kind in self.active:
            return
        pending = self._pending.setdefault(kind, _Pending(at))
        if (at - pending.since).total_seconds() >= delay_s:
            del self._pending[kind]
            self._raise(kind, pending.since, at, None, None, events)

    def _settle(
        self,
        kind: str,
        condition: bool,
        at: datetime,
        events: list[AlarmEvent],
        *,
        value: float | None = None,
        limit: float | None = None,
        sign: int = 1,
    ) -> None:
        active = self.active.get(kind)
        if condition:
            if active is None:
                self._raise(kind, at, at, value, limit, events, value=value)
            elif value is not None and (active.peak is None or sign * value > sign * active.peak):
                active.peak = value
        else:
            if kind == COMMUNICATION:
                self._pending.pop(kind, None)
            self._clear(kind, at, events, value)

    def _raise(
        self,
        kind: str,
        started_at: datetime,
        at: datetime,
        peak: float | None,
        limit: float | None,
        events: list[AlarmEvent],
        *,
        value: float | None = None,
    ) -> None:
        alarm = ActiveAlarm(kind, started_at, at, at, peak=peak, limit=limit)
        self.active[kind] = alarm
        events.append(self._event(AlarmEventType.RAISED, alarm, at, value))

    def _clear(self, kind: str, at: datetime, events: list[AlarmEvent], value: float | None = None) -> None:
        alarm = self.active.pop(kind, None)
        if alarm is not None:
            events.append(self._event(AlarmEventType.CLEARED, alarm, at, value))

    def _event(self, type_: AlarmEventType, alarm: ActiveAlarm, at: datetime, value: float | None) -> AlarmEvent:
        return AlarmEvent(
            type=type_,
            unit=self.unit,
            kind=alarm.kind,
            at=at,
            started_at=alarm.started_at,
            value=value,
            peak=alarm.peak,
            limit=alarm.limit,
            alarm_id=alarm.alarm_id,
        )


def with_alarm_id(event: AlarmEvent, alarm_id: int | None) -> AlarmEvent:
    return replace(event, alarm_id=alarm_id)
