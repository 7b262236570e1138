"""The bulk path of a push: runs of registrations, change-feed rows and audit entries in a few statements.

A run of ``sample.register`` intents is checked in memory against what a few ``IN``
queries found (ids, barcodes, parents, boxes and their occupied places) and written
with one ``executemany`` per table. Only an intent that would be applied cleanly takes
this path; anything else (a duplicate key, a sequence gap, bad arguments, a taken id,
barcode or place, an unknown box or parent) goes through the per-intent path in
``apply`` with its savepoint, so every outcome and reason stays exactly what that path
gives. Should the database still refuse a bulk write, its savepoint is rolled back and
those intents are applied one by one instead.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, TextClause, select, text
from sqlalchemy.exc import DBAPIError

from tracseq_desktop.server.context import PushContext
from tracseq_desktop.server.models import Location, Sample
from tracseq_desktop.server.states import LOCATION_FIELDS, SAMPLE_FIELDS, location_state_raw, sample_state_raw
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.wire import Outcome

CHUNK = 500  #: keys per ``IN`` list

_S = Sample.__table__.c
_L = Location.__table__.c

_SAMPLE_COLUMNS = (
    "uuid", "site", "barcode", "sample_type", "status", "volume_nl", "concentration", "concentration_unit", "project",
    "owner", "collected_at", "expires_at", "freeze_thaw_count", "attributes", "parent", "box", "row", "col", "version",
    "clocks", "created_at", "updated_at",
)  # fmt: skip
_MUTATION_COLUMNS = (
    "key", "site", "workstation_id", "seq", "operation_id", "kind", "args", "expect", "hlc", "at", "actor", "user_id",
    "outcome", "reason", "conflict_id", "received_at",
)  # fmt: skip
_AUDIT_COLUMNS = (
    "site", "workstation_id", "local_id", "at", "actor", "action", "entity_type", "entity_key", "before", "after",
    "reason", "operation_id", "hash",
)  # fmt: skip
_CHANGE_COLUMNS = ("seq", "site", "entity_type", "key", "data")


class Insert:
    """A plain INSERT of rows already in their stored form: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    SQLAlchemy's per-row parameter processing would cost more than the insert itself here,
    and on PostgreSQL one ``COPY`` stream costs a fraction of a statement per row. A row the
    database refuses fails the whole call with a ``DBAPIError``, either way.
    """

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._values = itemgetter(*self.columns)
        quoted = ", ".join(f'"{c}"' for c in self.columns)
        self._copy = f"COPY {table} ({quoted}) FROM STDIN"

    def sql(self, conn: Connection) -> str:
        style = conn.dialect.paramstyle
        marks = [f"%({c})s" if style in ("pyformat", "format") else f":{c}" for c in self.columns]
        quoted = ", ".join(f'"{c}"' for c in self.columns)
        return f"INSERT INTO {self.table} ({quoted}) VALUES ({', '.join(marks)})"

    def run(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if conn.dialect.name != "postgresql":
            conn.exec_driver_sql(self.sql(conn), rows)
            return
        dbapi = conn.dialect.loaded_dbapi
        raw = conn.connection.driver_connection
        assert raw is not None
        try:
            with raw.cursor() as cursor, cursor.copy(self._copy) as copy:
                for row in rows:
                    copy.write_row(self._values(row))
        except dbapi.Error as error:  # as SQLAlchemy would have wrapped it; the caller's savepoint rolls back
            raise DBAPIError.instance(self._copy, None, error, dbapi.Error, dialect=conn.dialect) from error


INSERT_SAMPLE = Insert("sample", _SAMPLE_COLUMNS)
INSERT_MUTATION = Insert("mutation", _MUTATION_COLUMNS)
INSERT_AUDIT = Insert("audit_entry", _AUDIT_COLUMNS)
INSERT_CHANGE = Insert("change", _CHANGE_COLUMNS)

#: ``canonical_json``'s encoder, made once (``json.dumps`` with options builds one per call)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode


def json_text(value: Any) -> str:
    """``canonical_json``, with the common empty object spelled out."""
    return "{}" if isinstance(value, dict) and not value else _CANONICAL(value)


_KEYED: dict[tuple[str, str], TextClause] = {}


def select_keyed(conn: Connection, sql: str, keys: Iterable[str]) -> list[Any]:
    """Rows of ``sql`` (whose ``:keys`` stands for a list of keys), all keys bound as one parameter.

    ``x IN :keys`` with hundreds of bound values is compiled anew on every call; one array
    (PostgreSQL ``= ANY``) or one JSON list (SQLite ``json_each``) is a single cached statement.
    """
    values = sorted(set(keys))
    if not values:
        return []
    dialect = conn.dialect.name
    stmt = _KEYED.get((dialect, sql))
    if stmt is None:
        spelled = "= ANY(:keys)" if dialect == "postgresql" else "IN (SELECT value FROM json_each(:keys))"
        stmt = _KEYED[(dialect, sql)] = text(sql.replace("IN :keys", spelled))
    return list(conn.execute(stmt, {"keys": values if dialect == "postgresql" else json.dumps(values)}))


def chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def wire_time(value: str) -> str:
    """A wire time as stored (``to_utc_text``'s form, which the wire pattern already enforces).

    Raises ``ValueError`` for an impossible date, as ``context.parse_time`` does.
    """
    datetime.fromisoformat(value[:-1])
    return value


def optional_wire_time(value: str | None) -> str | None:
    return None if value is None else wire_time(value)


# -- registrations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Box:
    uuid: str
    site: str
    kind: str
    retired: bool
    rows: int | None
    cols: int | None
    capacity: int | None


@dataclass
class _Known:
    """What the database (and this run's registrations so far) holds for the run's keys."""

    samples: dict[str, str] = field(default_factory=dict)  #: uuid -> site
    barcodes: set[str] = field(default_factory=set)
    boxes: dict[str, _Box] = field(default_factory=dict)
    slots: set[tuple[str, int, int]] = field(default_factory=set)
    held: Counter[str] = field(default_factory=Counter)  #: samples in each gridless box

    def add(self, uuid: str, site: str, barcode: str, box: str | None, row: int | None, col: int | None) -> None:
        self.samples[uuid] = site
        self.barcodes.add(barcode)
        if box is not None and box in self.boxes:
            if self.boxes[box].rows is None:
                self.held[box] += 1
            elif row is not None and col is not None:
                self.slots.add((box, row, col))


def _strings(run: Sequence[wire.Mutation], name: str) -> set[str]:
    return {v for m in run if isinstance(v := m.args.get(name), str)}


def _load(conn: Connection, run: Sequence[wire.Mutation]) -> _Known:
    known = _Known()
    found = select_keyed(
        conn, "SELECT uuid, site FROM sample WHERE uuid IN :keys", _strings(run, "uuid") | _strings(run, "parent")
    )
    known.samples.update((r[0], r[1]) for r in found)
    known.barcodes.update(
        r[0] for r in select_keyed(conn, "SELECT barcode FROM sample WHERE barcode IN :keys", _strings(run, "barcode"))
    )
    boxes = "SELECT uuid, site, kind, retired, rows, cols, capacity FROM location WHERE uuid IN :keys"
    for r in select_keyed(conn, boxes, _strings(run, "box")):
        known.boxes[r[0]] = _Box(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6])
    grids = [b.uuid for b in known.boxes.values() if b.rows is not None]
    taken = 'SELECT box, "row", col FROM sample WHERE box IN :keys AND "row" IS NOT NULL AND col IS NOT NULL'
    known.slots.update((r[0], r[1], r[2]) for r in select_keyed(conn, taken, grids))
    gridless = [b.uuid for b in known.boxes.values() if b.rows is None]
    counts = "SELECT box, count(*) FROM sample WHERE box IN :keys GROUP BY box"
    known.held.update({str(r[0]): int(r[1]) for r in select_keyed(conn, counts, gridless)})
    return known


def _learn(conn: Connection, known: _Known, m: wire.Mutation) -> None:
    """After the per-intent path handled ``m``: take in the one sample it may have written."""
    uuid = m.args.get("uuid")
    if not isinstance(uuid, str):
        return
    stmt = select(_S.uuid, _S.site, _S.barcode, _S.box, _S.row, _S.col).where(_S.uuid == uuid)
    row = conn.execute(stmt).first()
    if row is not None and row.uuid not in known.samples:
        known.add(row.uuid, row.site, row.barcode, row.box, row.row, row.col)


def _parse(m: wire.Mutation) -> tuple[wire.SampleRegisterArgs, str, str | None, str | None] | None:
    try:
        a = wire.SampleRegisterArgs.model_validate(m.args)
        return a, wire_time(m.at), optional_wire_time(a.collected_at), optional_wire_time(a.expires_at)
    except (ValidationError, ValueError):
        return None


def _box_takes(known: _Known, box: _Box, row: int | None, col: int | None) -> bool:
    """As ``context._slot_free`` answers for a new sample: the place exists and is free."""
    if box.rows is None:
        return row is None and col is None and known.held[box.uuid] < (box.capacity or 0)
    if row is None or col is None or not (0 <= row < box.rows and 0 <= col < (box.cols or 0)):
        return False
    return (box.uuid, row, col) not in known.slots


def _clean_registration(ctx: PushContext, known: _Known, m: wire.Mutation, last: int) -> dict[str, Any] | None:
    """The sample row if ``m`` (after sequence number ``last``) would be applied as it stands; else None.

    None sends it down the per-intent path.
    """
    ws = ctx.workstation
    parsed = _parse(m) if m.key not in ctx.known and m.seq == last + 1 else None
    if parsed is None:
        return None
    a, at, collected, expires = parsed
    box = known.boxes.get(a.box) if a.box is not None else None
    site = box.site if box is not None else ws.site
    clean = (
        a.uuid not in known.samples
        and a.barcode not in known.barcodes
        and (a.parent is None or known.samples.get(a.parent) in ctx.sites)
        and (a.box is None or (box is not None and box.kind == "box" and not box.retired))
        and site in ctx.sites
        and (box is None or _box_takes(known, box, a.row, a.col))
    )
    if not clean:
        return None
    row, col = (a.row, a.col) if box is not None else (None, None)
    known.add(a.uuid, site, a.barcode, box.uuid if box else None, row, col)
    return {
        "uuid": a.uuid, "site": site, "barcode": a.barcode, "sample_type": a.sample_type, "status": a.status,
        "volume_nl": a.volume_nl, "concentration": a.concentration, "concentration_unit": a.concentration_unit,
        "project": a.project, "owner": a.owner, "collected_at": collected, "expires_at": expires,
        "freeze_thaw_count": a.freeze_thaw_count, "attributes": json_text(dict(a.attributes)),
        "parent": a.parent, "box": box.uuid if box else None, "row": row, "col": col, "version": 1, "clocks": "{}",
        "created_at": at, "updated_at": at,
    }  # fmt: skip


def _state(row: dict[str, Any], m: wire.Mutation) -> dict[str, Any]:
    """The wire state of a sample just written from ``row`` (what ``fetch_states`` would read back)."""
    state = {name: row[name] for name in SAMPLE_FIELDS}
    attributes = m.args.get("attributes")
    state["attributes"] = dict(attributes) if isinstance(attributes, dict) else {}
    return state


def mutation_row(
    ctx: PushContext,
    m: wire.Mutation,
    received: str,
    outcome: Outcome = Outcome.APPLIED,
    reason: str | None = None,
    conflict: str | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    """The ``mutation`` row of ``m`` as stored (what the ORM would write for a ``MutationRecord``)."""
    ws = ctx.workstation
    return {
        "key": m.key, "site": ws.site, "workstation_id": ws.id, "seq": m.seq, "operation_id": m.operation_id,
        "kind": m.kind.value, "args": json_text(m.args), "expect": json_text(m.expect), "hlc": m.hlc,
        "at": wire_time(m.at) if at is None else at, "actor": m.actor, "user_id": ctx.user.id,
        "outcome": outcome.value, "reason": reason, "conflict_id": conflict, "received_at": received,
    }  # fmt: skip


Slow = Callable[[wire.Mutation], wire.MutationResult]


def apply_registrations(ctx: PushContext, run: Sequence[wire.Mutation], slow: Slow) -> list[wire.MutationResult]:
    """Apply a run of ``sample.register`` intents; ``slow`` is the per-intent path (``feed._apply_one``)."""
    session = ctx.session
    session.flush()
    conn = session.connection()
    known = _load(conn, run)
    received = to_utc_text(ctx.now)
    results: list[wire.MutationResult] = []
    batch: list[tuple[int, wire.Mutation, dict[str, Any]]] = []
    #: the workstation's sequence before the batch, and through it (set on the workstation row when written)
    before = last = ctx.workstation.last_seq

    def write() -> bool:
        """Write the batch; False if the database refused it (then each intent went the slow way)."""
        nonlocal before, last
        if not batch:
            return True
        ctx.workstation.last_seq = last
        try:
            with session.begin_nested():  # the savepoint is taken when the session hands out its connection
                nested = session.connection()
                INSERT_SAMPLE.run(nested, [row for _i, _m, row in batch])
                INSERT_MUTATION.run(nested, [mutation_row(ctx, m, received) for _i, m, _row in batch])
            refused = False
        except DBAPIError:
            refused = True
            ctx.workstation.last_seq = before
            for index, m, _row in batch:
                results[index] = slow(m)
        batch.clear()
        before = last = ctx.workstation.last_seq
        return not refused

    for m in run:
        row = _clean_registration(ctx, known, m, last)
        if row is not None:
            ctx.touch("sample", row["uuid"])
            ctx.fresh[row["uuid"]] = _state(row, m)
            batch.append((len(results), m, row))
            results.append(wire.MutationResult(key=m.key, seq=m.seq, outcome=Outcome.APPLIED))
            last = m.seq
            continue
        if not write():
            known = _load(conn, run)
        results.append(slow(m))
        before = last = ctx.workstation.last_seq
        if m.key not in ctx.known:
            _learn(conn, known, m)
    write()
    return results


# -- change feed ---------------------------------------------------------------------------------
def fetch_states(conn: Connection, entity_type: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Wire states by UUID, read as stored (no per-value type processing), in one query."""
    fields, make = (
        (LOCATION_FIELDS, location_state_raw) if entity_type == "location" else (SAMPLE_FIELDS, sample_state_raw)
    )
    sql = f"SELECT {', '.join(fields)} FROM {entity_type} WHERE uuid IN :keys"
    return {values[0]: make(values) for values in select_keyed(conn, sql, keys)}


def depths(conn: Connection, table: str, parent_of: dict[str, str | None], cap: int) -> dict[str, int]:
    """How many existing ancestors (through ``parent``) each key of ``parent_of`` has, at most ``cap``."""
    keys = list(parent_of)
    parent_of = dict(parent_of)
    sql = f"SELECT uuid, parent FROM {table} WHERE uuid IN :keys"
    queried = set(parent_of)
    missing = {p for p in parent_of.values() if p is not None and p not in queried}
    for _level in range(cap + 1):
        if not missing:
            break
        queried |= missing
        parent_of.update((r[0], r[1]) for r in select_keyed(conn, sql, missing))
        missing = {p for p in parent_of.values() if p is not None and p not in queried}
    result: dict[str, int] = {}
    for key in keys:
        depth, current = 0, key
        while depth < cap:
            parent = parent_of.get(current)
            if parent is None or parent not in parent_of:
                break
            current, depth = parent, depth + 1
        result[key] = depth
    return result


__all__ = [
    "INSERT_AUDIT",
    "INSERT_CHANGE",
    "INSERT_MUTATION",
    "apply_registrations",
    "depths",
    "fetch_states",
    "mutation_row",
    "wire_time",
]
