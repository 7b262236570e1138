"""Loading a snapshot stream into the local store (a new workstation, or one that never pulled).

An empty replica takes the fast path: rows are inserted in bulk with their ids chosen
up front, so a million samples load in one transaction without the ORM; the search
index triggers are set aside meanwhile and the index is built in one statement after. A replica
that already holds synced rows is brought to the snapshot row by row, and synced rows
missing from the snapshot are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracseq_desktop.services.locations import refresh_search_words
from tracseq_desktop.store.models import Location, Sample, SampleType, SyncKey
from tracseq_desktop.store.types import canonical_json
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.bulk import SampleRun, index_samples, set_aside_search_triggers
from tracseq_desktop.sync.replica import Replica

LOCATION_FIELDS = (
    "uuid", "site", "kind", "label", "name", "parent", "unit_type", "temperature_class", "rows", "cols", "capacity",
    "retired", "version", "created_at", "updated_at",
)  # fmt: skip
SAMPLE_FIELDS = (
    "uuid", "site", "barcode", "sample_type", "status", "volume_nl", "concentration", "concentration_unit", "project",
    "owner", "collected_at", "expires_at", "freeze_thaw_count", "attributes", "parent", "box", "row", "col", "version",
    "created_at", "updated_at",
)  # fmt: skip
CHUNK = 5000
#: sample states written together over an existing replica (see ``sync.bulk.SampleRun``)
RUN = 1000

_INSERT_SAMPLE = (
    "INSERT INTO sample (id, barcode, sample_type, status, volume_nl, concentration, concentration_unit, project,"
    " owner, collected_at, expires_at, freeze_thaw_count, attributes, parent_id, box_id, pos_row, pos_col, version,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)"
)
_INSERT_KEY = "INSERT INTO sync_key (entity_type, local_id, uuid, site) VALUES ('sample', ?, ?, ?)"
_INSERT_LOCATION = (
    "INSERT INTO location (id, kind, label, name, parent_id, unit_type, temperature_class, grid_rows, grid_cols,"
    " capacity, retired, search_words, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?)"
)
_INSERT_LOCATION_KEY = "INSERT INTO sync_key (entity_type, local_id, uuid, site) VALUES ('location', ?, ?, ?)"
_SET_PARENT = text(
    "UPDATE sample SET parent_id = (SELECT local_id FROM sync_key WHERE entity_type = 'sample' AND uuid = :parent)"
    " WHERE id = :id"
)


def _topological(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parents before children (the snapshot sends entities in UUID order)."""
    by_key = {s["uuid"]: s for s in states}
    done: set[str] = set()
    ordered: list[dict[str, Any]] = []

    def visit(state: dict[str, Any], depth: int = 0) -> None:
        if state["uuid"] in done:
            return
        parent = by_key.get(state.get("parent") or "")
        if parent is not None and depth < 64:
            visit(parent, depth + 1)
        done.add(state["uuid"])
        ordered.append(state)

    for state in states:
        visit(state)
    return ordered


class SnapshotLoader:
    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, lines: Iterator[Any]) -> int:
        locations: list[dict[str, Any]] = []
        first_sample: list[Any] | None = None
        for line in lines:
            if isinstance(line, list) and line[0] == "l":
                locations.append(dict(zip(LOCATION_FIELDS, line[1:], strict=True)))
                continue
            first_sample = line
            break
        empty = not self.session.scalar(select(func.count()).select_from(SyncKey))
        empty = empty and not self.session.scalar(select(func.count()).select_from(Sample))
        empty = empty and not self.session.scalar(select(func.count()).select_from(Location))
        rest = _chain(first_sample, lines)
        if empty:
            return self._load_fresh(locations, rest)
        return self._load_over(locations, rest)

    # -- fast path --------------------------------------------------------------------------
    def _load_fresh(self, locations: list[dict[str, Any]], lines: Iterator[Any]) -> int:
        session = self.session
        replica = Replica(session, set())
        box_ids = self._insert_locations(locations)
        types = set(session.scalars(select(SampleType.name)))
        first_id = next_id = (session.scalar(select(func.max(Sample.id))) or 0) + 1
        rows: list[tuple[Any, ...]] = []
        keys: list[tuple[Any, ...]] = []
        parents: list[dict[str, Any]] = []
        count = len(locations)
        session.flush()
        conn = session.connection()
        triggers = set_aside_search_triggers(conn)
        for line in lines:
            if isinstance(line, dict):
                break
            if line[0] == "c":
                replica.conflict(line[1])
                count += 1
                continue
            # line: "s", then SAMPLE_FIELDS in order (see ``server.feed.snapshot_lines``)
            if len(line) != len(SAMPLE_FIELDS) + 1:
                raise ValueError(f"a snapshot line has {len(line)} values, not {len(SAMPLE_FIELDS) + 1}")
            if line[4] not in types:
                session.add(SampleType(name=line[4], temperature_classes="", description=""))
                session.flush()
                types.add(line[4])
            attributes = line[14]
            box = line[16]
            rows.append(
                (next_id, line[3], line[4], line[5], line[6], line[7], line[8], line[9], line[10], line[11], line[12],
                 line[13], canonical_json(attributes) if attributes else "{}", box_ids.get(box) if box else None,
                 line[17], line[18], line[19], line[20], line[21])
            )  # fmt: skip
            keys.append((next_id, line[1], line[2]))
            if line[15]:
                parents.append({"id": next_id, "parent": line[15]})
            next_id += 1
            count += 1
            if len(rows) >= CHUNK:
                conn.exec_driver_sql(_INSERT_SAMPLE, rows)
                conn.exec_driver_sql(_INSERT_KEY, keys)
                rows, keys = [], []
        if rows:
            conn.exec_driver_sql(_INSERT_SAMPLE, rows)
            conn.exec_driver_sql(_INSERT_KEY, keys)
        for start in range(0, len(parents), CHUNK):
            conn.execute(_SET_PARENT, parents[start : start + CHUNK])
        index_samples(conn, first=first_id)
        for sql in triggers:
            conn.exec_driver_sql(sql)
        return count

    def _insert_locations(self, locations: list[dict[str, Any]]) -> dict[str, int]:
        """Insert every location (the replica holds none) with its search words; returns row ids by UUID.

        What ``Replica.location`` and ``refresh_search_words`` would write, in three statements:
        a location's words are the labels and names from its root down to itself.
        """
        session = self.session
        ids: dict[str, int] = {}
        words: dict[str, list[str]] = {}
        rows: list[tuple[Any, ...]] = []
        keys: list[tuple[Any, ...]] = []
        next_id = (session.scalar(select(func.max(Location.id))) or 0) + 1
        for state in _topological(locations):
            s = wire.LocationState.model_validate(state)
            for stamp in (s.created_at, s.updated_at):
                datetime.fromisoformat(stamp[:-1])  # an impossible date fails as ``parse_utc`` would
            parent = ids.get(s.parent) if s.parent else None
            parts = [*(words[s.parent] if parent is not None and s.parent else []), s.label, s.name]
            ids[s.uuid], words[s.uuid] = next_id, parts
            rows.append(
                (next_id, s.kind, s.label, s.name, parent, s.unit_type, s.temperature_class, s.rows, s.cols,
                 s.capacity, s.retired, " ".join(p for p in parts if p), s.version, s.created_at, s.updated_at)
            )  # fmt: skip
            keys.append((next_id, s.uuid, s.site))
            next_id += 1
        session.flush()
        conn = session.connection()
        if rows:
            conn.exec_driver_sql(_INSERT_LOCATION, rows)
            conn.exec_driver_sql(_INSERT_LOCATION_KEY, keys)
        return ids

    # -- bringing an existing replica to the snapshot -----------------------------------------
    def _load_over(self, locations: list[dict[str, Any]], lines: Iterator[Any]) -> int:
        session = self.session
        replica = Replica(session, set())
        seen: set[tuple[str, str]] = set()
        for state in _topological(locations):
            replica.location(state)
            seen.add(("location", state["uuid"]))
        samples: list[dict[str, Any]] = []
        conflicts: list[dict[str, Any]] = []
        for line in lines:
            if isinstance(line, dict):
                break
            if line[0] == "c":
                conflicts.append(line[1])
            else:
                samples.append(dict(zip(SAMPLE_FIELDS, line[1:], strict=True)))
        ordered = _topological(samples)  # parents first: a run finds them already written
        run = SampleRun(replica)
        for start in range(0, len(ordered), RUN):
            run.apply([wire.SampleState.model_validate(state) for state in ordered[start : start + RUN]])
        seen.update(("sample", state["uuid"]) for state in ordered)
        for state in conflicts:
            replica.conflict(state)
        for key in list(session.scalars(select(SyncKey))):
            if (key.entity_type, key.uuid) not in seen:
                replica.gone(key.entity_type, key.uuid)
        for row_id in sorted(replica.renamed):
            loc = session.get(Location, row_id)
            if loc is not None:
                refresh_search_words(session, loc)
        return len(locations) + len(samples) + len(conflicts)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
    yield from rest


__all__ = ["SnapshotLoader"]
