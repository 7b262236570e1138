"""Alarm records and exposure history in the database.

An alarm record lives from raising to acknowledgement: *open* while its condition
is active or nobody has acknowledged it. A temperature excursion is attached to
every sample that was available in the unit while it lasted (``alarm_exposure``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from tracseq_desktop.domain.alarms import (
    EXCURSION_KINDS,
    ActiveAlarm,
    AlarmEvent,
    EngineMemory,
    PendingCondition,
    alarm_title,
)
from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.store.models import AlarmEngineState, AlarmExposure, AlarmRecord, Location, Sample
from tracseq_desktop.store.types import from_utc_text, to_utc_text

#: Operations stamp samples with the time they started; a sweep looks back this far so that
#: one committed just after the previous sweep (or on a slightly different clock) is not missed.
SWEEP_SLACK = timedelta(seconds=120)


@dataclass(frozen=True, slots=True)
class AlarmView:
    id: int
    unit: str
    kind: str
    title: str
    started_at: datetime  #: when the condition began (before the delay)
    raised_at: datetime
    cleared_at: datetime | None
    peak: float | None
    limit: float | None
    announced_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    comment: str | None

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def open(self) -> bool:
        """Still in the alarm list: active, or cleared but not yet acknowledged."""
        return self.active or not self.acknowledged

    @property
    def excursion(self) -> bool:
        return self.kind in EXCURSION_KINDS

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "id": self.id,
            "unit": self.unit,
            "kind": self.kind,
            "title": self.title,
            "started_at": iso(self.started_at),
            "raised_at": iso(self.raised_at),
            "cleared_at": iso(self.cleared_at),
            "peak": self.peak,
            "limit": self.limit,
            "active": self.active,
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "comment": self.comment,
        }


@dataclass(frozen=True, slots=True)
class ExposureView:
    """One excursion a sample went through."""

    barcode: str
    alarm: AlarmView

    def as_dict(self) -> dict[str, Any]:
        return {"barcode": self.barcode, **self.alarm.as_dict()}


def alarm_view(row: AlarmRecord, unit_label: str) -> AlarmView:
    return AlarmView(
        id=row.id,
        unit=unit_label,
        kind=row.kind,
        title=alarm_title(row.kind),
        started_at=row.started_at,
        raised_at=row.raised_at,
        cleared_at=row.cleared_at,
        peak=row.peak,
        limit=row.limit_value,
        announced_at=row.announced_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        comment=row.ack_comment,
    )


def alarm_state(row: AlarmRecord) -> dict[str, Any]:
    """What the audit trail keeps of an alarm."""
    return {
        "kind": row.kind,
        "raised_at": row.raised_at,
        "cleared_at": row.cleared_at,
        "peak": row.peak,
        "acknowledged_at": row.acknowledged_at,
        "acknowledged_by": row.acknowledged_by,
    }


# -- inside the reading transaction ---------------------------------------------------------


def active_alarms(session: Session, unit_id: int) -> list[AlarmRecord]:
    return list(
        session.scalars(select(AlarmRecord).where(AlarmRecord.unit_id == unit_id, AlarmRecord.cleared_at.is_(None)))
    )


def units_to_announce(session: Session) -> list[tuple[int, str]]:
    """(id, label) of the units with an active alarm nobody has acknowledged."""
    query = (
        select(Location.id, Location.label)
        .join(AlarmRecord, AlarmRecord.unit_id == Location.id)
        .where(AlarmRecord.cleared_at.is_(None), AlarmRecord.acknowledged_at.is_(None))
        .distinct()
        .order_by(Location.label)
    )
    return [(unit_id, label) for unit_id, label in session.execute(query)]


def as_active(row: AlarmRecord) -> ActiveAlarm:
    """A stored, still active alarm handed back to a fresh engine after a restart."""
    return ActiveAlarm(
        kind=row.kind,
        started_at=row.started_at,
        raised_at=row.raised_at,
        announced_at=row.announced_at,
        peak=row.peak,
        limit=row.limit_value,
        acknowledged=row.acknowledged_at is not None,
        alarm_id=row.id,
    )


def load_memory(session: Session, unit_id: int) -> EngineMemory:
    """What the unit's engine remembered when it last changed (nothing for a unit never monitored)."""
    row = session.get(AlarmEngineState, unit_id)
    if row is None:
        return EngineMemory()
    pending = []
    for item in row.pending:
        since = from_utc_text(item["since"])
        assert since is not None
        pending.append(PendingCondition(str(item["kind"]), since, item.get("peak")))
    seen = frozenset(bit for bit in range(row.seen_probes.bit_length()) if row.seen_probes >> bit & 1)
    return EngineMemory(tuple(pending), seen, row.missed_polls)


def store_memory(session: Session, unit_id: int, memory: EngineMemory, now: datetime) -> None:
    """Keep ``memory`` in the current transaction, with the input that changed it."""
    pending = [{"kind": c.kind, "since": to_utc_text(c.since), "peak": c.peak} for c in memory.pending]
    seen = sum(1 << index for index in memory.seen_probes)
    row = session.get(AlarmEngineState, unit_id)
    if row is None:
        session.add(
            AlarmEngineState(
                unit_id=unit_id, pending=pending, seen_probes=seen, missed_polls=memory.missed_polls, updated_at=now
            )
        )
    else:
        row.pending, row.seen_probes, row.missed_polls, row.updated_at = pending, seen, memory.missed_polls, now


def insert_alarm(session: Session, unit_id: int, event: AlarmEvent) -> int:
    row = AlarmRecord(
        unit_id=unit_id,
        kind=event.kind,
        started_at=event.started_at,
        raised_at=event.at,
        cleared_at=None,
        peak=event.peak,
        limit_value=event.limit,
        announced_at=event.at,
    )
    session.add(row)
    session.flush()
    return row.id


def update_alarm(
    session: Session,
    alarm_id: int,
    *,
    peak: float | None = None,
    cleared_at: datetime | None = None,
    announced_at: datetime | None = None,
) -> None:
    row = session.get(AlarmRecord, alarm_id)
    if row is None:
        return
    if peak is not None:
        row.peak = peak
    if cleared_at is not None:
        row.cleared_at = cleared_at
    if announced_at is not None:
        row.announced_at = announced_at


_EXPOSE = text(
    """WITH RECURSIVE below(id) AS (
        SELECT :unit UNION ALL SELECT l.id FROM location l JOIN below ON l.parent_id = below.id)
    INSERT OR IGNORE INTO alarm_exposure (alarm_id, sample_id)
    SELECT :alarm, s.id FROM sample s
    WHERE s.box_id IN (SELECT id FROM below) AND s.status = :status AND s.updated_at >= :since"""
)


def attach_exposure(session: Session, alarm_id: int, unit_id: int, since: datetime | None) -> None:
    """Attach the excursion to the samples available in the unit (changed since ``since``, or all)."""
    session.connection().execute(
        _EXPOSE,
        {
            "unit": unit_id,
            "alarm": alarm_id,
            "status": SampleStatus.AVAILABLE.value,
            "since": "" if since is None else to_utc_text(since - SWEEP_SLACK),
        },
    )


# -- queries --------------------------------------------------------------------------------


def list_alarms(
    session: Session, *, include_closed: bool, unit_id: int | None = None, limit: int = 500
) -> list[AlarmView]:
    query = select(AlarmRecord, Location.label).join(Location, Location.id == AlarmRecord.unit_id)
    if not include_closed:
        query = query.where(or_(AlarmRecord.cleared_at.is_(None), AlarmRecord.acknowledged_at.is_(None)))
    if unit_id is not None:
        query = query.where(AlarmRecord.unit_id == unit_id)
    query = query.order_by(AlarmRecord.raised_at.desc(), AlarmRecord.id.desc()).limit(limit)
    return [alarm_view(row, label) for row, label in session.execute(query)]


def exposures(session: Session, sample: Sample) -> list[ExposureView]:
    rows = session.execute(
        select(AlarmRecord, Location.label)
        .join(Location, Location.id == AlarmRecord.unit_id)
        .join(AlarmExposure, AlarmExposure.alarm_id == AlarmRecord.id)
        .where(AlarmExposure.sample_id == sample.id)
        .order_by(AlarmRecord.started_at)
    )
    return [ExposureView(sample.barcode, alarm_view(row, label)) for row, label in rows]
