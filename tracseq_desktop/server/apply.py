"""Applying pushed intents to the server's state: preconditions, merges and conflicts.

Each intent is re-checked against what the server holds. A broken rule rejects just
that intent (``Rejected``, its savepoint rolled back); a clash between workstations
becomes a ``Conflict`` row that people resolve; descriptive fields merge one by one,
last writer (by clock stamp) winning, and the losing value goes to ``field_history``.
Volumes only change by withdrawal events. Every entity an intent names is touched, so
its authoritative state goes out in the change feed whatever the outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from tracseq_desktop.domain.enums import ALLOWED_PARENTS, LocationKind, UnitType
from tracseq_desktop.domain.quantities import format_volume
from tracseq_desktop.i18n import _
from tracseq_desktop.server.context import (
    APPLIED,
    FINAL,
    LOCATION_ROLES,
    PushContext,
    Rejected,
    Result,
    _bump,
    _conflict,
    _history,
    _need_box,
    _need_location,
    _need_sample,
    _occupant,
    _set_place,
    _slot_collision,
    _slot_free,
    _where,
    parse_time,
    visible_location,
)
from tracseq_desktop.server.models import Conflict, Location, Sample
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.wire import ConflictKind, IntentKind, Outcome


def _need_location_role(ctx: PushContext) -> None:
    if ctx.user.role not in LOCATION_ROLES:
        raise Rejected(_("The role {role} may not change storage locations.").format(role=ctx.user.role))


def _check_parent(kind: LocationKind, parent: Location | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if parent is None:
        if allowed:
            raise Rejected(_("A {kind} must be inside another location.").format(kind=kind.value))
        return
    if LocationKind(parent.kind) not in allowed:
        raise Rejected(_("A {kind} cannot be inside a {parent}.").format(kind=kind.value, parent=parent.kind))
    if parent.retired:
        raise Rejected(_("{label} is retired and takes nothing new.").format(label=parent.label))


def location_create(ctx: PushContext, m: wire.Mutation, a: wire.LocationCreateArgs) -> Result:
    _need_location_role(ctx)
    session = ctx.session
    if session.get(Location, a.uuid) is not None:
        raise Rejected(_("A location with this id already exists."))
    taken = session.scalar(select(Location).where(Location.label == a.label))
    if taken is not None:
        raise Rejected(_("The label {label} is already in use on the server.").format(label=a.label))
    kind = LocationKind(a.kind)
    parent = visible_location(ctx, a.parent) if a.parent else None
    if a.parent and parent is None:
        raise Rejected(_("The server knows no location {key}.").format(key=a.parent))
    _check_parent(kind, parent)
    if kind is LocationKind.SITE:
        site = a.label
        if site not in ctx.sites:
            raise Rejected(_("You may not create the site {site}.").format(site=site))
    else:
        assert parent is not None
        site = parent.site
    unit_type = temperature = None
    rows = cols = capacity = None
    if kind is LocationKind.UNIT:
        try:
            utype = UnitType(a.unit_type or "")
        except ValueError:
            raise Rejected(_("Unknown unit type {type!r}.").format(type=a.unit_type)) from None
        unit_type, temperature = utype.value, utype.temperature_class.value
    if kind is LocationKind.BOX:
        if (a.rows is None) != (a.cols is None):
            raise Rejected(_("A box grid needs both rows and columns."))
        rows, cols = a.rows, a.cols
        capacity = rows * cols if rows is not None and cols is not None else a.capacity
        if capacity is None:
            raise Rejected(_("A box needs a geometry or a capacity."))
    at = parse_time(m.at) or ctx.now
    session.add(
        Location(
            uuid=a.uuid,
            site=site,
            kind=kind.value,
            label=a.label,
            name=a.name,
            parent=parent.uuid if parent else None,
            unit_type=unit_type,
            temperature_class=temperature,
            rows=rows,
            cols=cols,
            capacity=capacity,
            retired=False,
            version=1,
            clocks={"label": m.hlc, "name": m.hlc},
            created_at=at,
            updated_at=at,
        )
    )
    session.flush()
    return APPLIED


def location_update(ctx: PushContext, m: wire.Mutation, a: wire.LocationUpdateArgs) -> Result:
    _need_location_role(ctx)
    loc = _need_location(ctx, a.uuid)
    clocks = dict(loc.clocks or {})
    changed, lost = False, []
    for name, value in (("label", a.label), ("name", a.name)):
        if value is None:
            continue
        current = getattr(loc, name)
        if m.hlc > clocks.get(name, ""):
            if value != current:
                if name == "label":
                    other = ctx.session.scalar(select(Location.uuid).where(Location.label == value))
                    if other is not None:
                        raise Rejected(_("The label {label} is already in use on the server.").format(label=value))
                _history(ctx, "location", loc, name, value, current, m.key)
                setattr(loc, name, value)
                changed = True
            clocks[name] = m.hlc
        elif value != current:
            _history(ctx, "location", loc, name, current, value, m.key)
            lost.append(name)
    loc.clocks = clocks
    if changed:
        _bump(ctx, loc, parse_time(m.at) or ctx.now)
    if lost:
        return Result(Outcome.APPLIED, _("A later edit kept: {fields}.").format(fields=", ".join(lost)))
    return APPLIED


def _subtree(ctx: PushContext, root: str) -> list[str]:
    found, frontier = [root], [root]
    while frontier:
        children = list(ctx.session.scalars(select(Location.uuid).where(Location.parent.in_(frontier))))
        found.extend(children)
        frontier = children
    return found


def location_move(ctx: PushContext, m: wire.Mutation, a: wire.LocationMoveArgs) -> Result:
    _need_location_role(ctx)
    loc = _need_location(ctx, a.uuid)
    target = _need_location(ctx, a.parent)
    kind = LocationKind(loc.kind)
    if kind in (LocationKind.SITE, LocationKind.ROOM):
        raise Rejected(_("Sites and rooms cannot be moved."))
    if target.uuid in _subtree(ctx, loc.uuid):
        raise Rejected(_("{label} cannot be moved into itself.").format(label=loc.label))
    _check_parent(kind, target)
    if target.site != loc.site:
        raise Rejected(_("Locations cannot move between sites."))
    if loc.parent == target.uuid:
        return APPLIED
    if m.expect.get("parent", loc.parent) != loc.parent:
        _history(ctx, "location", loc, "parent", target.uuid, loc.parent, m.key)
    loc.parent = target.uuid
    _bump(ctx, loc, parse_time(m.at) or ctx.now)
    return APPLIED


def location_retire(ctx: PushContext, m: wire.Mutation, a: wire.LocationRetireArgs) -> Result:
    _need_location_role(ctx)
    loc = _need_location(ctx, a.uuid)
    if loc.retired:
        return APPLIED
    ids = _subtree(ctx, loc.uuid)
    held = ctx.session.scalar(select(func.count()).select_from(Sample).where(Sample.box.in_(ids))) or 0
    if held:
        raise Rejected(_("{label} still holds {count} samples on the server.").format(label=loc.label, count=held))
    active = ctx.session.scalar(
        select(func.count()).select_from(Location).where(Location.parent == loc.uuid, Location.retired.is_(False))
    )
    if active:
        raise Rejected(_("{label} still holds locations that are in use.").format(label=loc.label))
    loc.retired = True
    _bump(ctx, loc, parse_time(m.at) or ctx.now)
    return APPLIED


# -- samples ---------------------------------------------------------------------------------
def sample_register(ctx: PushContext, m: wire.Mutation, a: wire.SampleRegisterArgs) -> Result:
    session = ctx.session
    if session.get(Sample, a.uuid) is not None:
        raise Rejected(_("A sample with this id already exists."))
    other = session.scalar(select(Sample).where(Sample.barcode == a.barcode))
    if other is not None:
        raise Rejected(_("{barcode} is already registered on the server.").format(barcode=a.barcode))
    if a.parent is not None:
        _need_sample(ctx, a.parent)
    box = _need_box(ctx, a.box) if a.box else None
    site = box.site if box else ctx.workstation.site
    if site not in ctx.sites:
        raise Rejected(_("You may not register samples at {site}.").format(site=site))
    at = parse_time(m.at) or ctx.now
    s = Sample(
        uuid=a.uuid,
        site=site,
        barcode=a.barcode,
        sample_type=a.sample_type,
        status=a.status,
        volume_nl=a.volume_nl,
        concentration=a.concentration,
        concentration_unit=a.concentration_unit,
        project=a.project,
        owner=a.owner,
        collected_at=parse_time(a.collected_at),
        expires_at=parse_time(a.expires_at),
        freeze_thaw_count=a.freeze_thaw_count,
        attributes=dict(a.attributes),
        parent=a.parent,
        version=1,
        clocks={},
        created_at=at,
        updated_at=at,
    )
    session.add(s)
    session.flush()
    if box is None:
        return APPLIED
    if not _slot_free(ctx, s, box, a.row, a.col):
        return _slot_collision(ctx, s, box, a.row, a.col, m.key)
    _set_place(ctx, s, box.uuid, a.row, a.col)
    return APPLIED


def _discard_versus_move(
    ctx: PushContext, s: Sample, box: Location, row: int | None, col: int | None, key: str
) -> Result:
    where = _where(ctx, box.uuid, row, col)
    summary = _("{barcode} was {status} on the server, but another workstation put it at {where}.").format(
        barcode=s.barcode, status=s.status, where=where
    )
    options = [
        ("keep_discarded", _("{barcode} stays {status}").format(barcode=s.barcode, status=s.status)),
        ("restore_and_move", _("{barcode} is available again, at {where}").format(barcode=s.barcode, where=where)),
    ]
    subject = {"sample": s.uuid, "barcode": s.barcode, "order": "move_after_discard", "box": box.uuid, "row": row,
               "col": col, "where": where}  # fmt: skip
    return _conflict(ctx, ConflictKind.DISCARD_VERSUS_MOVE, s.site, summary, subject, options, key)


def sample_place(ctx: PushContext, m: wire.Mutation, a: wire.SamplePlaceArgs) -> Result:
    s = _need_sample(ctx, a.uuid)
    box = _need_box(ctx, a.box)
    if box.site != s.site:
        raise Rejected(_("Samples cannot move between sites."))
    if s.status in FINAL:
        return _discard_versus_move(ctx, s, box, a.row, a.col, m.key)
    here = (s.box, s.row, s.col) == (box.uuid, a.row, a.col)
    if not here and not _slot_free(ctx, s, box, a.row, a.col):
        return _slot_collision(ctx, s, box, a.row, a.col, m.key)
    changed = False
    if not here:
        expected = (m.expect.get("box"), m.expect.get("row"), m.expect.get("col"))
        if m.expect and expected != (s.box, s.row, s.col):  # moved meanwhile elsewhere: keep the lost place
            _history(
                ctx, "sample", s, "place", _where(ctx, box.uuid, a.row, a.col), _where(ctx, s.box, s.row, s.col), m.key
            )
        _set_place(ctx, s, box.uuid, a.row, a.col)
        changed = True
    if a.action == "check_in" and s.status == "checked_out":
        s.status = "available"
        s.freeze_thaw_count += a.freeze_thaw_delta
        changed = True
    if changed:
        _bump(ctx, s, parse_time(m.at) or ctx.now)
    return APPLIED


def sample_unplace(ctx: PushContext, m: wire.Mutation, a: wire.SampleUnplaceArgs) -> Result:
    """Take a sample out of its box, unless another workstation moved it meanwhile."""
    s = _need_sample(ctx, a.uuid)
    if s.box is None:
        return APPLIED  # already out: nothing to do
    seen = (m.expect.get("box"), m.expect.get("row"), m.expect.get("col"))
    if m.expect and seen != (s.box, s.row, s.col):
        raise Rejected(
            _("{barcode} was moved on another workstation; it stays at {where}.").format(
                barcode=s.barcode, where=_where(ctx, s.box, s.row, s.col)
            )
        )
    _set_place(ctx, s, None, None, None)
    _bump(ctx, s, parse_time(m.at) or ctx.now)
    return APPLIED


def sample_status(ctx: PushContext, m: wire.Mutation, a: wire.SampleStatusArgs) -> Result:
    s = _need_sample(ctx, a.uuid)
    at = parse_time(m.at) or ctx.now
    if a.status == "checked_out":
        if s.status in FINAL:
            raise Rejected(_("{barcode} is {status} on the server.").format(barcode=s.barcode, status=s.status))
        if s.status != "checked_out":
            s.status = "checked_out"
            _bump(ctx, s, at)
        return APPLIED
    if s.status == "discarded":
        return APPLIED  # discarded twice: once is enough
    if s.status == "consumed":
        raise Rejected(_("{barcode} was used up on the server.").format(barcode=s.barcode))
    seen = (m.expect.get("box"), m.expect.get("row"), m.expect.get("col"))
    if m.expect and seen != (s.box, s.row, s.col):
        where = _where(ctx, s.box, s.row, s.col)
        summary = _("{barcode} was discarded on one workstation but moved to {where} on another.").format(
            barcode=s.barcode, where=where
        )
        options = [
            ("discard", _("Discard {barcode}").format(barcode=s.barcode)),
            ("keep", _("Keep {barcode} at {where}").format(barcode=s.barcode, where=where)),
        ]
        subject = {"sample": s.uuid, "barcode": s.barcode, "order": "discard_after_move", "where": where,
                   "reason": a.reason}  # fmt: skip
        return _conflict(ctx, ConflictKind.DISCARD_VERSUS_MOVE, s.site, summary, subject, options, m.key)
    s.status = "discarded"
    _set_place(ctx, s, None, None, None)
    _bump(ctx, s, at)
    return APPLIED


def sample_withdraw(ctx: PushContext, m: wire.Mutation, a: wire.SampleWithdrawArgs) -> Result:
    s = _need_sample(ctx, a.uuid)
    if s.status == "discarded":
        raise Rejected(_("{barcode} was discarded on the server.").format(barcode=s.barcode))
    held = s.volume_nl
    if held is None:
        if a.amount_nl > 0:
            raise Rejected(_("{barcode} has no recorded volume on the server.").format(barcode=s.barcode))
        held = 0
    left = held - a.amount_nl
    if left < 0:
        summary = _("{requested} were withdrawn from {barcode}, but the server holds only {available}.").format(
            requested=format_volume(a.amount_nl), barcode=s.barcode, available=format_volume(held)
        )
        options = [
            ("withdraw_all", _("Record {barcode} as used up").format(barcode=s.barcode)),
            ("drop", _("Drop this withdrawal; keep {available}").format(available=format_volume(held))),
        ]
        subject = {"sample": s.uuid, "barcode": s.barcode, "requested": a.amount_nl, "available": held}
        return _conflict(ctx, ConflictKind.OVER_WITHDRAWAL, s.site, summary, subject, options, m.key)
    s.volume_nl = left
    if left == 0 and a.amount_nl > 0 and not a.adjust:
        s.status = "consumed"
        _set_place(ctx, s, None, None, None)
    _bump(ctx, s, parse_time(m.at) or ctx.now)
    return APPLIED


_TEXT_LIMITS = {"project": 100, "owner": 100, "concentration_unit": 16, "sample_type": 64}


def _checked(name: str, value: Any) -> Any:
    """The field's value, or ``ValueError``; the client sends wire values (UTC text for times)."""
    if name in _TEXT_LIMITS:
        if value is None and name != "sample_type":
            return None
        if not isinstance(value, str) or not value or len(value) > _TEXT_LIMITS[name]:
            raise ValueError(name)
        return value
    if name in ("collected_at", "expires_at"):
        return None if value is None else parse_time(str(value))
    if value is None and name in ("concentration", "volume_nl"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(name)
    if name == "concentration":
        return float(value)
    if not isinstance(value, int) or not 0 <= value <= 10**15:
        raise ValueError(name)
    return value


def _edit_value(name: str, value: Any) -> Any:
    try:
        return _checked(name, value)
    except ValueError:
        raise Rejected(_("{value!r} is not a valid {field}.").format(value=value, field=name)) from None


def sample_edit(ctx: PushContext, m: wire.Mutation, a: wire.SampleEditArgs) -> Result:
    s = _need_sample(ctx, a.uuid)
    if s.status in FINAL:
        raise Rejected(_("{barcode} is {status}; its record is closed.").format(barcode=s.barcode, status=s.status))
    unknown = set(a.fields) - set(wire.EDITABLE_SAMPLE_FIELDS)
    if unknown:
        raise Rejected(_("These fields cannot be edited: {fields}.").format(fields=", ".join(sorted(unknown))))
    clocks = dict(s.clocks or {})
    changed, lost = False, []
    for name, raw in a.fields.items():
        if name == "attributes":
            merged, lost_keys = _merge_attributes(ctx, s, clocks, raw, m)
            changed = changed or merged
            lost.extend(lost_keys)
            continue
        value = _edit_value(name, raw)
        current = getattr(s, name)
        if m.hlc > clocks.get(name, ""):
            if value != current:
                _history(ctx, "sample", s, name, raw, _plain(current), m.key)
                setattr(s, name, value)
                changed = True
            clocks[name] = m.hlc
        elif value != current:
            _history(ctx, "sample", s, name, _plain(current), raw, m.key)
            lost.append(name)
    s.clocks = clocks
    if changed:
        _bump(ctx, s, parse_time(m.at) or ctx.now)
    if lost:
        return Result(Outcome.APPLIED, _("A later edit kept: {fields}.").format(fields=", ".join(lost)))
    return APPLIED


def _merge_attributes(
    ctx: PushContext, s: Sample, clocks: dict[str, str], raw: Any, m: wire.Mutation
) -> tuple[bool, list[str]]:
    """Attributes merge key by key, each with its own clock stamp."""
    if not isinstance(raw, dict) or len(raw) > 100:
        raise Rejected(_("Attributes must be a set of named values."))
    merged = dict(s.attributes or {})
    changed, lost = False, []
    for attr, value in raw.items():
        slot = f"attributes.{attr}"
        if m.hlc > clocks.get(slot, ""):
            if merged.get(attr) != value:
                _history(ctx, "sample", s, slot, value, merged.get(attr), m.key)
                merged[attr] = value
                changed = True
            clocks[slot] = m.hlc
        elif merged.get(attr) != value:
            _history(ctx, "sample", s, slot, merged.get(attr), value, m.key)
            lost.append(slot)
    s.attributes = merged
    return changed, lost


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# -- resolving conflicts -------------------------------------------------------------------
def conflict_resolve(ctx: PushContext, m: wire.Mutation, a: wire.ConflictResolveArgs) -> Result:
    c = ctx.session.get(Conflict, a.conflict)
    if c is None or c.site not in ctx.sites:
        raise Rejected(_("The server knows no conflict {key}.").format(key=a.conflict))
    ctx.touch("conflict", c.id)
    if c.status == "resolved":
        if c.resolved_option == a.option:
            return APPLIED
        raise Rejected(
            _("This conflict was already resolved by {user} ({option}).").format(
                user=c.resolved_by, option=c.resolved_option
            )
        )
    if a.option not in {o["id"] for o in c.options}:
        raise Rejected(_("{option!r} is not one of this conflict's options.").format(option=a.option))
    _carry_out(ctx, c, a.option, parse_time(m.at) or ctx.now)
    c.status = "resolved"
    c.resolved_option = a.option
    c.resolved_by = ctx.user.name
    c.resolved_reason = a.reason
    c.resolved_at = parse_time(m.at) or ctx.now
    ctx.session.flush()
    return APPLIED


def _carry_out(ctx: PushContext, c: Conflict, option: str, at: datetime) -> None:
    """What the chosen option does to the entities (options that keep things as they are do nothing)."""
    subject = c.subject
    if c.kind == ConflictKind.SLOT_COLLISION and option == "keep_second":
        second = _need_sample(ctx, subject["second"])
        ctx.touch("sample", second.uuid)
        if second.status in FINAL:
            raise Rejected(_("{barcode} is no longer in storage.").format(barcode=second.barcode))
        box = _need_box(ctx, subject["box"])
        occupant = _occupant(ctx, box.uuid, subject["row"], subject["col"])
        if occupant is not None and occupant.uuid != second.uuid:
            ctx.touch("sample", occupant.uuid)
            _set_place(ctx, occupant, None, None, None)
            _bump(ctx, occupant, at)
        _set_place(ctx, second, box.uuid, subject["row"], subject["col"])
        _bump(ctx, second, at)
    elif c.kind == ConflictKind.DISCARD_VERSUS_MOVE and option in ("restore_and_move", "discard"):
        s = _need_sample(ctx, subject["sample"])
        ctx.touch("sample", s.uuid)
        if option == "discard":
            if s.status != "discarded":
                s.status = "discarded"
                _set_place(ctx, s, None, None, None)
                _bump(ctx, s, at)
        else:
            box = _need_box(ctx, subject["box"])
            s.status = "available"
            _set_place(ctx, s, None, None, None)
            if _slot_free(ctx, s, box, subject["row"], subject["col"]):
                _set_place(ctx, s, box.uuid, subject["row"], subject["col"])
            _bump(ctx, s, at)
    elif c.kind == ConflictKind.OVER_WITHDRAWAL and option == "withdraw_all":
        s = _need_sample(ctx, subject["sample"])
        ctx.touch("sample", s.uuid)
        if s.status != "discarded":
            s.volume_nl = 0
            s.status = "consumed"
            _set_place(ctx, s, None, None, None)
            _bump(ctx, s, at)


HANDLERS: dict[IntentKind, Any] = {
    IntentKind.LOCATION_CREATE: location_create,
    IntentKind.LOCATION_UPDATE: location_update,
    IntentKind.LOCATION_MOVE: location_move,
    IntentKind.LOCATION_RETIRE: location_retire,
    IntentKind.SAMPLE_REGISTER: sample_register,
    IntentKind.SAMPLE_PLACE: sample_place,
    IntentKind.SAMPLE_UNPLACE: sample_unplace,
    IntentKind.SAMPLE_STATUS: sample_status,
    IntentKind.SAMPLE_WITHDRAW: sample_withdraw,
    IntentKind.SAMPLE_EDIT: sample_edit,
    IntentKind.CONFLICT_RESOLVE: conflict_resolve,
}


def parse_args(m: wire.Mutation) -> wire.Strict:
    try:
        return wire.ARGUMENTS[m.kind].model_validate(m.args)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Rejected(_("Bad arguments ({where}): {message}").format(where=where, message=first["msg"])) from None


def apply_intent(ctx: PushContext, m: wire.Mutation, args: wire.Strict) -> Result:
    entity = "location" if m.kind.value.startswith("location.") else "sample"
    if m.kind is not IntentKind.CONFLICT_RESOLVE:
        ctx.touch(entity, str(args.uuid))  # type: ignore[attr-defined]
    result: Result = HANDLERS[m.kind](ctx, m, args)
    return result
