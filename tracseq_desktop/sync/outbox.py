"""Writing intents to the outbox inside the caller's transaction, and the UUIDs of local rows.

Called by ``services.operation.Operation``: an operation's rows, its audit entries and
its intents commit together or not at all. Sequence numbers are ``max + 1`` inside the
write transaction (BEGIN IMMEDIATE), so they run without gaps even after rollbacks.

A bulk operation writes thousands of intents and keys in one transaction: the next
sequence number, the site and the keys made or read are remembered for the transaction
(``store.txcache``, forgotten by any rollback, savepoints included), and rows are
written with plain INSERTs rather than through the ORM's unit of work.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracseq_desktop.store.models import Location, Meta, Sample, SyncOutbox
from tracseq_desktop.store.txcache import forget, transaction_cache
from tracseq_desktop.store.types import canonical_json, to_utc_text
from tracseq_desktop.sync.hlc import HybridClock, Stamp

PENDING = "pending"
NODE_KEY = "sync.node"
HLC_KEY = "sync.hlc"
SITE_KEY = "sync.site"

_KEY_SQL = text("SELECT uuid FROM sync_key WHERE entity_type = :type AND local_id = :id")
_INSERT_KEY_SQL = text("INSERT INTO sync_key (entity_type, local_id, uuid, site) VALUES (:type, :id, :uuid, :site)")
_INSERT_INTENT_SQL = text(
    "INSERT INTO sync_outbox (seq, key, operation_id, kind, args, expect, entities, hlc, at, actor, status)"
    " VALUES (:seq, :key, :operation_id, :kind, :args, :expect, :entities, :hlc, :at, :actor, :status)"
)


def meta_get(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return None if row is None else row.value


def meta_set(session: Session, key: str, value: str) -> None:
    forget(session, "outbox.meta." + key)
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


def _site(session: Session) -> str | None:
    return transaction_cache(session, "outbox.meta." + SITE_KEY, lambda: meta_get(session, SITE_KEY))


def _keys(session: Session) -> dict[tuple[str, int], str]:
    """UUIDs read or made in this transaction, by (entity type, local id)."""
    return transaction_cache(session, "outbox.keys", dict)


def uuid_of(session: Session, entity_type: str, local_id: int) -> str:
    """The row's UUID, made on first use (rows from before sync get one when first touched)."""
    keys = _keys(session)
    found = keys.get((entity_type, local_id))
    if found is not None:
        return found
    found = session.execute(_KEY_SQL, {"type": entity_type, "id": local_id}).scalar()
    if found is None:
        found = str(uuid.uuid4())
        params = {"type": entity_type, "id": local_id, "uuid": found, "site": _site(session)}
        session.execute(_INSERT_KEY_SQL, params)
    keys[(entity_type, local_id)] = found
    return str(found)


def optional_uuid(session: Session, entity_type: str, local_id: int | None) -> str | None:
    return None if local_id is None else uuid_of(session, entity_type, local_id)


class _NextSeq:
    """The next outbox sequence number of this transaction: ``max + 1`` read once, then counted."""

    def __init__(self, session: Session) -> None:
        self.value = (session.scalar(select(func.max(SyncOutbox.seq))) or 0) + 1


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
) -> int:
    """Write one intent; returns its sequence number."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the outbox")
    counter = transaction_cache(session, "outbox.seq", lambda: _NextSeq(session))
    seq = counter.value
    entities = [str(args[k]) for k in ("uuid", "conflict") if args.get(k)]
    session.execute(
        _INSERT_INTENT_SQL,
        {
            "seq": seq,
            "key": str(uuid.uuid4()),
            "operation_id": operation_id,
            "kind": kind,
            "args": canonical_json(args),
            "expect": canonical_json(expect),
            "entities": canonical_json(entities),
            "hlc": str(stamp),
            "at": to_utc_text(at),
            "actor": actor,
            "status": PENDING,
        },
    )
    counter.value = seq + 1
    return seq


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
