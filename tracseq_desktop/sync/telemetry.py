"""Pushing freezer readings and alarm events to the central server: append-only, exactly once.

Readings go as whole hour blocks (see ``server/telemetry.py`` for how the server merges
them without doubling); alarm events each with a UUID derived from this workstation's id
and the alarm's local id and step, so a resend carries the same UUID. What the server
confirmed is kept in two ``meta`` keys, written in the same local transaction that records
the answer:

* ``sync.telemetry.readings``: per local unit id, ``h``/``n`` the last hour sent and the
  readings the server holds of it, ``t`` the readings the server holds of the unit in
  all, ``s`` the local total when the unit last settled (nothing to send while the unit's
  local total stays there) and ``r`` set while every hour is sent again (a rescan: an
  hour before ``h`` grew, e.g. by an import, which the totals disclose);
* ``sync.telemetry.alarms``: ``through``, the alarm id up to which every step is on the
  server, and ``sent``, the steps sent of each later alarm (bits: raised 1, cleared 2,
  acknowledged 4).

A lost answer is harmless: the next push sends the same blocks and events, and the server
answers "duplicate". Collecting reads in a read transaction (the monitoring service keeps
writing); a backlog goes in bounded batches, at most ``max_batches`` per call.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tracseq_desktop.store import readings as packing
from tracseq_desktop.store.database import Database
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.outbox import NODE_KEY, meta_get, meta_set
from tracseq_desktop.sync.replica import parse_utc

log = logging.getLogger(__name__)

READINGS_KEY = "sync.telemetry.readings"
ALARMS_KEY = "sync.telemetry.alarms"
#: UUIDs of alarm events are ``uuid5(EVENT_NAMESPACE, "<workstation>/<alarm id>/<step>")``
EVENT_NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4d8e-9a51-2f4b8c0d7e13")
RAISED, CLEARED, ACKNOWLEDGED = 1, 2, 4
ALL_STEPS = RAISED | CLEARED | ACKNOWLEDGED
_STEP_NAMES = {RAISED: wire.AlarmEventType.RAISED, CLEARED: wire.AlarmEventType.CLEARED,
               ACKNOWLEDGED: wire.AlarmEventType.ACKNOWLEDGED}  # fmt: skip

_TOTALS_SQL = text("SELECT unit_id, sum(n) AS total FROM reading_rollup WHERE period_s = 86400 GROUP BY unit_id")
_UNIT_UUID_SQL = text("SELECT uuid FROM sync_key WHERE entity_type = 'location' AND local_id = :id")
_BLOCKS_SQL = text(
    "SELECT hour, data FROM reading_block WHERE unit_id = :unit AND hour >= :hour ORDER BY hour LIMIT :n"
)
_ALARMS_SQL = text(
    "SELECT id, unit_id, kind, started_at, raised_at, cleared_at, peak, limit_value, acknowledged_at,"
    " acknowledged_by, ack_comment FROM alarm WHERE id > :after ORDER BY id"
)
_ALARM_IDS_SQL = text("SELECT id FROM alarm WHERE id > :after ORDER BY id")


@dataclass
class TelemetryReport:
    readings: int = 0  #: readings new to the server
    alarm_events: int = 0  #: alarm events new to the server
    duplicates: int = 0  #: alarm events the server held already (an earlier answer was lost)
    held: set[str] = field(default_factory=set)  #: units the server does not know yet (their location waits)
    more: bool = False  #: the batch limit was reached: the next sync goes on


@dataclass
class _Batch:
    blocks: list[dict[str, Any]] = field(default_factory=list)
    block_units: dict[str, int] = field(default_factory=dict)  #: unit UUID -> local unit id
    events: list[dict[str, Any]] = field(default_factory=list)
    event_steps: dict[str, tuple[int, int]] = field(default_factory=dict)  #: event UUID -> (alarm id, step)
    records: int = 0
    settle: dict[int, dict[str, int]] = field(default_factory=dict)  #: unit id -> its marker, decided at collection

    def empty(self) -> bool:
        return not self.blocks and not self.events


class TelemetryPusher:
    """Pushes this workstation's readings and alarm events; one at a time per database (as syncs are)."""

    def __init__(
        self,
        db: Database,
        client: SyncClient,
        *,
        max_records: int = 50_000,
        max_blocks: int = 500,
        max_events: int = 500,
        max_batches: int = 20,
    ) -> None:
        self.db = db
        self.client = client
        self.max_records = max_records
        self.max_blocks = max_blocks
        self.max_events = max_events
        self.max_batches = max_batches

    def push(self, report: TelemetryReport | None = None) -> TelemetryReport:
        """Send batches until nothing is left or ``max_batches`` were sent; raises ``Offline``/``ServerRefused``."""
        report = report or TelemetryReport()
        for _batch in range(self.max_batches):
            batch = self._collect(report.held)
            if batch.settle:
                self._settle(batch.settle)
            if batch.empty():
                if any(marker["r"] for marker in batch.settle.values()):
                    continue  # a rescan starts: collect again from the first hour
                return report
            body = json.dumps({"blocks": batch.blocks, "alarm_events": batch.events}, separators=(",", ":"))
            answer = self.client.push_telemetry(body.encode())
            self._record(batch, answer, report)
        report.more = not self._collect(set(report.held)).empty()
        return report

    # -- collecting ------------------------------------------------------------------------
    def _collect(self, held: set[str]) -> _Batch:
        batch = _Batch()
        with self.db.reading() as session:
            node = meta_get(session, NODE_KEY) or ""
            markers = _load(session, READINGS_KEY, {})
            conn = session.connection()
            for unit_id, total in sorted((int(r.unit_id), int(r.total)) for r in conn.execute(_TOTALS_SQL)):
                if batch.records >= self.max_records or len(batch.blocks) >= self.max_blocks:
                    break
                self._collect_unit(session, batch, held, unit_id, total, markers.get(str(unit_id)))
            self._collect_alarms(session, batch, held, node)
        return batch

    def _collect_unit(
        self, session: Session, batch: _Batch, held: set[str], unit_id: int, total: int, marker: dict[str, int] | None
    ) -> None:
        m = dict(marker or {"h": -1, "n": 0, "t": 0, "s": -1, "r": 0})
        if total == m["s"]:
            return
        unit = session.connection().execute(_UNIT_UUID_SQL, {"id": unit_id}).scalar()
        if unit is None or unit in held:
            held.add(unit or f"local:{unit_id}")
            return
        room = min(self.max_blocks - len(batch.blocks), 1000)
        sent = 0
        for hour, data in session.connection().execute(_BLOCKS_SQL, {"unit": unit_id, "hour": m["h"], "n": room}):
            blob = bytes(data)
            _codec, _layout, count = packing.read_header(blob)
            if hour == m["h"] and count == m["n"]:
                continue
            if sent and batch.records + count > self.max_records:
                break
            block = packing.decode(blob)
            plain = packing.encode_open(block.layout, block.records)
            batch.blocks.append({"unit": unit, "hour": int(hour), "data": base64.b64encode(plain).decode("ascii")})
            batch.block_units[unit] = unit_id
            batch.records += count
            sent += 1
        if sent:
            return
        # Nothing after the marker: either every reading is on the server, or an earlier hour grew.
        if m["t"] != total and not m["r"]:
            log.info("readings of unit %s: the server holds %s of %s; sending every hour again", unit, m["t"], total)
            m.update(h=-1, n=0, r=1)
        else:
            if m["t"] != total:
                log.warning("readings of unit %s: %s on the server, %s counted here", unit, m["t"], total)
            m.update(s=total, r=0)
        batch.settle[unit_id] = m

    def _collect_alarms(self, session: Session, batch: _Batch, held: set[str], node: str) -> None:
        state = _load(session, ALARMS_KEY, {"through": 0, "sent": {}})
        sent: dict[str, int] = state["sent"]
        for row in session.connection().execute(_ALARMS_SQL, {"after": int(state["through"])}):
            steps = RAISED | (CLEARED if row.cleared_at else 0) | (ACKNOWLEDGED if row.acknowledged_at else 0)
            todo = steps & ~sent.get(str(row.id), 0)
            if not todo:
                continue
            unit = session.connection().execute(_UNIT_UUID_SQL, {"id": row.unit_id}).scalar()
            if unit is None or unit in held:
                held.add(unit or f"local:{row.unit_id}")
                continue
            for step in (RAISED, CLEARED, ACKNOWLEDGED):
                if todo & step:
                    event = _event(node, unit, row, step)
                    batch.events.append(event)
                    batch.event_steps[event["id"]] = (int(row.id), step)
            if len(batch.events) >= self.max_events:
                return

    # -- recording the answer ------------------------------------------------------------------
    def _settle(self, decided: dict[int, dict[str, int]]) -> None:
        with self.db.writing() as session:
            markers = _load(session, READINGS_KEY, {})
            for unit_id, marker in decided.items():
                markers[str(unit_id)] = marker
            meta_set(session, READINGS_KEY, _dump(markers))

    def _record(self, batch: _Batch, answer: wire.TelemetryResponse, report: TelemetryReport) -> None:
        with self.db.writing() as session:
            markers = _load(session, READINGS_KEY, {})
            for result in answer.blocks:
                unit_id = batch.block_units.get(result.unit)
                if unit_id is None:
                    continue
                if result.outcome is wire.TelemetryOutcome.HELD:
                    report.held.add(result.unit)
                    continue
                m = markers.setdefault(str(unit_id), {"h": -1, "n": 0, "t": 0, "s": -1, "r": 0})
                if result.hour >= m["h"]:
                    m["h"], m["n"] = result.hour, result.count
                m["t"] = result.total
                report.readings += result.added
            meta_set(session, READINGS_KEY, _dump(markers))
            state = _load(session, ALARMS_KEY, {"through": 0, "sent": {}})
            sent: dict[str, int] = state["sent"]
            for event_result in answer.alarm_events:
                step = batch.event_steps.get(event_result.id)
                if step is None:
                    continue
                if event_result.outcome is wire.TelemetryOutcome.HELD:
                    continue
                alarm_id, bit = step
                sent[str(alarm_id)] = sent.get(str(alarm_id), 0) | bit
                if event_result.outcome is wire.TelemetryOutcome.APPLIED:
                    report.alarm_events += 1
                else:
                    report.duplicates += 1
            through = int(state["through"])
            for (alarm_id,) in session.connection().execute(_ALARM_IDS_SQL, {"after": through}):
                if sent.get(str(alarm_id)) != ALL_STEPS:
                    break
                del sent[str(alarm_id)]
                through = int(alarm_id)
            meta_set(session, ALARMS_KEY, _dump({"through": through, "sent": sent}))


def _event(node: str, unit: str, row: Any, step: int) -> dict[str, Any]:
    kind = _STEP_NAMES[step]
    event: dict[str, Any] = {
        "id": str(uuid.uuid5(EVENT_NAMESPACE, f"{node}/{row.id}/{kind.value}")),
        "alarm": str(uuid.uuid5(EVENT_NAMESPACE, f"{node}/{row.id}")),
        "unit": unit,
        "type": kind.value,
        "kind": str(row.kind)[:64],
        "limit": row.limit_value,
    }
    if step == RAISED:
        event.update(at=_wire_time(row.raised_at), started_at=_wire_time(row.started_at))
    elif step == CLEARED:
        event.update(at=_wire_time(row.cleared_at), peak=row.peak)
    else:
        event.update(
            at=_wire_time(row.acknowledged_at),
            actor=(row.acknowledged_by or "unknown")[:100],
            comment=None if row.ack_comment is None else row.ack_comment[:2000],
        )
    return event


def _wire_time(stored: str | None) -> str | None:
    """A stored time (``to_utc_text``'s form already) as the wire wants it, checked on the way."""
    value = parse_utc(stored)
    return None if value is None else to_utc_text(value)


def _load(session: Session, key: str, default: Any) -> Any:
    stored = meta_get(session, key)
    return json.loads(stored) if stored else default


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
