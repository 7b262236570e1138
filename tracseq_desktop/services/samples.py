"""Sample operations: register, store, move, check out and in, consume, discard, edit, aliquot.

Each public method is one transaction with its audit entries: it either happens
whole or leaves nothing behind, and a broken rule raises a ``DomainError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select

from tracseq_desktop.domain.enums import SampleStatus, TemperatureClass
from tracseq_desktop.domain.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidState,
    PositionOccupied,
    VolumeExceeded,
)
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.quantities import format_volume, parse_volume
from tracseq_desktop.domain.views import SampleView
from tracseq_desktop.i18n import _
from tracseq_desktop.services.drafts import EDITABLE_FIELDS, SampleDraft, parse_time
from tracseq_desktop.services.operation import Operation, OperationRunner
from tracseq_desktop.services.records import (
    box_and_unit,
    diff,
    get_location,
    get_sample,
    normalise_code,
    sample_state,
    sample_view,
    unit_of,
)
from tracseq_desktop.services.rules import (
    allowed_classes,
    check_box_usable,
    check_sample_movable,
    check_temperature,
    resolve_slot,
)
from tracseq_desktop.services.sample_edits import apply_edit, edit_intents
from tracseq_desktop.store.models import Location, Sample
from tracseq_desktop.sync.outbox import register_args, sample_place

#: most samples one move may take: the server frees a move's places together (so the set
#: may swap places), which needs the whole move in one sync request (see sync.wire.MAX_BATCH)
MAX_MOVE = 1000
FROZEN = {TemperatureClass.MINUS_80, TemperatureClass.MINUS_20, TemperatureClass.LN2}
Placement = tuple[str, str, str | None]  #: (barcode, box label, position or None)


def _require_reason(reason: str | None, what: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput(_("Give a reason to {what}.").format(what=what))
    return reason.strip()


class SampleService:
    def __init__(self, runner: OperationRunner) -> None:
        self._runner = runner

    # -- registering ---------------------------------------------------------------
    def register(self, draft: SampleDraft) -> SampleView:
        return self.register_many([draft])[0]

    def register_many(self, drafts: Sequence[SampleDraft]) -> list[SampleView]:
        """Register all or none: one bad draft leaves the database unchanged."""
        with self._runner.operation() as op:
            samples = [self._register_in(op, d) for d in drafts]
            paths: dict[int, tuple[str, ...]] = {}
            return [sample_view(op.session, s, paths=paths) for s in samples]

    def _register_in(self, op: Operation, draft: SampleDraft) -> Sample:
        session = op.session
        code = normalise_code(draft.barcode)
        if session.scalar(_BARCODE_TAKEN, {"code": code}) is not None:
            raise AlreadyExists(_("A sample with barcode {barcode} already exists.").format(barcode=code))
        allowed_classes(session, draft.sample_type)  # unknown types fail here
        parent = get_sample(session, draft.parent) if draft.parent else None
        if draft.freeze_thaw_count < 0:
            raise InvalidInput(_("The freeze-thaw count cannot be negative."))
        sample = Sample(
            barcode=code,
            sample_type=draft.sample_type,
            status=SampleStatus.AVAILABLE.value,
            volume_nl=draft.volume_nl(),
            concentration=draft.concentration,
            concentration_unit=draft.concentration_unit,
            project=(draft.project or "").strip() or None,
            owner=(draft.owner or "").strip() or None,
            collected_at=parse_time(draft.collected_at, _("collected at")),
            expires_at=parse_time(draft.expires_at, _("expires at")),
            freeze_thaw_count=draft.freeze_thaw_count,
            attributes=dict(draft.attributes),
            parent_id=parent.id if parent else None,
            version=1,
            created_at=op.now,
            updated_at=op.now,
        )
        if draft.box:
            box, unit = box_and_unit(session, draft.box)
            self._place(op, sample, box, draft.position, draft.override_reason, unit=(unit,))
        elif draft.position:
            raise InvalidInput(_("A position needs a box."))
        session.add(sample)
        session.flush()
        op.record("register", "sample", code, None, sample_state(session, sample), draft.override_reason)
        op.intent("sample.register", register_args(session, sample), {"slot": "empty"} if sample.box_id else {})
        op.samples.add(sample.id)
        if sample.box_id:
            op.locations.add(sample.box_id)
        return sample

    # -- placing -------------------------------------------------------------------
    def _place(
        self,
        op: Operation,
        sample: Sample,
        box: Location,
        position: str | None,
        override_reason: str | None,
        *,
        unit: tuple[Location | None] | None = None,
    ) -> None:
        """Give ``sample`` its place in ``box``; ``unit`` is the box's storage unit when the caller knows it."""
        check_box_usable(box)
        holder = unit[0] if unit is not None else unit_of(op.session, box)
        check_temperature(op.session, sample.sample_type, holder, override_reason)
        row, col = resolve_slot(op.session, box, position, moving=sample)
        sample.box_id, sample.pos_row, sample.pos_col = box.id, row, col

    def store(
        self, barcode: str, box: str, position: str | None = None, *, override_reason: str | None = None
    ) -> SampleView:
        """Put a registered sample that has no place yet into a box (next free position without one)."""
        with self._runner.operation() as op:
            sample = get_sample(op.session, barcode)
            check_sample_movable(sample)
            if sample.box_id is not None:
                raise InvalidState(
                    _("{barcode} is already stored in {where}; move it instead.").format(
                        barcode=sample.barcode, where=sample_view(op.session, sample).where
                    )
                )
            return self._move_one(op, sample, box, position, "store", None, override_reason)

    def move(
        self,
        barcode: str,
        box: str,
        position: str | None = None,
        *,
        reason: str | None = None,
        override_reason: str | None = None,
    ) -> SampleView:
        with self._runner.operation() as op:
            sample = get_sample(op.session, barcode)
            check_sample_movable(sample)
            return self._move_one(op, sample, box, position, "move", reason, override_reason)

    def _move_one(
        self,
        op: Operation,
        sample: Sample,
        box_label: str,
        position: str | None,
        action: str,
        reason: str | None,
        override_reason: str | None,
    ) -> SampleView:
        session = op.session
        before = sample_state(session, sample)
        expect = _expect(op, sample)
        old_box = sample.box_id
        box = get_location(session, box_label)
        self._place(op, sample, box, position, override_reason)
        sample.version += 1
        sample.updated_at = op.now
        session.flush()
        op.intent(
            "sample.place",
            {"uuid": op.key("sample", sample.id), "action": action, **sample_place(session, sample)},
            expect,
        )
        op.record(
            action,
            "sample",
            sample.barcode,
            *diff(before, sample_state(session, sample)),
            _reasons(reason, override_reason),
        )
        op.samples.add(sample.id)
        op.locations.update(i for i in (old_box, sample.box_id) if i is not None)
        return sample_view(session, sample)

    def move_many(
        self, placements: Sequence[Placement], *, reason: str | None = None, override_reason: str | None = None
    ) -> list[SampleView]:
        """Move many samples in one operation; swaps and rotations inside the set are allowed."""
        if not placements:
            return []
        if len(placements) > MAX_MOVE:
            raise InvalidInput(
                _("One move takes at most {limit} samples; this one has {count}. Move them in parts.").format(
                    limit=MAX_MOVE, count=len(placements)
                )
            )
        with self._runner.operation() as op:
            session = op.session
            samples: list[Sample] = []
            seen: set[str] = set()
            for barcode, _box, _position in placements:
                sample = get_sample(session, barcode)
                if sample.barcode in seen:
                    raise InvalidInput(_("{barcode} appears twice in one move.").format(barcode=sample.barcode))
                seen.add(sample.barcode)
                check_sample_movable(sample)
                samples.append(sample)
            befores = [sample_state(session, s) for s in samples]
            expects = [_expect(op, s) for s in samples]
            old_boxes = {s.box_id for s in samples if s.box_id is not None}
            for sample in samples:  # free the old places first, so the set may swap places
                sample.box_id = sample.pos_row = sample.pos_col = None
            session.flush()
            for sample, (_barcode, box_label, position) in zip(samples, placements, strict=True):
                box = get_location(session, box_label)
                self._place(op, sample, box, position, override_reason)
                sample.version += 1
                sample.updated_at = op.now
                session.flush()
            for sample, before, expect in zip(samples, befores, expects, strict=True):
                op.record(
                    "move",
                    "sample",
                    sample.barcode,
                    *diff(before, sample_state(session, sample)),
                    _reasons(reason, override_reason),
                )
                args = {"uuid": op.key("sample", sample.id), "action": "move", **sample_place(session, sample)}
                op.intent("sample.place", {**args, "group": len(samples) > 1}, expect)
                op.samples.add(sample.id)
            op.locations.update(old_boxes | {s.box_id for s in samples if s.box_id is not None})
            return [sample_view(session, s) for s in samples]

    def unstore(self, barcode: str, *, reason: str) -> SampleView:
        """Take a sample out of its box without giving it another place (undo a wrong first storage).

        Only available samples: a checked-out sample's place is a reservation, and a
        consumed or discarded one has no place.
        """
        why = _require_reason(reason, _("take a sample out of its box"))
        with self._runner.operation() as op:
            session = op.session
            sample = get_sample(session, barcode)
            if sample.status != SampleStatus.AVAILABLE:
                raise InvalidState(
                    _("{barcode} is {status}; only an available sample can be taken out of its box.").format(
                        barcode=sample.barcode, status=SampleStatus(sample.status).display_name
                    )
                )
            if sample.box_id is None:
                raise InvalidState(_("{barcode} is not stored in a box.").format(barcode=sample.barcode))
            before = sample_state(session, sample)
            expect = _expect(op, sample)
            old_box = sample.box_id
            sample.box_id = sample.pos_row = sample.pos_col = None
            sample.version += 1
            sample.updated_at = op.now
            session.flush()
            op.intent("sample.unplace", {"uuid": op.key("sample", sample.id), "reason": why}, expect)
            op.record("unstore", "sample", sample.barcode, *diff(before, sample_state(session, sample)), why)
            op.samples.add(sample.id)
            op.locations.add(old_box)
            return sample_view(session, sample)

    # -- checking out and in ---------------------------------------------------------
    def check_out(self, barcode: str, *, reason: str) -> SampleView:
        """Take a sample out; its position stays reserved for its return."""
        why = _require_reason(reason, _("check a sample out"))
        with self._runner.operation() as op:
            sample = get_sample(op.session, barcode)
            check_sample_movable(sample)
            if sample.status == SampleStatus.CHECKED_OUT:
                raise InvalidState(_("{barcode} is already checked out.").format(barcode=sample.barcode))
            return self._change_status(op, sample, SampleStatus.CHECKED_OUT, "check_out", why)

    def check_in(
        self, barcode: str, *, box: str | None = None, position: str | None = None, thawed: bool | None = None
    ) -> SampleView:
        """Return a checked-out sample to its reserved position, or to ``box``/``position``.

        A sample returned to frozen storage counts one more freeze-thaw cycle unless
        ``thawed`` is False.
        """
        with self._runner.operation() as op:
            session = op.session
            sample = get_sample(session, barcode)
            if sample.status != SampleStatus.CHECKED_OUT:
                raise InvalidState(
                    _("{barcode} is not checked out (it is {status}).").format(
                        barcode=sample.barcode, status=SampleStatus(sample.status).display_name
                    )
                )
            before = sample_state(session, sample)
            expect = _expect(op, sample)
            old_box = sample.box_id
            if box is not None:
                sample.box_id = sample.pos_row = sample.pos_col = None
                session.flush()
                self._place(op, sample, get_location(session, box), position, None)
            elif sample.box_id is None:
                raise InvalidInput(_("{barcode} has no reserved place; give a box.").format(barcode=sample.barcode))
            target = session.get(Location, sample.box_id)
            unit = unit_of(session, target) if target else None
            frozen = (
                unit is not None
                and unit.temperature_class is not None
                and TemperatureClass(unit.temperature_class) in FROZEN
            )
            thaw = bool(thawed if thawed is not None else frozen)
            if thaw:
                sample.freeze_thaw_count += 1
            sample.status = SampleStatus.AVAILABLE.value
            sample.version += 1
            sample.updated_at = op.now
            session.flush()
            op.record("check_in", "sample", sample.barcode, *diff(before, sample_state(session, sample)))
            args = {"uuid": op.key("sample", sample.id), "action": "check_in", **sample_place(session, sample)}
            op.intent("sample.place", {**args, "freeze_thaw_delta": int(thaw)}, expect)
            op.samples.add(sample.id)
            op.locations.update(i for i in (old_box, sample.box_id) if i is not None)
            return sample_view(session, sample)

    # -- using up ----------------------------------------------------------------
    def consume(self, barcode: str, volume: str | int, *, reason: str | None = None) -> SampleView:
        """Withdraw ``volume``; a sample used up completely becomes consumed and frees its place."""
        amount = volume if isinstance(volume, int) else parse_volume(volume)
        if amount <= 0:
            raise InvalidInput(_("The volume to withdraw must be more than zero."))
        with self._runner.operation() as op:
            sample = get_sample(op.session, barcode)
            check_sample_movable(sample)
            before = sample_state(op.session, sample)
            old_box = sample.box_id
            held = sample.volume_nl
            self._withdraw(sample, amount)
            if sample.volume_nl == 0:
                sample.status = SampleStatus.CONSUMED.value
                sample.box_id = sample.pos_row = sample.pos_col = None
            args = {"uuid": op.key("sample", sample.id), "amount_nl": amount, "reason": reason}
            op.intent("sample.withdraw", args, {"volume_nl": held})
            return self._bump(op, sample, "consume", reason, before=before, old_box=old_box, withdrawn=amount)

    def _withdraw(self, sample: Sample, amount: int) -> None:
        if sample.volume_nl is None:
            raise InvalidInput(_("{barcode} has no recorded volume.").format(barcode=sample.barcode))
        if amount > sample.volume_nl:
            raise VolumeExceeded(
                _("{barcode} holds only {available}; {requested} cannot be withdrawn.").format(
                    barcode=sample.barcode, available=format_volume(sample.volume_nl), requested=format_volume(amount)
                )
            )
        sample.volume_nl -= amount

    def discard(self, barcode: str, *, reason: str) -> SampleView:
        why = _require_reason(reason, _("discard a sample"))
        with self._runner.operation() as op:
            sample = get_sample(op.session, barcode)
            if SampleStatus(sample.status).is_final:
                raise InvalidState(
                    _("{barcode} is already {status}.").format(
                        barcode=sample.barcode, status=SampleStatus(sample.status).display_name
                    )
                )
            return self._change_status(op, sample, SampleStatus.DISCARDED, "discard", why, free=True)

    def _change_status(
        self,
        op: Operation,
        sample: Sample,
        status: SampleStatus,
        action: str,
        reason: str | None,
        *,
        free: bool = False,
    ) -> SampleView:
        before = sample_state(op.session, sample)
        expect = _expect(op, sample)
        old_box = sample.box_id
        sample.status = status.value
        if free:
            sample.box_id = sample.pos_row = sample.pos_col = None
        args = {"uuid": op.key("sample", sample.id), "status": status.value, "reason": reason}
        op.intent("sample.status", args, expect)
        return self._bump(op, sample, action, reason, before=before, old_box=old_box)

    def _bump(
        self,
        op: Operation,
        sample: Sample,
        action: str,
        reason: str | None,
        *,
        before: dict[str, Any],
        old_box: int | None = None,
        withdrawn: int | None = None,
    ) -> SampleView:
        session = op.session
        sample.version += 1
        sample.updated_at = op.now
        session.flush()
        old, new = diff(before, sample_state(session, sample))
        if withdrawn is not None:
            new["withdrawn_nl"] = withdrawn
        op.record(action, "sample", sample.barcode, old, new, reason)
        op.samples.add(sample.id)
        op.locations.update(i for i in (old_box, sample.box_id) if i is not None)
        return sample_view(session, sample)

    # -- editing ---------------------------------------------------------------------
    def edit(self, barcode: str, changes: dict[str, Any], *, reason: str | None = None) -> SampleView:
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidInput(
                _("These fields cannot be edited: {fields}. Editable: {editable}.").format(
                    fields=", ".join(sorted(unknown)), editable=", ".join(EDITABLE_FIELDS)
                )
            )
        with self._runner.operation() as op:
            session = op.session
            sample = get_sample(session, barcode)
            if SampleStatus(sample.status).is_final:
                raise InvalidState(
                    _("{barcode} is {status}; its record is closed.").format(
                        barcode=sample.barcode, status=SampleStatus(sample.status).display_name
                    )
                )
            before = sample_state(session, sample)
            held = sample.volume_nl
            for name, value in changes.items():
                apply_edit(session, sample, name, value)
            after = sample_state(session, sample)
            old, new = diff(before, after)
            if not new:
                return sample_view(session, sample)
            sample.version += 1
            sample.updated_at = op.now
            session.flush()
            op.record("edit", "sample", sample.barcode, old, new, reason)
            edit_intents(op, sample, changes, held, reason)
            op.samples.add(sample.id)
            return sample_view(session, sample)

    # -- aliquots --------------------------------------------------------------------
    def aliquot(
        self,
        barcode: str,
        *,
        count: int,
        volume: str | int,
        box: str,
        positions: Sequence[str] | None = None,
        barcodes: Sequence[str] | None = None,
        override_reason: str | None = None,
    ) -> list[SampleView]:
        """Split ``count`` aliquots of ``volume`` off a parent into ``box``; the parent loses their volume."""
        if count < 1 or count > 1000:
            raise InvalidInput(_("Make between 1 and 1000 aliquots at a time."))
        each = volume if isinstance(volume, int) else parse_volume(volume)
        if each <= 0:
            raise InvalidInput(_("An aliquot needs a volume of more than zero."))
        if positions is not None and len(positions) != count:
            raise InvalidInput(_("Give one position per aliquot."))
        if barcodes is not None and len(barcodes) != count:
            raise InvalidInput(_("Give one barcode per aliquot."))
        with self._runner.operation() as op:
            session = op.session
            parent = get_sample(session, barcode)
            check_sample_movable(parent)
            total = each * count
            if parent.volume_nl is None or total > parent.volume_nl:
                raise VolumeExceeded(
                    _("{count} x {each} = {total} is more than the {available} {barcode} holds.").format(
                        count=count,
                        each=format_volume(each),
                        total=format_volume(total),
                        available=format_volume(parent.volume_nl or 0),
                        barcode=parent.barcode,
                    )
                )
            target = get_location(session, box)
            new_codes = list(barcodes) if barcodes is not None else _child_codes(session, parent.barcode, count)
            children = []
            for index, code in enumerate(new_codes):
                draft = SampleDraft(
                    barcode=code,
                    sample_type=parent.sample_type,
                    volume=each,
                    concentration=parent.concentration,
                    concentration_unit=parent.concentration_unit,
                    project=parent.project,
                    owner=parent.owner,
                    collected_at=parent.collected_at,
                    expires_at=parent.expires_at,
                    freeze_thaw_count=parent.freeze_thaw_count,
                    parent=parent.barcode,
                    box=target.label,
                    position=positions[index] if positions else None,
                    override_reason=override_reason,
                )
                children.append(self._register_in(op, draft))
            before = sample_state(session, parent)
            args = {"uuid": op.key("sample", parent.id), "amount_nl": total, "reason": None}
            op.intent("sample.withdraw", args, {"volume_nl": parent.volume_nl})
            parent.volume_nl -= total
            old_box = parent.box_id
            if parent.volume_nl == 0:
                parent.status = SampleStatus.CONSUMED.value
                parent.box_id = parent.pos_row = parent.pos_col = None
            self._bump(op, parent, "aliquot", None, before=before, old_box=old_box)
            return [sample_view(session, c) for c in children]


_BARCODE_TAKEN = select(Sample.id).where(Sample.barcode == bindparam("code"))


def _child_codes(session: Any, parent_code: str, count: int) -> list[str]:
    codes: list[str] = []
    suffix = 1
    while len(codes) < count:
        code = f"{parent_code}-{suffix:02d}"
        if session.scalar(select(Sample.id).where(Sample.barcode == code)) is None:
            codes.append(code)
        suffix += 1
    return codes


def _expect(op: Operation, sample: Sample) -> dict[str, Any]:
    """What the workstation saw before changing a sample: the server compares it with its own."""
    return {"version": sample.version, "status": sample.status, **sample_place(op.session, sample)}


def _reasons(reason: str | None, override_reason: str | None) -> str | None:
    parts = [p.strip() for p in (reason, override_reason) if p and p.strip()]
    if override_reason and override_reason.strip():
        parts[-1] = _("temperature override: {reason}").format(reason=override_reason.strip())
    return "; ".join(parts) or None


__all__ = ["Placement", "PositionOccupied", "SampleService", "position_label"]
