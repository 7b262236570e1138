"""Applying a pulled page in bulk: runs of sample states written with one ``executemany`` each.

``Replica.sample`` finds and writes one row with half a dozen statements; a page of a
thousand new or changed samples would cost seconds. Here a run of sample states is
checked against what a few ``IN`` queries found (UUIDs, barcodes, places, boxes) and
written in order, in groups of the same statement. A state that needs more than a plain
write (a barcode or place held by another row, a box or sample type this replica lacks)
goes through ``Replica.sample`` instead, exactly as before, and the lookups are read
again after it. The search index stays in step through its triggers: an update leaves
the indexed columns out unless one of them changed; when rows are inserted or indexed
columns change, the triggers are set aside for the write and those rows indexed in one
statement (row by row the triggers cost four times the write).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text

from tracseq_desktop.store.models import Sample
from tracseq_desktop.store.types import canonical_json
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.replica import Replica

CHUNK = 500

_ROW_COLUMNS = (
    "barcode", "sample_type", "status", "volume_nl", "concentration", "concentration_unit", "project", "owner",
    "collected_at", "expires_at", "freeze_thaw_count", "attributes", "parent_id", "box_id", "pos_row", "pos_col",
    "version", "created_at", "updated_at",
)  # fmt: skip
#: columns the search-index trigger watches (``sample_fts_update``)
_INDEXED = ("barcode", "sample_type", "project", "owner", "box_id")
_PLAIN = tuple(c for c in _ROW_COLUMNS if c not in _INDEXED)

_INSERT = f"INSERT INTO sample (id, {', '.join(_ROW_COLUMNS)}) VALUES (:id, {', '.join(':' + c for c in _ROW_COLUMNS)})"
_UPDATE_ALL = f"UPDATE sample SET {', '.join(f'{c} = :{c}' for c in _ROW_COLUMNS)} WHERE id = :id"
_UPDATE_PLAIN = f"UPDATE sample SET {', '.join(f'{c} = :{c}' for c in _PLAIN)} WHERE id = :id"
_BIND = "INSERT OR REPLACE INTO sync_key (entity_type, local_id, uuid, site) VALUES ('sample', :id, :uuid, :site)"
_SITE = "UPDATE sync_key SET site = :site WHERE entity_type = 'sample' AND local_id = :id"


def _in(sql: str) -> Any:
    return text(sql).bindparams(bindparam("keys", expanding=True))


_KEYS = _in("SELECT uuid, local_id, site FROM sync_key WHERE entity_type = :kind AND uuid IN :keys")
_BY_BARCODE = _in("SELECT id, barcode, box_id, pos_row, pos_col FROM sample WHERE barcode IN :keys")
_BY_ID = _in("SELECT id, barcode, sample_type, project, owner, box_id, pos_row, pos_col FROM sample WHERE id IN :keys")
_IN_BOXES = _in(
    "SELECT id, barcode, box_id, pos_row, pos_col FROM sample WHERE box_id IN :keys"
    " AND pos_row IS NOT NULL AND pos_col IS NOT NULL"
)


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _time(value: str | None) -> str | None:
    """Wire time as stored locally; an impossible date fails as ``replica.parse_utc`` would."""
    if value is not None:
        datetime.fromisoformat(value[:-1])
    return value


@dataclass
class _Lookups:
    """The replica's rows that a run of states can meet, kept up to date as the run is written."""

    keys: dict[str, tuple[int, str | None]] = field(default_factory=dict)  #: sample uuid -> (row id, site)
    boxes: dict[str, int] = field(default_factory=dict)  #: box uuid -> row id
    barcodes: dict[str, int] = field(default_factory=dict)
    slots: dict[tuple[int, int, int], int] = field(default_factory=dict)
    #: known rows: the indexed columns (``_INDEXED``), then row and column
    rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def forget(self, row_id: int) -> None:
        old = self.rows.pop(row_id, None)
        if old is None:
            return
        if self.barcodes.get(old[0]) == row_id:
            del self.barcodes[old[0]]
        slot = (old[4], old[5], old[6])
        if self.slots.get(slot) == row_id:
            del self.slots[slot]

    def remember(self, row_id: int, values: dict[str, Any]) -> None:
        self.forget(row_id)
        box, row, col = values["box_id"], values["pos_row"], values["pos_col"]
        self.rows[row_id] = (
            values["barcode"],
            values["sample_type"],
            values["project"],
            values["owner"],
            box,
            row,
            col,
        )
        self.barcodes[values["barcode"]] = row_id
        if box is not None and row is not None and col is not None:
            self.slots[(box, row, col)] = row_id


def set_aside_search_triggers(conn: Connection) -> list[str]:
    """Drop the search-index triggers for a bulk write; returns their SQL to put them back.

    Row by row the triggers cost about four times what the write itself does; the
    index is brought up to date in one statement instead (``index_samples``). Done
    inside the write's transaction: should it fail, the rollback brings them back too.
    """
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sample_fts_%' ORDER BY name"
    ).all()
    for name, _sql in found:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [sql for _name, sql in found]


_PLACE_WORDS = (
    "SELECT s.id, s.barcode, s.sample_type, coalesce(s.project, ''), coalesce(s.owner, ''),"
    " coalesce(l.search_words, '') FROM sample s LEFT JOIN location l ON l.id = s.box_id"
)
_UNINDEX = "DELETE FROM sample_fts WHERE rowid IN (SELECT value FROM json_each(?))"
_INDEX_IDS = (
    "INSERT INTO sample_fts(rowid, barcode, sample_type, project, owner, place) "
    + _PLACE_WORDS
    + " WHERE s.id IN (SELECT value FROM json_each(?))"
)
_INDEX_FROM = (
    "INSERT INTO sample_fts(rowid, barcode, sample_type, project, owner, place) " + _PLACE_WORDS + " WHERE s.id >= ?"
)


def index_samples(conn: Connection, ids: Iterable[int] | None = None, *, first: int | None = None) -> None:
    """Write the search-index rows the triggers would have written: for ``ids``, or every id from ``first`` on."""
    if ids is not None:
        listed = json.dumps(sorted(set(ids)))
        conn.exec_driver_sql(_UNINDEX, (listed,))
        conn.exec_driver_sql(_INDEX_IDS, (listed,))
    if first is not None:
        conn.exec_driver_sql(_INDEX_FROM, (first,))


def _load(conn: Connection, states: Sequence[wire.SampleState]) -> _Lookups:
    found = _Lookups()
    samples = {s.uuid for s in states} | {s.parent for s in states if s.parent}
    for part in _chunks(samples):
        for r in conn.execute(_KEYS, {"kind": "sample", "keys": part}):
            found.keys[r.uuid] = (r.local_id, r.site)
    for part in _chunks(s.box for s in states if s.box):
        found.boxes.update((r.uuid, r.local_id) for r in conn.execute(_KEYS, {"kind": "location", "keys": part}))
    ids = {row_id for row_id, _site in found.keys.values()}
    for part in _chunks(ids):
        for r in conn.execute(_BY_ID, {"keys": part}):
            found.remember(r.id, r._asdict())  # columns named as in the row values
    for part in _chunks(s.barcode for s in states):
        for r in conn.execute(_BY_BARCODE, {"keys": part}):
            found.barcodes.setdefault(r.barcode, r.id)
            if r.box_id is not None:
                found.slots.setdefault((r.box_id, r.pos_row, r.pos_col), r.id)
    for part in _chunks(found.boxes.values()):
        for r in conn.execute(_IN_BOXES, {"keys": part}):
            found.slots.setdefault((r.box_id, r.pos_row, r.pos_col), r.id)
    return found


class SampleRun:
    """Writes a run of sample states in order; see the module docstring."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.session = replica.session
        #: sample statements waiting, in order: (sql, parameter sets); consecutive equal ones share one executemany
        self.pending: list[tuple[str, list[dict[str, Any]]]] = []
        #: ``sync_key`` writes, after the samples (nothing there depends on their order)
        self.binds: list[dict[str, Any]] = []
        self.sites: list[dict[str, Any]] = []
        #: rows whose search-index entry must be (re)written: new rows and rows whose indexed columns changed
        self.indexed: set[int] = set()

    def _queue(self, sql: str, values: dict[str, Any]) -> None:
        if self.pending and self.pending[-1][0] == sql:
            self.pending[-1][1].append(values)
        else:
            self.pending.append((sql, [values]))

    def _write(self) -> None:
        if not self.pending:
            return
        conn = self.session.connection()
        triggers = set_aside_search_triggers(conn) if self.indexed else []
        for sql, values in [*self.pending, (_BIND, self.binds), (_SITE, self.sites)]:
            if values:
                conn.exec_driver_sql(sql, values)
        if self.indexed:
            index_samples(conn, self.indexed)
            for sql in triggers:
                conn.exec_driver_sql(sql)
        self.pending.clear()
        self.binds.clear()
        self.sites.clear()
        self.indexed.clear()
        self.session.expire_all()  # rows the ORM holds may have been written behind its back

    def apply(self, states: Sequence[wire.SampleState]) -> None:
        session = self.session
        session.flush()
        conn = session.connection()
        found = _load(conn, states)
        next_id = (session.scalar(select(func.max(Sample.id))) or 0) + 1
        for index, s in enumerate(states):
            values = self._plain(found, s)
            if values is None:
                self._write()
                self.replica.sample(s.model_dump())
                session.flush()
                found = _load(conn, states[index + 1 :])
                next_id = (session.scalar(select(func.max(Sample.id))) or 0) + 1
                continue
            known = found.keys.get(s.uuid)
            if known is None:
                row_id, next_id = next_id, next_id + 1
                values["id"] = row_id
                self._queue(_INSERT, values)
                self.indexed.add(row_id)
                self.binds.append({"id": row_id, "uuid": s.uuid, "site": s.site})
                found.keys[s.uuid] = (row_id, s.site)
            else:
                row_id, site = known
                values["id"] = row_id
                old = found.rows.get(row_id)
                if old is not None and old[:5] == tuple(values[c] for c in _INDEXED):
                    self._queue(_UPDATE_PLAIN, {c: values[c] for c in (*_PLAIN, "id")})
                else:
                    self._queue(_UPDATE_ALL, values)
                    self.indexed.add(row_id)
                if site != s.site:
                    self.sites.append({"id": row_id, "site": s.site})
                    found.keys[s.uuid] = (row_id, s.site)
            found.remember(row_id, values)
        self._write()

    def _plain(self, found: _Lookups, s: wire.SampleState) -> dict[str, Any] | None:
        """The row's new values when a plain write will do; None when ``Replica.sample`` must handle it."""
        known = found.keys.get(s.uuid)
        row_id = known[0] if known else None
        holder = found.barcodes.get(s.barcode)
        box_id = found.boxes.get(s.box) if s.box else None
        placed = box_id is not None and s.row is not None and s.col is not None
        occupant = found.slots.get((box_id, s.row, s.col)) if placed else None  # type: ignore[arg-type]
        plain = (
            (known is None or row_id in found.rows)  # else a key without its row
            and (holder is None or holder == row_id)
            and (not s.box or box_id is not None)
            and (s.row is None) == (s.col is None)  # half a position: rare, left to the row-by-row path
            and (occupant is None or occupant == row_id)
            and s.sample_type in self.replica._types
        )
        if not plain:
            return None
        parent = found.keys.get(s.parent) if s.parent else None
        try:
            times = [_time(s.collected_at), _time(s.expires_at), _time(s.created_at), _time(s.updated_at)]
        except ValueError:
            return None
        return {
            "barcode": s.barcode, "sample_type": s.sample_type, "status": s.status, "volume_nl": s.volume_nl,
            "concentration": s.concentration, "concentration_unit": s.concentration_unit, "project": s.project,
            "owner": s.owner, "collected_at": times[0], "expires_at": times[1],
            "freeze_thaw_count": s.freeze_thaw_count,
            "attributes": canonical_json(dict(s.attributes)) if s.attributes else "{}",
            "parent_id": parent[0] if parent else None, "box_id": box_id, "pos_row": s.row, "pos_col": s.col,
            "version": s.version, "created_at": times[2], "updated_at": times[3],
        }  # fmt: skip


def apply_changes(replica: Replica, changes: Sequence[wire.Change]) -> None:
    """Apply a page in feed order: runs of sample states in bulk, everything else one by one."""
    index = 0
    while index < len(changes):
        change = changes[index]
        if change.entity_type != "sample" or change.data is None:
            replica.apply(change)
            index += 1
            continue
        end = index
        while end < len(changes) and changes[end].entity_type == "sample" and changes[end].data is not None:
            end += 1
        states = [wire.SampleState.model_validate(c.data) for c in changes[index:end]]
        SampleRun(replica).apply(states)
        index = end
