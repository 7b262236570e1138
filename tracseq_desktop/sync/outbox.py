"""Writing intents to the outbox inside the caller's transaction, and the UUIDs of local rows.

Called by ``services.operation.Operation``: an operation's rows, its audit entries and
its intents commit together or not at all. Sequence numbers are ``max + 1`` inside the
write transaction (BEGIN IMMEDIATE), so they run without gaps even after rollbacks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracseq_desktop.store.models import Location, Meta, Sample, SyncKey, SyncOutbox
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync.hlc import HybridClock, Stamp

PENDING = "pending"
NODE_KEY = "sync.node"
HLC_KEY = "sync.hlc"
SITE_KEY = "sync.site"


def meta_get(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return None if row is None else row.value


def meta_set(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def node_id(session: Session) -> str:
    """This database's workstation id: made once, registered with the server at login."""
    node = meta_get(session, NODE_KEY)
    if node is None:
        node = str(uuid.uuid4())
        meta_set(session, NODE_KEY, node)
    return node


def load_clock(session: Session, now: datetime) -> HybridClock:
    stored = meta_get(session, HLC_KEY)
    wall = int(now.timestamp() * 1000)
    return HybridClock(node_id(session), lambda: wall, Stamp.parse(stored) if stored else None)


def save_clock(session: Session, clock: HybridClock) -> None:
    meta_set(session, HLC_KEY, str(clock.last))


def uuid_of(session: Session, entity_type: str, local_id: int) -> str:
    """The row's UUID, made on first use (rows from before sync get one when first touched)."""
    found = session.scalar(select(SyncKey.uuid).where(SyncKey.entity_type == entity_type, SyncKey.local_id == local_id))
    if found is not None:
        return found
    made = str(uuid.uuid4())
    session.add(SyncKey(entity_type=entity_type, local_id=local_id, uuid=made, site=meta_get(session, SITE_KEY)))
    session.flush()
    return made


def optional_uuid(session: Session, entity_type: str, local_id: int | None) -> str | None:
    return None if local_id is None else uuid_of(session, entity_type, local_id)


def append_intent(
    session: Session,
    *,
    operation_id: str,
    kind: str,
    args: dict[str, Any],
    expect: dict[str, Any],
    stamp: Stamp,
    at: datetime,
    actor: str,
) -> SyncOutbox:
    seq = (session.scalar(select(func.max(SyncOutbox.seq))) or 0) + 1
    entities = [str(args[k]) for k in ("uuid", "conflict") if args.get(k)]
    row = SyncOutbox(
        seq=seq,
        key=str(uuid.uuid4()),
        operation_id=operation_id,
        kind=kind,
        args=args,
        expect=expect,
        entities=entities,
        hlc=str(stamp),
        at=at,
        actor=actor,
        status=PENDING,
    )
    session.add(row)
    session.flush()
    return row


def time_text(value: datetime | None) -> str | None:
    return None if value is None else to_utc_text(value)


def sample_place(session: Session, sample: Sample) -> dict[str, Any]:
    """Where a sample is, in wire terms (box UUID, zero-based row and column)."""
    return {"box": optional_uuid(session, "location", sample.box_id), "row": sample.pos_row, "col": sample.pos_col}


def register_args(session: Session, sample: Sample) -> dict[str, Any]:
    return {
        "uuid": uuid_of(session, "sample", sample.id),
        "barcode": sample.barcode,
        "sample_type": sample.sample_type,
        "status": sample.status,
        "volume_nl": sample.volume_nl,
        "concentration": sample.concentration,
        "concentration_unit": sample.concentration_unit,
        "project": sample.project,
        "owner": sample.owner,
        "collected_at": time_text(sample.collected_at),
        "expires_at": time_text(sample.expires_at),
        "freeze_thaw_count": sample.freeze_thaw_count,
        "attributes": dict(sample.attributes or {}),
        "parent": optional_uuid(session, "sample", sample.parent_id),
        **sample_place(session, sample),
    }


def location_args(session: Session, location: Location) -> dict[str, Any]:
    return {
        "uuid": uuid_of(session, "location", location.id),
        "kind": location.kind,
        "label": location.label,
        "name": location.name,
        "parent": optional_uuid(session, "location", location.parent_id),
        "unit_type": location.unit_type,
        "temperature_class": location.temperature_class,
        "rows": location.grid_rows,
        "cols": location.grid_cols,
        "capacity": location.capacity if location.kind == "box" else None,
    }
