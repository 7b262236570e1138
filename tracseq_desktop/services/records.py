"""Loading and describing rows inside a transaction: shared by the services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tracseq_desktop.domain.enums import LocationKind, SampleStatus, TemperatureClass, UnitType
from tracseq_desktop.domain.errors import InvalidInput, NotFound
from tracseq_desktop.domain.geometry import Geometry, position_label
from tracseq_desktop.domain.views import LocationView, SampleView
from tracseq_desktop.i18n import _
from tracseq_desktop.store.models import Location, Sample
from tracseq_desktop.store.txcache import transaction_cache


def normalise_code(code: str) -> str:
    """Barcodes and labels compare case-insensitively and without surrounding blanks."""
    cleaned = str(code).strip().upper()
    if not cleaned:
        raise InvalidInput(_("A barcode or label cannot be empty."))
    if any(ch.isspace() for ch in cleaned) and len(cleaned) > 64:
        raise InvalidInput(_("{code!r} is not a barcode.").format(code=code))
    if len(cleaned) > 64:
        raise InvalidInput(_("A barcode or label has at most 64 characters."))
    return cleaned


def get_sample(session: Session, barcode: str) -> Sample:
    code = normalise_code(barcode)
    sample = session.scalar(select(Sample).where(Sample.barcode == code))
    if sample is None:
        raise NotFound(_("No sample with barcode {barcode}.").format(barcode=code))
    return sample


def get_location(session: Session, label: str, kind: LocationKind | None = None) -> Location:
    code = normalise_code(label)
    location = session.scalar(select(Location).where(Location.label == code))
    if location is None:
        raise NotFound(_("No location or box with label {label}.").format(label=code))
    if kind is LocationKind.BOX and location.kind != LocationKind.BOX:
        raise InvalidInput(
            _("{label} is a {kind}, not a box.").format(label=code, kind=LocationKind(location.kind).display_name)
        )
    return location


_PATH_SQL = text(
    """WITH RECURSIVE up(id, parent_id, label, depth) AS (
        SELECT id, parent_id, label, 0 FROM location WHERE id = :id
        UNION ALL SELECT l.id, l.parent_id, l.label, up.depth + 1 FROM location l JOIN up ON l.id = up.parent_id)
    SELECT id, label FROM up ORDER BY depth DESC"""
)


def location_path(session: Session, location_id: int | None) -> tuple[str, ...]:
    if location_id is None:
        return ()
    return tuple(str(row.label) for row in session.execute(_PATH_SQL, {"id": location_id}))


def ancestor_ids(session: Session, location_id: int) -> list[int]:
    return [int(row.id) for row in session.execute(_PATH_SQL, {"id": location_id})]


def unit_of(session: Session, location: Location) -> Location | None:
    """The storage unit holding ``location`` (or ``location`` itself if it is one)."""
    current: Location | None = location
    while current is not None:
        if current.kind == LocationKind.UNIT:
            return current
        current = session.get(Location, current.parent_id) if current.parent_id is not None else None
    return None


def box_and_unit(session: Session, label: str) -> tuple[Location, Location | None]:
    """A box by label and the storage unit holding it, looked up once per transaction.

    Registering thousands of samples into a few boxes asks the same two questions each
    time; the answers are held (and so stay in the session's identity map) until the
    transaction ends or anything in it rolls back.
    """
    code = normalise_code(label)
    boxes: dict[str, tuple[Location, Location | None]] = transaction_cache(session, "samples.boxes", dict)
    found = boxes.get(code)
    if found is None:
        box = get_location(session, code)
        found = boxes[code] = (box, unit_of(session, box))
    return found


def geometry_of(location: Location) -> Geometry | None:
    if location.kind != LocationKind.BOX:
        return None
    if location.grid_rows is not None and location.grid_cols is not None:
        return Geometry(location.grid_rows, location.grid_cols, location.grid_rows * location.grid_cols)
    return Geometry(None, None, location.capacity or 0)


def location_view(session: Session, location: Location, *, with_path: bool = True) -> LocationView:
    return LocationView(
        id=location.id,
        kind=LocationKind(location.kind),
        label=location.label,
        name=location.name,
        parent_id=location.parent_id,
        unit_type=UnitType(location.unit_type) if location.unit_type else None,
        temperature_class=TemperatureClass(location.temperature_class) if location.temperature_class else None,
        geometry=geometry_of(location),
        retired=location.retired,
        path=location_path(session, location.id) if with_path else (location.label,),
    )


def sample_view(
    session: Session, sample: Sample, *, with_path: bool = True, paths: dict[int, tuple[str, ...]] | None = None
) -> SampleView:
    """``paths``: box paths already looked up (filled as it goes), for views of many samples at once."""
    box = session.get(Location, sample.box_id) if sample.box_id is not None else None
    parent = session.get(Sample, sample.parent_id) if sample.parent_id is not None else None
    path: tuple[str, ...] = ()
    if box is not None and with_path:
        if paths is None:
            path = location_path(session, box.id)
        else:
            if box.id not in paths:
                paths[box.id] = location_path(session, box.id)
            path = paths[box.id]
    return SampleView(
        id=sample.id,
        barcode=sample.barcode,
        sample_type=sample.sample_type,
        status=SampleStatus(sample.status),
        volume_nl=sample.volume_nl,
        concentration=sample.concentration,
        concentration_unit=sample.concentration_unit,
        project=sample.project,
        owner=sample.owner,
        collected_at=sample.collected_at,
        expires_at=sample.expires_at,
        freeze_thaw_count=sample.freeze_thaw_count,
        attributes=dict(sample.attributes or {}),
        parent_barcode=parent.barcode if parent else None,
        box_label=box.label if box else None,
        box_id=sample.box_id,
        row=sample.pos_row,
        col=sample.pos_col,
        location_path=path,
        version=sample.version,
        created_at=sample.created_at,
        updated_at=sample.updated_at,
    )


def sample_state(session: Session, sample: Sample) -> dict[str, Any]:
    """What the audit trail records of a sample before and after a change."""
    box = session.get(Location, sample.box_id) if sample.box_id is not None else None
    position = (
        position_label(sample.pos_row, sample.pos_col)
        if sample.pos_row is not None and sample.pos_col is not None
        else None
    )
    return {
        "barcode": sample.barcode,
        "type": sample.sample_type,
        "status": sample.status,
        "volume_nl": sample.volume_nl,
        "concentration": sample.concentration,
        "concentration_unit": sample.concentration_unit,
        "project": sample.project,
        "owner": sample.owner,
        "collected_at": sample.collected_at.isoformat() if sample.collected_at else None,
        "expires_at": sample.expires_at.isoformat() if sample.expires_at else None,
        "freeze_thaw_count": sample.freeze_thaw_count,
        "attributes": dict(sample.attributes or {}),
        "box": box.label if box else None,
        "position": position,
        "version": sample.version,
    }


def location_state(location: Location) -> dict[str, Any]:
    return {
        "kind": location.kind,
        "label": location.label,
        "name": location.name,
        "parent_id": location.parent_id,
        "unit_type": location.unit_type,
        "temperature_class": location.temperature_class,
        "rows": location.grid_rows,
        "cols": location.grid_cols,
        "capacity": location.capacity,
        "retired": location.retired,
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after); box and position travel together."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    if "box" in keys or "position" in keys:  # a place is always recorded whole
        keys = [k for k in after if k in keys or k in ("box", "position")]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
