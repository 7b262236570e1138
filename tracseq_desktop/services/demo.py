"""A realistic demo laboratory: two sites, rooms, freezers, fridges, dewars, racks and boxes,
samples with aliquot families and two years of history.

Demo data is marked in the ``meta`` table (``demo = true``) and its users are named
``demo.*``, so every screen can say that it shows demo data. Rows are written with
bulk inserts in one transaction; the audit trail is hash-chained like any other.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from tracseq_desktop.domain.enums import LocationKind, SampleStatus, UnitType
from tracseq_desktop.domain.errors import InvalidInput, InvalidState
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.i18n import _
from tracseq_desktop.services.audit import GENESIS, entry_hash
from tracseq_desktop.services.facade import Services
from tracseq_desktop.store.types import canonical_json, to_utc_text

DEMO_USERS = ("demo.alice", "demo.bob", "demo.chen", "demo.diaz", "demo.eze")
DEMO_WORKSTATION = "DEMO-WS-01"
SITES = (("NORTH", "North Campus Biobank"), ("SOUTH", "South Campus Research Lab"))
ROOMS_PER_SITE = 3
UNIT_CYCLE = (
    UnitType.FREEZER_MINUS_80,
    UnitType.FREEZER_MINUS_80,
    UnitType.FREEZER_MINUS_20,
    UnitType.FRIDGE,
    UnitType.LN2_DEWAR,
    UnitType.FREEZER_MINUS_80,
    UnitType.ROOM_CABINET,
)
TYPES_BY_UNIT: dict[UnitType, tuple[str, ...]] = {
    UnitType.FREEZER_MINUS_80: ("plasma", "serum", "RNA", "tissue", "buffy coat", "urine", "CSF"),
    UnitType.FREEZER_MINUS_20: ("DNA", "urine", "saliva"),
    UnitType.FRIDGE: ("whole blood",),
    UnitType.LN2_DEWAR: ("cells", "plasma", "tissue"),
    UnitType.ROOM_CABINET: ("FFPE block",),
}
GEOMETRIES: dict[UnitType, tuple[tuple[int | None, int | None, int], ...]] = {
    UnitType.FREEZER_MINUS_80: ((9, 9, 81), (10, 10, 100), (8, 12, 96)),
    UnitType.FREEZER_MINUS_20: ((8, 12, 96), (9, 9, 81)),
    UnitType.FRIDGE: ((8, 12, 96), (None, None, 50)),
    UnitType.LN2_DEWAR: ((10, 10, 100), (9, 9, 81)),
    UnitType.ROOM_CABINET: ((None, None, 100),),
}
UNIT_NAMES = {
    UnitType.FREEZER_MINUS_80: "ULT freezer",
    UnitType.FREEZER_MINUS_20: "Freezer",
    UnitType.FRIDGE: "Fridge",
    UnitType.LN2_DEWAR: "LN2 dewar",
    UnitType.ROOM_CABINET: "Cabinet",
}
PROJECTS = ("COHORT-A", "COHORT-B", "ONCO-7", "CARDIO-2", "NEURO-12", "PEDS-3", "INFECT-5", "GENOME-1")
BOXES_PER_RACK = 20
RACKS_PER_UNIT = 10
FILL = (0.62, 0.97)


@dataclass
class DemoReport:
    samples: int
    locations: int
    audit_entries: int
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Builder:
    rng: random.Random
    now: datetime
    locations: list[tuple[Any, ...]] = field(default_factory=list)
    samples: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[datetime, str, str, str, dict[str, Any] | None, dict[str, Any], str | None]] = field(
        default_factory=list
    )
    next_location: int = 1
    next_sample: int = 1

    def location(
        self,
        kind: LocationKind,
        label: str,
        name: str,
        parent: int | None,
        words: str,
        unit_type: UnitType | None = None,
        geometry: tuple[int | None, int | None, int] | None = None,
    ) -> int:
        loc_id = self.next_location
        self.next_location += 1
        created = self.now - timedelta(days=760)
        rows, cols, capacity = geometry if geometry else (None, None, None)
        self.locations.append(
            (
                loc_id,
                kind.value,
                label,
                name,
                parent,
                unit_type.value if unit_type else None,
                unit_type.temperature_class.value if unit_type else None,
                rows,
                cols,
                capacity,
                0,
                f"{words} {label} {name}".strip(),
                1,
                to_utc_text(created),
                to_utc_text(created),
            )
        )
        state = {
            "kind": kind.value,
            "label": label,
            "name": name,
            "parent_id": parent,
            "unit_type": unit_type.value if unit_type else None,
        }
        if geometry:
            state.update({"rows": rows, "cols": cols, "capacity": capacity})
        self.events.append((created, "create", "location", label, None, state, None))
        return loc_id


def build_demo(
    services: Services,
    *,
    samples: int = 20_000,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Fill an empty database with a demo laboratory of about ``samples`` samples."""
    if samples < 0 or samples > 5_000_000:
        raise InvalidInput(_("Choose between 0 and 5,000,000 demo samples."))
    started = datetime.now(UTC)
    stats = services.queries.statistics()
    if stats["samples"] or stats["locations"]:
        raise InvalidState(_("The demo goes into an empty database; this one already holds data."))
    rng = random.Random(seed)
    builder = _Builder(rng, datetime.now(UTC).replace(microsecond=0))
    boxes = _build_locations(builder, samples)
    if progress:
        progress(_("{count} locations planned").format(count=len(builder.locations)))
    _build_samples(builder, boxes, samples)
    if progress:
        progress(_("{count} samples planned").format(count=len(builder.samples)))
    audit_count = _write(services, builder, seed, samples)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return DemoReport(len(builder.samples), len(builder.locations), audit_count, seconds)


def _build_locations(b: _Builder, samples: int) -> list[tuple[int, str, UnitType, tuple[int | None, int | None, int]]]:
    boxes_needed = max(12, math.ceil(samples / (90 * sum(FILL) / 2) * 1.05))
    units_needed = max(len(UNIT_CYCLE), math.ceil(boxes_needed / (BOXES_PER_RACK * RACKS_PER_UNIT)))
    boxes_per_unit = math.ceil(boxes_needed / units_needed)
    boxes: list[tuple[int, str, UnitType, tuple[int | None, int | None, int]]] = []
    rooms: list[tuple[int, str, str]] = []
    for site_code, site_name in SITES:
        site = b.location(LocationKind.SITE, f"SITE-{site_code}", site_name, None, "")
        for r in range(ROOMS_PER_SITE):
            label = f"RM-{site_code[0]}-{101 + r}"
            rooms.append(
                (
                    b.location(
                        LocationKind.ROOM, label, f"Lab {site_code[0]}{101 + r}", site, f"SITE-{site_code} {site_name}"
                    ),
                    label,
                    f"SITE-{site_code} {site_name} {label}",
                )
            )
    box_number = 1
    for u in range(units_needed):
        room_id, _room_label, room_words = rooms[u % len(rooms)]
        unit_type = UNIT_CYCLE[u % len(UNIT_CYCLE)]
        unit_index = u + 1
        unit_label = f"UNIT-{unit_index:03d}"
        unit_name = f"{UNIT_NAMES[unit_type]} {unit_index}"
        unit_id = b.location(LocationKind.UNIT, unit_label, unit_name, room_id, room_words, unit_type)
        holder_kind = LocationKind.SHELF if unit_type in (UnitType.FRIDGE, UnitType.ROOM_CABINET) else LocationKind.RACK
        racks = math.ceil(boxes_per_unit / BOXES_PER_RACK)
        for r in range(racks):
            rack_label = f"{'SH' if holder_kind is LocationKind.SHELF else 'RK'}-{unit_index:03d}-{r + 1:02d}"
            words = f"{room_words} {unit_label} {unit_name}"
            rack_id = b.location(holder_kind, rack_label, "", unit_id, words)
            for _box in range(min(BOXES_PER_RACK, boxes_per_unit - r * BOXES_PER_RACK)):
                geometry = b.rng.choice(GEOMETRIES[unit_type])
                box_label = f"B-{box_number:05d}"
                kind_name = "Box" if geometry[0] else "Bag"
                box_id = b.location(
                    LocationKind.BOX,
                    box_label,
                    f"{kind_name} {box_number}",
                    rack_id,
                    f"{words} {rack_label}",
                    geometry=geometry,
                )
                boxes.append((box_id, box_label, unit_type, geometry))
                box_number += 1
    return boxes


def _sample_time(b: _Builder, index: int, total: int) -> datetime:
    """Registration times rise with the sample number over the last two years."""
    span = 730 * 86400
    return b.now - timedelta(seconds=span * (1 - (index + 0.5) / max(total, 1)))


def _build_samples(
    b: _Builder, boxes: list[tuple[int, str, UnitType, tuple[int | None, int | None, int]]], total: int
) -> None:
    rng = b.rng
    made = 0
    box_cursor = 0
    while made < total and box_cursor < len(boxes):
        box_id, box_label, unit_type, (rows, cols, capacity) = boxes[box_cursor]
        box_cursor += 1
        places = [(r, c) for r in range(rows) for c in range(cols)] if rows and cols else [(None, None)] * capacity
        target = min(total - made, max(1, int(capacity * rng.uniform(*FILL))))
        if box_cursor == len(boxes):
            target = min(total - made, capacity)
        slot = 0
        while slot < target:
            sample_type = rng.choice(TYPES_BY_UNIT[unit_type])
            family = min(target - slot - 1, rng.choice((2, 3, 4))) if rng.random() < 0.22 else 0
            parent_id = _add_sample(b, made, total, sample_type, box_id, box_label, places[slot], None)
            made += 1
            slot += 1
            for k in range(family):
                _add_sample(b, made, total, sample_type, box_id, box_label, places[slot], (parent_id, k + 1))
                made += 1
                slot += 1


def _add_sample(
    b: _Builder,
    index: int,
    total: int,
    sample_type: str,
    box_id: int,
    box_label: str,
    place: tuple[int | None, int | None],
    parent: tuple[int, int] | None,
) -> int:
    rng = b.rng
    sample_id = b.next_sample
    b.next_sample += 1
    created = _sample_time(b, index, total)
    if parent is None:
        barcode = f"TS-{sample_id:07d}"
        volume = rng.choice((500, 1000, 1500, 2000, 4000)) * 1000
        parent_id, parent_code = None, None
    else:
        parent_id, k = parent
        parent_code = f"TS-{parent_id:07d}"
        barcode = f"{parent_code}-{k:02d}"
        volume = rng.choice((100, 200, 250, 500)) * 1000
    project = rng.choice(PROJECTS)
    owner = rng.choice(DEMO_USERS)
    roll = rng.random()
    status = SampleStatus.AVAILABLE
    row, col = place
    stored_box: int | None = box_id
    if roll < 0.03:
        status = SampleStatus.DISCARDED
    elif roll < 0.04:
        status = SampleStatus.CONSUMED
    elif roll < 0.06:
        status = SampleStatus.CHECKED_OUT
    final_volume = 0 if status is SampleStatus.CONSUMED else volume
    if status in (SampleStatus.DISCARDED, SampleStatus.CONSUMED):
        stored_box, row, col = None, None, None
    expires = created + timedelta(days=rng.choice((365 * 2, 365 * 5, 365 * 10))) if rng.random() < 0.6 else None
    collected = created - timedelta(hours=rng.randint(1, 72))
    freeze_thaw = rng.choice((0, 0, 0, 1, 1, 2, 3))
    b.samples.append(
        (
            sample_id,
            barcode,
            sample_type,
            status.value,
            final_volume,
            project,
            owner,
            to_utc_text(collected),
            to_utc_text(expires) if expires else None,
            freeze_thaw,
            "{}",
            parent_id,
            stored_box,
            row,
            col,
            1 if status is SampleStatus.AVAILABLE else 2,
            to_utc_text(created),
            to_utc_text(created),
        )
    )
    position = position_label(place[0], place[1]) if place[0] is not None and place[1] is not None else None
    registered = {
        "barcode": barcode,
        "type": sample_type,
        "status": SampleStatus.AVAILABLE.value,
        "volume_nl": volume,
        "project": project,
        "owner": owner,
        "parent": parent_code,
        "box": box_label,
        "position": position,
        "freeze_thaw_count": freeze_thaw,
        "version": 1,
    }
    b.events.append((created, "register", "sample", barcode, None, registered, None))
    if status is not SampleStatus.AVAILABLE:
        later = created + timedelta(seconds=rng.randint(3600, 200 * 86400))
        later = min(later, b.now - timedelta(minutes=5))
        action, reason = {
            SampleStatus.DISCARDED: (
                "discard",
                rng.choice(("haemolysed", "label unreadable", "expired", "tube cracked")),
            ),
            SampleStatus.CONSUMED: ("consume", "used up in assay"),
            SampleStatus.CHECKED_OUT: (
                "check_out",
                rng.choice(("ELISA run", "sequencing prep", "shipment to partner")),
            ),
        }[status]
        after: dict[str, Any] = {"status": status.value, "version": 2}
        before: dict[str, Any] = {"status": SampleStatus.AVAILABLE.value, "version": 1}
        if status in (SampleStatus.DISCARDED, SampleStatus.CONSUMED):
            before.update({"box": box_label, "position": position})
            after.update({"box": None, "position": None})
        if status is SampleStatus.CONSUMED:
            before["volume_nl"], after["volume_nl"] = volume, 0
        b.events.append((max(later, created), action, "sample", barcode, before, after, reason))
    return sample_id


_LOCATION_INSERT = (
    "INSERT INTO location (id, kind, label, name, parent_id, unit_type, temperature_class, grid_rows, grid_cols,"
    " capacity, retired, search_words, version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_SAMPLE_INSERT = (
    "INSERT INTO sample (id, barcode, sample_type, status, volume_nl, project, owner, collected_at, expires_at,"
    " freeze_thaw_count, attributes, parent_id, box_id, pos_row, pos_col, version, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_AUDIT_INSERT = (
    "INSERT INTO audit_entry (id, at, actor, workstation, action, entity_type, entity_key, before, after, reason,"
    " operation_id, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _write(services: Services, b: _Builder, seed: int, requested: int) -> int:
    """Bulk-write the plan through one plain SQLite connection, in one transaction.

    The search-index triggers are set aside while rows go in and the index is built
    in one statement afterwards (much faster than row by row); the triggers are put
    back from their own stored SQL, so the schema ends exactly as the migration made it.
    A fresh file skips the write-ahead log for the bulk load and returns to WAL after.
    """
    import sqlite3
    import uuid

    b.events.sort(key=lambda e: e[0])
    uid = uuid.UUID(int=b.rng.getrandbits(128))
    services.db.engine.dispose()  # no pooled connection may hold the file while the journal mode changes
    conn = sqlite3.connect(services.db.path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN IMMEDIATE")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sample_fts_%'"
        ).fetchall()
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.executemany(_LOCATION_INSERT, b.locations)
        for start in range(0, len(b.samples), 50_000):
            conn.executemany(_SAMPLE_INSERT, b.samples[start : start + 50_000])
        conn.execute(
            "INSERT INTO sample_fts(rowid, barcode, sample_type, project, owner, place)"
            " SELECT s.id, s.barcode, s.sample_type, coalesce(s.project, ''), coalesce(s.owner, ''),"
            " coalesce(l.search_words, '') FROM sample s LEFT JOIN location l ON l.id = s.box_id"
        )
        for _name, sql in triggers:
            conn.execute(sql)
        entry_id = _write_audit(conn, b, uid)
        for key, value in (("demo", "true"), ("demo_seed", str(seed)), ("demo_samples", str(requested))):
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    services.db.notify_all()
    return entry_id


def _write_audit(conn: Any, b: _Builder, uid: Any) -> int:
    import uuid

    prev = GENESIS
    batch: list[tuple[Any, ...]] = []
    entry_id = 0
    for at, action, entity_type, key, before, after, reason in b.events:
        entry_id += 1
        stored = {
            "id": entry_id,
            "at": to_utc_text(at),
            "actor": DEMO_USERS[entry_id % len(DEMO_USERS)],
            "workstation": DEMO_WORKSTATION,
            "action": action,
            "entity_type": entity_type,
            "entity_key": key,
            "before": None if before is None else canonical_json(before),
            "after": canonical_json(after),
            "reason": reason,
            "operation_id": str(uuid.UUID(int=(uid.int + entry_id) % (1 << 128))),
        }
        digest = entry_hash(prev, stored)
        batch.append((*stored.values(), prev, digest))
        prev = digest
        if len(batch) >= 50_000:
            conn.executemany(_AUDIT_INSERT, batch)
            batch.clear()
    if batch:
        conn.executemany(_AUDIT_INSERT, batch)
    if entry_id:
        conn.execute("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, ?, ?)", (entry_id, prev))
    return entry_id


def is_demo(services: Services) -> bool:
    with services.db.reading() as session:
        return session.execute(text("SELECT value FROM meta WHERE key = 'demo'")).scalar() == "true"
