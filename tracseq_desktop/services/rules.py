"""Rules that need the store to check: temperature classes and box positions."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from tracseq_desktop.domain.enums import LocationKind, SampleStatus, TemperatureClass
from tracseq_desktop.domain.errors import (
    BoxFull,
    InvalidInput,
    InvalidState,
    NotFound,
    PositionOccupied,
    TemperatureMismatch,
)
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.i18n import _
from tracseq_desktop.services.records import geometry_of
from tracseq_desktop.store.models import Location, Sample, SampleType
from tracseq_desktop.store.txcache import transaction_cache

#: built once: composing a statement costs more than SQLite takes to run it
_OCCUPANT = select(Sample).where(
    Sample.box_id == bindparam("box"), Sample.pos_row == bindparam("row"), Sample.pos_col == bindparam("col")
)
_TAKEN = select(Sample.pos_row, Sample.pos_col).where(Sample.box_id == bindparam("box"))


def allowed_classes(session: Session, sample_type: str) -> list[TemperatureClass]:
    """The temperature classes ``sample_type`` may be stored at; read once per transaction."""
    known: dict[str, list[TemperatureClass]] = transaction_cache(session, "rules.sample_types", dict)
    classes = known.get(sample_type)
    if classes is None:
        row = session.get(SampleType, sample_type)
        if row is None:
            names = ", ".join(session.scalars(select(SampleType.name).order_by(SampleType.name)))
            raise NotFound(
                _("Unknown sample type {type!r}; known types: {known}.").format(type=sample_type, known=names)
            )
        classes = known[sample_type] = [TemperatureClass(c) for c in row.temperature_classes.split(",") if c]
    return list(classes)


def check_temperature(session: Session, sample_type: str, unit: Location | None, override_reason: str | None) -> None:
    """The type's storage temperature must match the unit's, unless overridden with a reason."""
    if unit is None or unit.temperature_class is None:
        return
    allowed = allowed_classes(session, sample_type)
    unit_class = TemperatureClass(unit.temperature_class)
    if unit_class in allowed:
        return
    if override_reason and override_reason.strip():
        return
    raise TemperatureMismatch(
        _(
            "{type} is stored at {allowed}, but {unit} is {unit_class}; "
            "give an override reason to store it there anyway."
        ).format(
            type=sample_type,
            allowed=" / ".join(c.display_name for c in allowed),
            unit=unit.label,
            unit_class=unit_class.display_name,
        )
    )


def check_sample_movable(sample: Sample) -> None:
    status = SampleStatus(sample.status)
    if status.is_final:
        raise InvalidState(
            _("{barcode} is {status} and can no longer be moved or checked out.").format(
                barcode=sample.barcode, status=status.display_name
            )
        )


def check_box_usable(box: Location) -> None:
    if box.kind != LocationKind.BOX:
        raise InvalidInput(_("{label} is not a box.").format(label=box.label))
    if box.retired:
        raise InvalidState(_("{label} is retired and takes nothing new.").format(label=box.label))


def resolve_slot(
    session: Session, box: Location, position: str | None, *, moving: Sample | None = None
) -> tuple[int | None, int | None]:
    """Check that ``position`` exists in ``box`` and is free; return (row, col).

    Without a position a grid box gets its first free place (row by row) and a
    gridless container any place up to its capacity.
    """
    check_box_usable(box)
    geometry = geometry_of(box)
    assert geometry is not None
    if not geometry.has_grid:
        if position:
            raise InvalidInput(_("{label} has no grid; store without a position.").format(label=box.label))
        held = session.scalar(select(func.count()).select_from(Sample).where(Sample.box_id == box.id))
        already_here = moving is not None and moving.box_id == box.id
        if not already_here and (held or 0) >= geometry.capacity:
            raise BoxFull(_("{label} is full ({capacity} places).").format(label=box.label, capacity=geometry.capacity))
        return None, None
    if position:
        row, col = geometry.parse_position(position)
        occupant = session.scalar(_OCCUPANT, {"box": box.id, "row": row, "col": col})
        if occupant is not None and (moving is None or occupant.id != moving.id):
            state = _("reserved for") if occupant.status == SampleStatus.CHECKED_OUT else _("taken by")
            raise PositionOccupied(
                _("Position {position} in {box} is {state} {barcode}.").format(
                    position=position_label(row, col), box=box.label, state=state, barcode=occupant.barcode
                )
            )
        return row, col
    taken = {(r, c) for r, c in session.execute(_TAKEN, {"box": box.id})}
    for row, col in geometry.positions():
        if (row, col) not in taken:
            return row, col
    raise BoxFull(_("{label} is full ({capacity} places).").format(label=box.label, capacity=geometry.capacity))
