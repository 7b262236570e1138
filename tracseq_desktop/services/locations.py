"""Storage locations: create, rename, move and retire sites, rooms, units, racks, shelves and boxes."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracseq_desktop.domain.enums import ALLOWED_PARENTS, LocationKind, TemperatureClass, UnitType
from tracseq_desktop.domain.errors import AlreadyExists, InvalidHierarchy, InvalidInput, InvalidState
from tracseq_desktop.domain.geometry import Geometry
from tracseq_desktop.domain.views import LocationView
from tracseq_desktop.i18n import _
from tracseq_desktop.services.operation import Operation, OperationRunner
from tracseq_desktop.services.records import (
    ancestor_ids,
    get_location,
    location_state,
    location_view,
    normalise_code,
    unit_of,
)
from tracseq_desktop.services.rules import check_temperature
from tracseq_desktop.store.models import Location, Sample
from tracseq_desktop.sync.outbox import location_args


def _words(session: Session, location: Location) -> str:
    parts: list[str] = []
    for loc_id in ancestor_ids(session, location.id):
        loc = session.get(Location, loc_id)
        if loc is not None:
            parts.extend([loc.label, loc.name])
    return " ".join(p for p in parts if p)


def _subtree_ids(session: Session, root_id: int) -> list[int]:
    rows = session.execute(
        text(
            """WITH RECURSIVE down(id) AS (SELECT :id UNION ALL
               SELECT l.id FROM location l JOIN down ON l.parent_id = down.id) SELECT id FROM down"""
        ),
        {"id": root_id},
    )
    return [int(r.id) for r in rows]


def refresh_search_words(session: Session, root: Location) -> None:
    """Recompute the words of ``root`` and everything below it, and re-index their samples."""
    ids = _subtree_ids(session, root.id)
    for loc_id in ids:
        loc = session.get(Location, loc_id)
        if loc is not None:
            loc.search_words = _words(session, loc)
    session.flush()
    # Naming box_id in SET fires the search-index trigger for these samples.
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(text(f"UPDATE sample SET box_id = box_id WHERE box_id IN ({','.join(str(i) for i in chunk)})"))


class LocationService:
    def __init__(self, runner: OperationRunner) -> None:
        self._runner = runner

    def create(
        self,
        kind: LocationKind | str,
        label: str,
        *,
        parent: str | None = None,
        name: str = "",
        unit_type: UnitType | str | None = None,
        geometry: Geometry | str | None = None,
    ) -> LocationView:
        """Create a location under ``parent`` (by label). Units need a type, boxes a geometry."""
        kind = _parse_kind(kind)
        code = normalise_code(label)
        with self._runner.operation() as op:
            session = op.session
            if session.scalar(select(Location.id).where(Location.label == code)) is not None:
                raise AlreadyExists(_("The label {label} is already in use.").format(label=code))
            parent_loc = get_location(session, parent) if parent else None
            _check_parent(kind, parent_loc)
            location = Location(
                kind=kind.value,
                label=code,
                name=name.strip(),
                parent_id=parent_loc.id if parent_loc else None,
                retired=False,
                version=1,
                created_at=op.now,
                updated_at=op.now,
                search_words="",
            )
            if kind is LocationKind.UNIT:
                if unit_type is None:
                    raise InvalidInput(_("A storage unit needs a type (freezer, fridge, dewar, cabinet)."))
                utype = _parse_unit_type(unit_type)
                location.unit_type = utype.value
                location.temperature_class = utype.temperature_class.value
            if kind is LocationKind.BOX:
                if geometry is None:
                    raise InvalidInput(_("A box needs a geometry, e.g. 9x9 or 8x12, or a capacity."))
                geo = Geometry.parse(geometry) if isinstance(geometry, str) else geometry
                location.grid_rows, location.grid_cols, location.capacity = geo.rows, geo.cols, geo.capacity
            session.add(location)
            session.flush()
            location.search_words = _words(session, location)
            op.record("create", "location", code, None, location_state(location))
            op.intent("location.create", location_args(session, location), {"label_free": True})
            op.locations.add(location.id)
            return location_view(session, location)

    def rename(self, label: str, *, new_label: str | None = None, new_name: str | None = None) -> LocationView:
        with self._runner.operation() as op:
            session = op.session
            location = get_location(session, label)
            before = location_state(location)
            if new_label is not None:
                code = normalise_code(new_label)
                if code != location.label:
                    if session.scalar(select(Location.id).where(Location.label == code)) is not None:
                        raise AlreadyExists(_("The label {label} is already in use.").format(label=code))
                    location.label = code
            if new_name is not None:
                location.name = new_name.strip()
            location.version += 1
            location.updated_at = op.now
            session.flush()
            refresh_search_words(session, location)
            op.record("rename", "location", before["label"], before, location_state(location))
            changed = {k: getattr(location, k) for k in ("label", "name") if getattr(location, k) != before[k]}
            if changed:
                op.intent(
                    "location.update",
                    {"uuid": op.key("location", location.id), **changed},
                    {k: before[k] for k in changed},
                )
            op.locations.add(location.id)
            return location_view(session, location)

    def move(
        self, label: str, to: str, *, reason: str | None = None, override_reason: str | None = None
    ) -> LocationView:
        """Move a box (or rack, shelf) with everything in it under another location."""
        with self._runner.operation() as op:
            return self.move_in(op, label, to, reason=reason, override_reason=override_reason)

    def move_in(
        self, op: Operation, label: str, to: str, *, reason: str | None = None, override_reason: str | None = None
    ) -> LocationView:
        session = op.session
        location = get_location(session, label)
        target = get_location(session, to)
        kind = LocationKind(location.kind)
        if kind in (LocationKind.SITE, LocationKind.ROOM):
            raise InvalidHierarchy(_("Sites and rooms cannot be moved."))
        if target.id == location.id:
            raise InvalidHierarchy(_("{label} cannot be moved into itself.").format(label=location.label))
        if location.id in ancestor_ids(session, target.id):
            raise InvalidHierarchy(
                _("{label} cannot be moved into {target}, which is inside it.").format(
                    label=location.label, target=target.label
                )
            )
        _check_parent(kind, target)
        if target.retired:
            raise InvalidState(_("{label} is retired and takes nothing new.").format(label=target.label))
        new_unit = unit_of(session, target)
        if new_unit is not None:
            types = session.scalars(
                select(Sample.sample_type).where(Sample.box_id.in_(_subtree_ids(session, location.id))).distinct()
            ).all()
            for sample_type in types:
                check_temperature(session, sample_type, new_unit, override_reason)
        before = location_state(location)
        old_parent = location.parent_id
        location.parent_id = target.id
        location.version += 1
        location.updated_at = op.now
        session.flush()
        refresh_search_words(session, location)
        after = location_state(location)
        after["parent"] = target.label
        op.record("move", "location", location.label, before, after, _join_reasons(reason, override_reason))
        op.intent(
            "location.move",
            {"uuid": op.key("location", location.id), "parent": op.key("location", target.id)},
            {"parent": None if old_parent is None else op.key("location", old_parent)},
        )
        op.locations.update({location.id, target.id})
        return location_view(session, location)

    def retire(self, label: str, *, reason: str) -> LocationView:
        """Retire an empty location: it stays in history but takes nothing new."""
        if not reason or not reason.strip():
            raise InvalidInput(_("Give a reason for retiring a location."))
        with self._runner.operation() as op:
            session = op.session
            location = get_location(session, label)
            if location.retired:
                raise InvalidState(_("{label} is already retired.").format(label=location.label))
            ids = _subtree_ids(session, location.id)
            held = session.scalar(select(func.count()).select_from(Sample).where(Sample.box_id.in_(ids)))
            if held:
                raise InvalidState(
                    _("{label} still holds {count} samples; move them first.").format(label=location.label, count=held)
                )
            active_children = session.scalar(
                select(func.count()).select_from(Location).where(Location.parent_id == location.id, ~Location.retired)
            )
            if active_children:
                raise InvalidState(
                    _("{label} still holds locations that are in use; retire or move them first.").format(
                        label=location.label
                    )
                )
            before = location_state(location)
            location.retired = True
            location.version += 1
            location.updated_at = op.now
            op.record("retire", "location", location.label, before, location_state(location), reason.strip())
            op.intent("location.retire", {"uuid": op.key("location", location.id), "reason": reason.strip()})
            op.locations.add(location.id)
            return location_view(session, location)


def _check_parent(kind: LocationKind, parent: Location | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if parent is None:
        if allowed:
            raise InvalidHierarchy(
                _("A {kind} must be inside a {parents}.").format(
                    kind=kind.display_name, parents=" / ".join(k.display_name for k in allowed)
                )
            )
        return
    if LocationKind(parent.kind) not in allowed:
        if not allowed:
            raise InvalidHierarchy(_("A site cannot be inside another location."))
        raise InvalidHierarchy(
            _("A {kind} cannot be inside a {parent_kind}; it goes into a {parents}.").format(
                kind=kind.display_name,
                parent_kind=LocationKind(parent.kind).display_name,
                parents=" / ".join(k.display_name for k in allowed),
            )
        )
    if parent.retired:
        raise InvalidState(_("{label} is retired and takes nothing new.").format(label=parent.label))


def _parse_kind(kind: LocationKind | str) -> LocationKind:
    try:
        return LocationKind(str(kind).lower())
    except ValueError:
        raise InvalidInput(
            _("Unknown location kind {kind!r}; use one of: {kinds}.").format(
                kind=kind, kinds=", ".join(k.value for k in LocationKind)
            )
        ) from None


def _parse_unit_type(value: UnitType | str) -> UnitType:
    try:
        return UnitType(str(value).lower())
    except ValueError:
        raise InvalidInput(
            _("Unknown unit type {type!r}; use one of: {types}.").format(
                type=value, types=", ".join(t.value for t in UnitType)
            )
        ) from None


def _join_reasons(reason: str | None, override_reason: str | None) -> str | None:
    parts = [p.strip() for p in (reason, override_reason) if p and p.strip()]
    return "; ".join(parts) or None


__all__ = ["LocationService", "TemperatureClass", "refresh_search_words"]
