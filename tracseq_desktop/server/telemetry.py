"""Telemetry from workstations: freezer readings and alarm events, append-only and exactly once.

Readings travel as whole hour blocks (``wire.ReadingBlockIn``) and are stored the same way,
sealed, one row per site, unit, hour and workstation. A reading is identified by the
workstation, the unit, the hour, its offset in the hour and its rank among the readings of
that offset; a merge adds only the readings the server does not hold, so a block sent again,
or sent again with readings appended, never doubles one. Alarm events carry a UUID made on
the workstation; an event already held is a duplicate.

Everything in a request is checked before anything is written: a malformed block, a unit of
a site the caller may not see or a location that is not a unit refuses the whole request
(``Refused``) and changes nothing. A unit the server does not know yet (its creation is still
in the workstation's outbox) is *held*: the workstation sends it again later.

Telemetry does not enter the change feed: it never takes the change counter's lock, so it
never queues behind pushes of intents.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.i18n import _
from tracseq_desktop.server.db import ServerDatabase
from tracseq_desktop.server.models import AlarmEventRecord, Location, UnitReadingBlock
from tracseq_desktop.store import readings as packing
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.wire import TelemetryOutcome

MAX_RECORDS = 0xFFFF  #: a block's record count is 16 bits
_CHUNK = 500


class Refused(Exception):
    """The request is refused as a whole (nothing was changed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Unit:
    uuid: str
    site: str
    kind: str


def parse_time(value: str) -> datetime:
    """A wire time (``UtcText``); ``ValueError`` for an impossible date."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def parse_block(text: str) -> packing.Block:
    """The records of a block as sent: plain packing, exact length, offsets inside the hour."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(422, _("A reading block is not valid base64.")) from None
    if len(raw) < 6:
        raise Refused(422, _("A reading block is shorter than its header."))
    codec, layout, count = packing.read_header(raw)
    if codec != packing.OPEN:
        raise Refused(422, _("Reading blocks travel unsealed (codec 0), not codec {codec}.").format(codec=codec))
    if layout.nprobes > packing.MAX_PROBES or layout.probe_mask >> layout.nprobes or raw[3] > 3:
        raise Refused(422, _("A reading block has an impossible layout."))
    if count < 1 or len(raw) != 6 + count * layout.width * 2:
        raise Refused(422, _("A reading block's length does not match its record count."))
    block = packing.decode(raw)
    if block.records[-1][0] >= packing.HOUR_S * 10:
        raise Refused(422, _("A reading lies outside its hour."))
    return block


def merge(held: packing.Block | None, sent: packing.Block) -> tuple[packing.Layout, list[tuple[int, ...]], int]:
    """The records after adding what ``sent`` has beyond ``held``: (layout, records in time order, added)."""
    if held is None:
        return sent.layout, list(sent.records), len(sent.records)
    have = Counter(record[0] for record in held.records)
    seen: Counter[int] = Counter()
    fresh = []
    for record in sent.records:
        seen[record[0]] += 1
        if seen[record[0]] > have[record[0]]:
            fresh.append(record)
    if not fresh:
        return held.layout, list(held.records), 0
    layout = held.layout.union(sent.layout)
    records = [packing.regrid(held.layout, layout, r) for r in held.records]
    records += [packing.regrid(sent.layout, layout, r) for r in fresh]
    records.sort(key=lambda record: record[0])  # stable: at one offset, what was held comes first
    return layout, records, len(fresh)


def _units(session: Session, keys: Iterable[str]) -> dict[str, _Unit]:
    wanted = sorted(set(keys))
    found: dict[str, _Unit] = {}
    for start in range(0, len(wanted), _CHUNK):
        stmt = select(Location.uuid, Location.site, Location.kind).where(
            Location.uuid.in_(wanted[start : start + _CHUNK])
        )
        for uuid, site, kind in session.execute(stmt):
            found[uuid] = _Unit(uuid, site, kind)
    return found


def _check(request: wire.TelemetryRequest) -> list[packing.Block]:
    """Everything that can be checked without the database; raises ``Refused``."""
    blocks = [parse_block(b.data) for b in request.blocks]
    keys = [(b.unit, b.hour) for b in request.blocks]
    if len(set(keys)) != len(keys):
        raise Refused(422, _("A unit and hour appear twice in one request."))
    ids = [e.id for e in request.alarm_events]
    if len(set(ids)) != len(ids):
        raise Refused(422, _("An alarm event appears twice in one request."))
    for event in request.alarm_events:
        try:
            parse_time(event.at)
            if event.started_at is not None:
                parse_time(event.started_at)
        except ValueError:
            raise Refused(422, _("Alarm event {id} has an impossible time.").format(id=event.id)) from None
    return blocks


def push(
    db: ServerDatabase, sites: frozenset[str], workstation_id: str, request: wire.TelemetryRequest, now: datetime
) -> wire.TelemetryResponse:
    """Store what is new in one transaction; raises ``Refused`` (and changes nothing) for a bad request."""
    blocks = _check(request)
    with db.writing() as session:
        units = _units(session, [b.unit for b in request.blocks] + [e.unit for e in request.alarm_events])
        for unit in units.values():
            if unit.site not in sites:
                raise Refused(403, _("No access to site {site}.").format(site=unit.site))
            if unit.kind != "unit":
                raise Refused(422, _("Location {uuid} is not a storage unit.").format(uuid=unit.uuid))
        block_results = _store_blocks(session, units, workstation_id, request.blocks, blocks, now)
        event_results = _store_events(session, units, workstation_id, request.alarm_events, now)
    return wire.TelemetryResponse(blocks=block_results, alarm_events=event_results)


def _store_blocks(
    session: Session,
    units: dict[str, _Unit],
    workstation_id: str,
    sent: list[wire.ReadingBlockIn],
    blocks: list[packing.Block],
    now: datetime,
) -> list[wire.ReadingBlockResult]:
    outcomes: list[tuple[wire.ReadingBlockIn, TelemetryOutcome, int, int]] = []
    for item, block in zip(sent, blocks, strict=True):
        unit = units.get(item.unit)
        if unit is None:
            outcomes.append((item, TelemetryOutcome.HELD, 0, 0))
            continue
        row = session.get(UnitReadingBlock, (unit.site, unit.uuid, item.hour, workstation_id), with_for_update=True)
        held = None if row is None else packing.decode(row.data)
        layout, records, added = merge(held, block)
        if len(records) > MAX_RECORDS:
            raise Refused(422, _("An hour block would hold more than 65535 readings."))
        if row is None:
            row = UnitReadingBlock(
                site=unit.site, unit=unit.uuid, hour=item.hour, workstation_id=workstation_id,
                count=len(records), data=packing.seal_records(layout, records), updated_at=now,
            )  # fmt: skip
            session.add(row)
        elif added:
            row.count, row.data, row.updated_at = len(records), packing.seal_records(layout, records), now
        outcomes.append((item, TelemetryOutcome.APPLIED if added else TelemetryOutcome.DUPLICATE, added, len(records)))
    session.flush()
    totals: dict[str, int] = {}
    for unit_key in {item.unit for item, outcome, *_rest in outcomes if outcome is not TelemetryOutcome.HELD}:
        unit = units[unit_key]
        totals[unit_key] = int(
            session.scalar(
                select(func.coalesce(func.sum(UnitReadingBlock.count), 0)).where(
                    UnitReadingBlock.site == unit.site,
                    UnitReadingBlock.unit == unit.uuid,
                    UnitReadingBlock.workstation_id == workstation_id,
                )
            )
            or 0
        )
    return [
        wire.ReadingBlockResult(
            unit=item.unit,
            hour=item.hour,
            outcome=outcome,
            added=added,
            count=count,
            total=totals.get(item.unit, 0),
            reason=_("The server does not know this unit yet.") if outcome is TelemetryOutcome.HELD else None,
        )
        for item, outcome, added, count in outcomes
    ]


def _store_events(
    session: Session, units: dict[str, _Unit], workstation_id: str, events: list[wire.AlarmEventIn], now: datetime
) -> list[wire.AlarmEventResult]:
    held: dict[str, str] = {}
    ids = [e.id for e in events]
    event_sites = sorted({units[e.unit].site for e in events if e.unit in units})
    for start in range(0, len(ids), _CHUNK):
        stmt = select(AlarmEventRecord.id, AlarmEventRecord.workstation_id).where(
            AlarmEventRecord.site.in_(event_sites), AlarmEventRecord.id.in_(ids[start : start + _CHUNK])
        )
        held.update({key: ws for key, ws in session.execute(stmt)})
    results = []
    for event in events:
        unit = units.get(event.unit)
        if unit is None:
            results.append(
                wire.AlarmEventResult(
                    id=event.id, outcome=TelemetryOutcome.HELD, reason=_("The server does not know this unit yet.")
                )
            )
            continue
        owner = held.get(event.id)
        if owner is not None:
            reason = None if owner == workstation_id else _("This event id belongs to another workstation.")
            results.append(wire.AlarmEventResult(id=event.id, outcome=TelemetryOutcome.DUPLICATE, reason=reason))
            continue
        session.add(
            AlarmEventRecord(
                site=unit.site, id=event.id, alarm=event.alarm, unit=unit.uuid, workstation_id=workstation_id,
                type=event.type.value, kind=event.kind, at=parse_time(event.at),
                started_at=None if event.started_at is None else parse_time(event.started_at),
                peak=event.peak, limit_value=event.limit, actor=event.actor, comment=event.comment, received_at=now,
            )
        )  # fmt: skip
        held[event.id] = workstation_id
        results.append(wire.AlarmEventResult(id=event.id, outcome=TelemetryOutcome.APPLIED))
    return results


# -- reading back (dashboards) --------------------------------------------------------------
def visible_unit(db: ServerDatabase, sites: frozenset[str], uuid: str) -> _Unit:
    with db.reading() as session:
        found = _units(session, [uuid]).get(uuid)
    if found is None or found.kind != "unit":
        raise Refused(404, _("No storage unit {uuid}.").format(uuid=uuid))
    if found.site not in sites:
        raise Refused(403, _("No access to site {site}.").format(site=found.site))
    return found


def readings_page(
    db: ServerDatabase, sites: frozenset[str], uuid: str, start: datetime, end: datetime, limit: int
) -> wire.ReadingsPage:
    """Readings of every workstation with ``start <= at <= end``, oldest first, in whole hours.

    A page ends after the hour where ``limit`` is reached; ``next`` is the start of the hour after it.
    """
    unit = visible_unit(db, sites, uuid)
    first, last = packing.hour_of(start), packing.hour_of(end)
    out: list[tuple[datetime, str, wire.ReadingOut]] = []
    more, following = False, None
    with db.reading() as session:
        stmt = (
            select(UnitReadingBlock.hour, UnitReadingBlock.workstation_id, UnitReadingBlock.data)
            .where(
                UnitReadingBlock.site == unit.site,
                UnitReadingBlock.unit == unit.uuid,
                UnitReadingBlock.hour.between(first, last),
            )
            .order_by(UnitReadingBlock.hour, UnitReadingBlock.workstation_id)
        )
        current = None
        result = session.execute(stmt.execution_options(yield_per=200))
        try:
            for hour, workstation, data in result:
                if current is not None and hour != current and len(out) >= limit:
                    more, following = True, to_utc_text(packing.hour_start(hour))
                    break
                current = hour
                for reading in packing.readings_of(unit.uuid, int(hour), bytes(data)):
                    if start <= reading.taken_at <= end:
                        out.append((reading.taken_at, workstation, _reading_out(reading, workstation)))
        finally:
            result.close()  # a page may stop early: PostgreSQL's server-side cursor must not linger
    out.sort(key=lambda item: (item[0], item[1]))
    return wire.ReadingsPage(
        unit=unit.uuid, site=unit.site, readings=[r for _at, _ws, r in out], more=more, next=following
    )


def _reading_out(reading: Reading, workstation: str) -> wire.ReadingOut:
    return wire.ReadingOut(
        at=to_utc_text(reading.taken_at),
        probes=list(reading.probes),
        setpoint=reading.setpoint,
        door_open=reading.door_open,
        compressor_on=reading.compressor_on,
        defrost=reading.defrost,
        power_failure=reading.power_failure,
        ln2_filling=reading.ln2_filling,
        ln2_level_mm=reading.ln2_level_mm,
        device_alarms=bool(reading.alarms),
        workstation=workstation,
    )


def alarm_events(
    db: ServerDatabase, sites: frozenset[str], uuid: str, start: datetime, end: datetime, limit: int
) -> list[wire.AlarmEventOut]:
    """Alarm events of the unit with ``start <= at <= end``, oldest first (at most ``limit``)."""
    unit = visible_unit(db, sites, uuid)
    with db.reading() as session:
        rows = session.scalars(
            select(AlarmEventRecord)
            .where(
                AlarmEventRecord.site == unit.site,
                AlarmEventRecord.unit == unit.uuid,
                AlarmEventRecord.at >= start,
                AlarmEventRecord.at <= end,
            )
            .order_by(AlarmEventRecord.at, AlarmEventRecord.id)
            .limit(limit)
        ).all()
    return [
        wire.AlarmEventOut(
            id=r.id,
            alarm=r.alarm,
            unit=r.unit,
            site=r.site,
            workstation=r.workstation_id,
            type=wire.AlarmEventType(r.type),
            kind=r.kind,
            at=to_utc_text(r.at),
            started_at=None if r.started_at is None else to_utc_text(r.started_at),
            peak=r.peak,
            limit=r.limit_value,
            actor=r.actor,
            comment=r.comment,
        )
        for r in rows
    ]
