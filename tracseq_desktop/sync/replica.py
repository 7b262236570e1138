"""Writing the server's states into the local store (pull pages, snapshots) and reading them back.

The server's state wins for every entity it sends; rows are found by UUID through
``sync_key``. Local rows that stand in the way (a slot, a barcode or a label held by
an entity whose own correction comes later in the feed) are moved aside, never
merged: the feed brings their true state before it ends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tracseq_desktop.store.models import Location, Sample, SampleType, SyncConflict, SyncKey
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire


class Blocked(Exception):
    """A pulled entity has local changes not yet pushed: push first, then pull again."""


def parse_utc(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def local_id(session: Session, entity_type: str, key: str) -> int | None:
    return session.scalar(select(SyncKey.local_id).where(SyncKey.entity_type == entity_type, SyncKey.uuid == key))


def key_of(session: Session, entity_type: str, row_id: int) -> str | None:
    return session.scalar(select(SyncKey.uuid).where(SyncKey.entity_type == entity_type, SyncKey.local_id == row_id))


def _bind(session: Session, entity_type: str, row_id: int, key: str, site: str) -> None:
    """Point ``key`` at ``row_id`` (dropping whatever either was bound to before)."""
    session.execute(
        delete(SyncKey).where(SyncKey.entity_type == entity_type, (SyncKey.uuid == key) | (SyncKey.local_id == row_id))
    )
    session.add(SyncKey(entity_type=entity_type, local_id=row_id, uuid=key, site=site))
    session.flush()


class Replica:
    """Applies states inside one local write transaction; ``pending`` are UUIDs with unpushed intents."""

    def __init__(self, session: Session, pending: set[str]) -> None:
        self.session = session
        self.pending = pending
        self.renamed: set[int] = set()  #: locations whose search words need refreshing
        self._types: set[str] = set(session.scalars(select(SampleType.name)))

    def _guard(self, entity_type: str, row_id: int) -> None:
        key = key_of(self.session, entity_type, row_id)
        if key is not None and key in self.pending:
            raise Blocked(key)

    def location(self, state: dict[str, Any]) -> None:
        s = wire.LocationState.model_validate(state)
        session = self.session
        row_id = local_id(session, "location", s.uuid)
        holder = session.scalar(select(Location).where(Location.label == s.label))
        if holder is not None and holder.id != row_id:
            self._guard("location", holder.id)
            if row_id is None:  # the same label made offline under another id: adopt the row
                row_id = holder.id
                _bind(session, "location", row_id, s.uuid, s.site)
            else:
                holder.label = f"~{holder.id}"
                session.flush()
        parent_id = local_id(session, "location", s.parent) if s.parent else None
        row = session.get(Location, row_id) if row_id is not None else None
        if row is None:
            row = Location(search_words="")
            session.add(row)
        before = (row.label, row.name, row.parent_id)
        row.kind, row.label, row.name, row.parent_id = s.kind, s.label, s.name, parent_id
        row.unit_type, row.temperature_class = s.unit_type, s.temperature_class
        row.grid_rows, row.grid_cols, row.capacity = s.rows, s.cols, s.capacity
        row.retired, row.version = s.retired, s.version
        row.created_at, row.updated_at = parse_utc(s.created_at), parse_utc(s.updated_at)  # type: ignore[assignment]
        session.flush()
        if row_id is None:
            _bind(session, "location", row.id, s.uuid, s.site)
        else:
            session.execute(
                update(SyncKey).where(SyncKey.entity_type == "location", SyncKey.local_id == row.id).values(site=s.site)
            )
        if before != (row.label, row.name, row.parent_id):
            self.renamed.add(row.id)

    def sample(self, state: dict[str, Any]) -> None:
        s = wire.SampleState.model_validate(state)
        session = self.session
        row_id = local_id(session, "sample", s.uuid)
        holder = session.scalar(select(Sample).where(Sample.barcode == s.barcode))
        if holder is not None and holder.id != row_id:
            self._guard("sample", holder.id)
            if row_id is None:
                row_id = holder.id
                _bind(session, "sample", row_id, s.uuid, s.site)
            else:  # barcodes never change, so the holder is a duplicate the feed will remove
                self._drop_sample(holder.id)
        box_id = local_id(session, "location", s.box) if s.box else None
        if s.box and box_id is None:
            raise ValueError(f"box {s.box} of sample {s.uuid} is not in this replica")
        if box_id is not None and s.row is not None:
            occupant = session.scalar(
                select(Sample).where(Sample.box_id == box_id, Sample.pos_row == s.row, Sample.pos_col == s.col)
            )
            if occupant is not None and occupant.id != row_id:
                self._guard("sample", occupant.id)
                occupant.box_id = occupant.pos_row = occupant.pos_col = None
                session.flush()
        if s.sample_type not in self._types:
            session.add(SampleType(name=s.sample_type, temperature_classes="", description=""))
            self._types.add(s.sample_type)
        row = session.get(Sample, row_id) if row_id is not None else None
        if row is None:
            row = Sample()
            session.add(row)
        row.barcode, row.sample_type, row.status = s.barcode, s.sample_type, s.status
        row.volume_nl, row.concentration, row.concentration_unit = s.volume_nl, s.concentration, s.concentration_unit
        row.project, row.owner = s.project, s.owner
        row.collected_at, row.expires_at = parse_utc(s.collected_at), parse_utc(s.expires_at)
        row.freeze_thaw_count, row.attributes = s.freeze_thaw_count, dict(s.attributes)
        row.parent_id = local_id(session, "sample", s.parent) if s.parent else None
        row.box_id, row.pos_row, row.pos_col = box_id, s.row, s.col
        row.version = s.version
        row.created_at, row.updated_at = parse_utc(s.created_at), parse_utc(s.updated_at)  # type: ignore[assignment]
        session.flush()
        if row_id is None:
            _bind(session, "sample", row.id, s.uuid, s.site)
        else:
            session.execute(
                update(SyncKey).where(SyncKey.entity_type == "sample", SyncKey.local_id == row.id).values(site=s.site)
            )

    def conflict(self, state: dict[str, Any]) -> None:
        c = wire.ConflictState.model_validate(state)
        row = self.session.get(SyncConflict, c.id)
        if row is None:
            row = SyncConflict(id=c.id, announced=False)
            self.session.add(row)
        row.kind, row.site, row.status, row.summary = c.kind.value, c.site, c.status, c.summary
        row.subject = dict(c.subject)
        row.options = [o.model_dump() for o in c.options]
        row.created_at = parse_utc(c.created_at)  # type: ignore[assignment]
        row.resolved_option, row.resolved_by, row.resolved_reason = c.resolved_option, c.resolved_by, c.resolved_reason
        row.resolved_at = parse_utc(c.resolved_at)
        self.session.flush()

    def gone(self, entity_type: str, key: str) -> None:
        """The server has no such entity (its creation was refused): remove the local row."""
        row_id = local_id(self.session, entity_type, key)
        if row_id is None:
            return
        if entity_type == "sample":
            self._drop_sample(row_id)
        elif entity_type == "location":
            self._drop_location(row_id)

    def _drop_sample(self, row_id: int) -> None:
        session = self.session
        session.execute(update(Sample).where(Sample.parent_id == row_id).values(parent_id=None))
        session.execute(delete(SyncKey).where(SyncKey.entity_type == "sample", SyncKey.local_id == row_id))
        session.execute(delete(Sample).where(Sample.id == row_id))
        session.flush()

    def _drop_location(self, row_id: int) -> None:
        session = self.session
        session.execute(update(Sample).where(Sample.box_id == row_id).values(box_id=None, pos_row=None, pos_col=None))
        session.execute(update(Location).where(Location.parent_id == row_id).values(parent_id=None))
        session.execute(delete(SyncKey).where(SyncKey.entity_type == "location", SyncKey.local_id == row_id))
        session.execute(delete(Location).where(Location.id == row_id))
        session.flush()
        self.renamed.discard(row_id)

    def apply(self, change: wire.Change) -> None:
        if change.data is None:
            self.gone(change.entity_type, change.key)
        elif change.entity_type == "location":
            self.location(change.data)
        elif change.entity_type == "sample":
            self.sample(change.data)
        else:
            self.conflict(change.data)


# -- reading the replica back as wire states (checksums, tests) ------------------------------
def _t(value: datetime | None) -> str | None:
    return None if value is None else to_utc_text(value)


def replica_states(session: Session) -> tuple[list[wire.LocationState], list[wire.SampleState]]:
    """Every synced entity of this replica as the server would describe it."""
    keys = {(k.entity_type, k.local_id): k for k in session.scalars(select(SyncKey))}
    locations: list[wire.LocationState] = []
    for loc in session.scalars(select(Location)):
        key = keys.get(("location", loc.id))
        if key is None:
            continue
        parent = keys.get(("location", loc.parent_id)) if loc.parent_id is not None else None
        locations.append(
            wire.LocationState(
                uuid=key.uuid, site=key.site or "", kind=loc.kind, label=loc.label, name=loc.name,  # type: ignore[arg-type]
                parent=parent.uuid if parent else None, unit_type=loc.unit_type,
                temperature_class=loc.temperature_class, rows=loc.grid_rows, cols=loc.grid_cols,
                capacity=loc.capacity, retired=loc.retired, version=loc.version,
                created_at=to_utc_text(loc.created_at), updated_at=to_utc_text(loc.updated_at),
            )
        )  # fmt: skip
    samples: list[wire.SampleState] = []
    for s in session.scalars(select(Sample)):
        key = keys.get(("sample", s.id))
        if key is None:
            continue
        box = keys.get(("location", s.box_id)) if s.box_id is not None else None
        parent = keys.get(("sample", s.parent_id)) if s.parent_id is not None else None
        samples.append(
            wire.SampleState(
                uuid=key.uuid, site=key.site or "", barcode=s.barcode, sample_type=s.sample_type,
                status=s.status, volume_nl=s.volume_nl, concentration=s.concentration,  # type: ignore[arg-type]
                concentration_unit=s.concentration_unit, project=s.project, owner=s.owner,
                collected_at=_t(s.collected_at), expires_at=_t(s.expires_at),
                freeze_thaw_count=s.freeze_thaw_count, attributes=dict(s.attributes or {}),
                parent=parent.uuid if parent else None, box=box.uuid if box else None, row=s.pos_row,
                col=s.pos_col, version=s.version, created_at=to_utc_text(s.created_at),
                updated_at=to_utc_text(s.updated_at),
            )
        )  # fmt: skip
    return locations, samples


def unsynced(session: Session, entity_type: str) -> list[int]:
    """Rows without a UUID yet (written before sync existed, or by bulk imports)."""
    table = Location if entity_type == "location" else Sample
    known = select(SyncKey.local_id).where(SyncKey.entity_type == entity_type)
    return list(session.scalars(select(table.id).where(table.id.not_in(known)).order_by(table.id)))
