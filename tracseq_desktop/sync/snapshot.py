"""Loading a snapshot stream into the local store (a new workstation, or one that never pulled).

An empty replica takes the fast path: rows are inserted in bulk with their ids chosen
up front, so a million samples load in one transaction without the ORM. A replica
that already holds synced rows is brought to the snapshot row by row, and synced rows
missing from the snapshot are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracseq_desktop.services.locations import refresh_search_words
from tracseq_desktop.store.models import Location, Sample, SampleType, SyncKey
from tracseq_desktop.store.types import canonical_json
from tracseq_desktop.sync import wire
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

_INSERT_SAMPLE = text(
    "INSERT INTO sample (id, barcode, sample_type, status, volume_nl, concentration, concentration_unit, project,"
    " owner, collected_at, expires_at, freeze_thaw_count, attributes, parent_id, box_id, pos_row, pos_col, version,"
    " created_at, updated_at) VALUES (:id, :barcode, :sample_type, :status, :volume_nl, :concentration,"
    " :concentration_unit, :project, :owner, :collected_at, :expires_at, :freeze_thaw_count, :attributes, NULL,"
    " :box_id, :row, :col, :version, :created_at, :updated_at)"
)
_INSERT_KEY = text("INSERT INTO sync_key (entity_type, local_id, uuid, site) VALUES ('sample', :id, :uuid, :site)")
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
        for state in _topological(locations):
            replica.location(state)
        for root in session.scalars(select(Location).where(Location.parent_id.is_(None))):
            refresh_search_words(session, root)
        box_ids = {
            k.uuid: k.local_id for k in session.scalars(select(SyncKey).where(SyncKey.entity_type == "location"))
        }
        types = set(session.scalars(select(SampleType.name)))
        next_id = (session.scalar(select(func.max(Sample.id))) or 0) + 1
        rows: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        parents: list[dict[str, Any]] = []
        count = len(locations)
        conn = session.connection()
        for line in lines:
            if isinstance(line, dict):
                break
            if line[0] == "c":
                replica.conflict(line[1])
                count += 1
                continue
            s = dict(zip(SAMPLE_FIELDS, line[1:], strict=True))
            if s["sample_type"] not in types:
                session.add(SampleType(name=s["sample_type"], temperature_classes="", description=""))
                session.flush()
                types.add(s["sample_type"])
            s["id"] = next_id
            s["box_id"] = box_ids.get(s["box"]) if s["box"] else None
            s["attributes"] = canonical_json(s["attributes"] or {})
            rows.append(s)
            keys.append({"id": next_id, "uuid": s["uuid"], "site": s["site"]})
            if s["parent"]:
                parents.append({"id": next_id, "parent": s["parent"]})
            next_id += 1
            count += 1
            if len(rows) >= CHUNK:
                conn.execute(_INSERT_SAMPLE, rows)
                conn.execute(_INSERT_KEY, keys)
                rows, keys = [], []
        if rows:
            conn.execute(_INSERT_SAMPLE, rows)
            conn.execute(_INSERT_KEY, keys)
        for start in range(0, len(parents), CHUNK):
            conn.execute(_SET_PARENT, parents[start : start + CHUNK])
        return count

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
        for state in _topological(samples):
            replica.sample(wire.SampleState.model_validate(state).model_dump())
            seen.add(("sample", state["uuid"]))
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
