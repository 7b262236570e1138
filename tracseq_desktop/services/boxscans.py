"""Camera scans of whole boxes: kept as records, compared with the inventory, accepted as moves.

A scan is stored first (picture, wells read, the comparison at the time), so that the
moves it leads to can name it in their reason; accepting then runs one bulk move
(``SampleService.move_many``: one transaction, one audit entry per sample) and writes
that operation's id back onto the scan record. The camera and the decoder live in
``hardware.vision``; this module only sees :class:`BoxScan` results.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tracseq_desktop.domain.enums import LocationKind, SampleStatus
from tracseq_desktop.domain.errors import InvalidInput, NotFound
from tracseq_desktop.domain.scanning import (
    BoxScan,
    ColourClass,
    Move,
    Outcome,
    Reconciliation,
    WellResult,
    WellState,
    reconcile,
)
from tracseq_desktop.domain.views import BoxView, SampleView
from tracseq_desktop.i18n import N_, _
from tracseq_desktop.services.facade import Services
from tracseq_desktop.services.records import get_location
from tracseq_desktop.store.models import BoxScanRecord

#: Sample attributes that may hold the tube's recorded colour, checked in this order.
COLOUR_ATTRIBUTES = ("tube_colour", "cap_colour", "colour", "color")
IMAGE_FORMATS = ("png", "jpeg")


@dataclass(frozen=True, slots=True)
class BoxScanView:
    """A stored scan without its picture (fetch that with :meth:`BoxScanService.image`)."""

    id: int
    box_label: str
    taken_at: datetime
    actor: str
    workstation: str
    image_format: str
    rows: int
    cols: int
    rotation: int
    result: dict[str, Any]
    operation_id: str | None = None
    accepted_at: datetime | None = None

    @property
    def scan(self) -> BoxScan:
        return scan_from_json(self.result)

    @property
    def reason(self) -> str:
        return scan_reason(self.id, self.box_label)


class QaKind:
    ABSENT = "absent"  # recorded here, the well is empty
    UNEXPECTED = "unexpected"  # nothing recorded here, a tube is in the well
    COLOUR = "colour"  # the tube's colour is not the recorded one
    CHECKED_OUT = "checked_out"  # recorded as checked out, but back in the box


_QA_TITLES = {
    QaKind.ABSENT: N_("no tube, but {barcode} is recorded here"),
    QaKind.UNEXPECTED: N_("a tube, but nothing is recorded here"),
    QaKind.COLOUR: N_("{seen} tube, {barcode} is recorded as {recorded}"),
    QaKind.CHECKED_OUT: N_("{barcode} is recorded as checked out"),
}


@dataclass(frozen=True, slots=True)
class QaFlag:
    """A camera check that disagrees with the record at one position."""

    position: str
    kind: str
    barcode: str | None = None
    recorded: str | None = None  # recorded colour
    seen: str | None = None  # colour class seen

    @property
    def message(self) -> str:
        return _(_QA_TITLES[self.kind]).format(
            barcode=self.barcode or "", recorded=_colour_title(self.recorded), seen=_colour_title(self.seen)
        )


def _colour_title(value: str | None) -> str:
    if value is None:
        return ""
    try:
        return ColourClass(value).display_name
    except ValueError:
        return value


@dataclass(frozen=True, slots=True)
class Skipped:
    barcode: str
    position: str
    why: str


@dataclass(frozen=True, slots=True)
class AcceptResult:
    scan_id: int
    moved: tuple[SampleView, ...] = ()
    checked_in: tuple[SampleView, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    operation_id: str | None = None
    operations: tuple[str, ...] = field(default=())  # every operation the acceptance ran, moves first


def scan_reason(scan_id: int, box: str) -> str:
    """The reason written on every move a scan leads to: it names the scan."""
    return _("accepted from box scan {id} of {box}").format(id=scan_id, box=box)


# --- JSON -----------------------------------------------------------------------------------


def scan_json(scan: BoxScan) -> dict[str, Any]:
    return {
        "rows": scan.rows,
        "cols": scan.cols,
        "rotation": scan.rotation,
        "wells": [
            {
                "position": w.position,
                "state": w.state.value,
                "text": w.text,
                "colour": w.colour.value if w.colour else None,
            }
            for w in scan.wells
        ],
    }


def scan_from_json(data: dict[str, Any]) -> BoxScan:
    wells = tuple(
        WellResult(
            w["position"], WellState(w["state"]), w.get("text"), ColourClass(w["colour"]) if w.get("colour") else None
        )
        for w in data["wells"]
    )
    return BoxScan(int(data["rows"]), int(data["cols"]), wells, int(data.get("rotation", 0)))


def _move_json(move: Move) -> dict[str, Any]:
    return {
        "barcode": move.barcode,
        "from_box": move.from_box or None,
        "from_position": move.from_position,
        "to_box": move.to_box,
        "to_position": move.to_position,
    }


def reconciliation_json(rec: Reconciliation, flags: Iterable[QaFlag] = ()) -> dict[str, Any]:
    """Per position: outcome, barcode read, barcode recorded there, where the read one is recorded."""
    qa: dict[str, list[dict[str, Any]]] = {}
    for flag in flags:
        qa.setdefault(flag.position, []).append({"kind": flag.kind, "message": flag.message})
    wells = []
    for w in rec.wells:
        recorded_at = None
        if w.recorded_at is not None:
            recorded_at = {"box": w.recorded_at.box or None, "position": w.recorded_at.position}
        wells.append(
            {
                "position": w.position,
                "outcome": w.outcome.value,
                "barcode": w.seen,
                "recorded": w.recorded,
                "recorded_at": recorded_at,
                "qa": qa.get(w.position, []),
            }
        )
    return {
        "box": rec.box,
        "consistent": rec.consistent,
        "summary": rec.summary(),
        "wells": wells,
        "moves": [_move_json(m) for m in rec.moves] + [_move_json(m) for cycle in rec.cycles for m in cycle],
        "swaps": [[m.barcode for m in cycle] for cycle in rec.cycles],
        "missing": list(rec.missing),
        "displaced": list(rec.displaced),
    }


# --- the service ----------------------------------------------------------------------------


class BoxScanService:
    """Box-scan records on one set of services; safe to call from a worker thread."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- comparing --------------------------------------------------------------------------
    def box(self, label: str) -> BoxView:
        box = self._services.queries.box(label)
        if not box.geometry.has_grid:
            raise InvalidInput(_("{box} has no grid of positions to scan.").format(box=box.box.label))
        return box

    def records(self, box: BoxView | str) -> dict[str, str]:
        """Position -> barcode recorded there (checked-out samples keep their place)."""
        view = self.box(box) if isinstance(box, str) else box
        return {s.position: s.barcode for s in view.samples if s.position}

    def locate(self, barcode: str) -> tuple[str, str | None] | None:
        """Where ``barcode`` is recorded: (box, position); ("", None) for a sample with no place yet."""
        sample = self._services.queries.find(barcode)
        if sample is None:
            return None
        return (sample.box_label or "", sample.position)

    def reconcile(self, scan: BoxScan, box: BoxView | str) -> Reconciliation:
        view = self.box(box) if isinstance(box, str) else box
        geometry = view.geometry
        if (scan.rows, scan.cols) != (geometry.rows, geometry.cols):
            raise InvalidInput(
                _(
                    "The scan shows {rows} x {cols} wells but {box} is {geometry}; turn the scan or choose the box."
                ).format(rows=scan.rows, cols=scan.cols, box=view.box.label, geometry=str(geometry))
            )
        return reconcile(scan, view.box.label, self.records(view), self.locate)

    def qa_flags(self, scan: BoxScan, box: BoxView | str) -> list[QaFlag]:
        """Tube present or absent and colour class, where they disagree with the record."""
        view = self.box(box) if isinstance(box, str) else box
        by_position = {s.position: s for s in view.samples if s.position}
        flags = []
        for well in scan.wells:
            sample = by_position.get(well.position)
            present = well.state is not WellState.EMPTY
            if sample is None:
                if present:
                    flags.append(QaFlag(well.position, QaKind.UNEXPECTED))
                continue
            if not present:
                flags.append(QaFlag(well.position, QaKind.ABSENT, sample.barcode))
                continue
            same_tube = well.text is None or well.text == sample.barcode
            if same_tube and sample.status is SampleStatus.CHECKED_OUT:
                flags.append(QaFlag(well.position, QaKind.CHECKED_OUT, sample.barcode))
            recorded = recorded_colour(sample)
            if same_tube and recorded and well.colour is not None and recorded != well.colour.value:
                flags.append(QaFlag(well.position, QaKind.COLOUR, sample.barcode, recorded, well.colour.value))
        return flags

    # -- records ----------------------------------------------------------------------------
    def record(self, box: str, scan: BoxScan, image: bytes, image_format: str) -> BoxScanView:
        """Keep a scan (already turned to the box's orientation) with its picture."""
        fmt = image_format.lower().replace("jpg", "jpeg")
        if fmt not in IMAGE_FORMATS:
            raise InvalidInput(_("Keep box pictures as PNG or JPEG, not {format}.").format(format=image_format))
        if not image:
            raise InvalidInput(_("The box scan has no picture."))
        view = self.box(box)
        rec = self.reconcile(scan, view)
        result = {
            **scan_json(scan),
            "reconciliation": reconciliation_json(rec, self.qa_flags(scan, view)),
            "accepted": [],
        }
        runner = self._services.runner
        with self._services.db.writing() as session:
            location = get_location(session, view.box.label, LocationKind.BOX)
            row = BoxScanRecord(
                box_id=location.id,
                box_label=location.label,
                taken_at=runner.clock(),
                actor=runner.actor.user,
                workstation=runner.actor.workstation,
                image=bytes(image),
                image_format=fmt,
                rows=scan.rows,
                cols=scan.cols,
                rotation=scan.rotation,
                result=result,
            )
            session.add(row)
            session.flush()
            return _view(row)

    def get(self, scan_id: int) -> BoxScanView:
        with self._services.db.reading() as session:
            return _view(self._row(session, scan_id))

    def image(self, scan_id: int) -> bytes:
        with self._services.db.reading() as session:
            return bytes(self._row(session, scan_id).image)

    def scans(self, box: str) -> list[BoxScanView]:
        """Scans of ``box``, newest first."""
        with self._services.db.reading() as session:
            location = get_location(session, box, LocationKind.BOX)
            rows = session.scalars(
                select(BoxScanRecord).where(BoxScanRecord.box_id == location.id).order_by(BoxScanRecord.id.desc())
            )
            return [_view(r) for r in rows]

    @staticmethod
    def _row(session: Any, scan_id: int) -> BoxScanRecord:
        row = session.get(BoxScanRecord, scan_id)
        if row is None:
            raise NotFound(_("No box scan with id {id}.").format(id=scan_id))
        assert isinstance(row, BoxScanRecord)
        return row

    # -- accepting --------------------------------------------------------------------------
    def accept(self, scan_id: int, positions: Collection[str] | None = None) -> AcceptResult:
        """Make the records follow the scan at ``positions`` (all wells when None).

        The comparison is made again against the records as they are now. Moves that
        free a position another chosen move needs are taken along; a move into a
        position still held by a tube that was not seen (it must be found or checked
        out first) is skipped, with the moves that wait for it. Tubes recorded as
        checked out that the scan shows in the box are checked in afterwards.
        """
        stored = self.get(scan_id)
        view = self.box(stored.box_label)
        rec = self.reconcile(stored.scan, view)
        wanted = None if positions is None else {p.strip().upper() for p in positions}
        chosen = _choose_moves(rec, self.records(view), wanted)
        skipped: list[Skipped] = []
        samples = self._services.samples
        reason = stored.reason
        status = {s.barcode: s.status for s in view.samples}
        placements: list[tuple[str, str, str]] = []
        for move in chosen:
            sample = self._services.queries.get(move.barcode)
            if sample.status.is_final:
                skipped.append(Skipped(move.barcode, move.to_position, _("its record is closed")))
                continue
            status[move.barcode] = sample.status
            placements.append((move.barcode, move.to_box, move.to_position))
        placements = _without_blocked(placements, skipped, self.records(view))
        moved = samples.move_many(placements, reason=reason) if placements else []
        operations: list[str] = []
        if moved:
            operations.append(self._operation_of(moved[0].barcode, reason))
        returned = []
        for well in rec.wells:
            if well.seen is None or (wanted is not None and well.position not in wanted):
                continue
            is_in_place = well.outcome is Outcome.MATCH or any(p[0] == well.seen for p in placements)
            if is_in_place and status.get(well.seen) is SampleStatus.CHECKED_OUT:
                returned.append(samples.check_in(well.seen))
                operations.append(self._operation_of(well.seen, None, action="check_in"))
        if operations:
            done = {p[2] or "" for p in placements} | {s.position or "" for s in returned}
            self._mark_accepted(scan_id, operations, sorted(done))
        return AcceptResult(
            scan_id,
            tuple(moved),
            tuple(returned),
            tuple(skipped),
            operations[0] if operations else None,
            tuple(operations),
        )

    def _operation_of(self, barcode: str, reason: str | None, action: str = "move") -> str:
        """The operation id of the newest ``action`` on ``barcode`` (with ``reason`` when given)."""
        for entry in reversed(self._services.queries.history(barcode)):
            if entry.action == action and (reason is None or entry.reason == reason):
                return entry.operation_id
        raise NotFound(_("No audit entry for the accepted scan of {barcode}.").format(barcode=barcode))

    def _mark_accepted(self, scan_id: int, operations: list[str], positions: list[str]) -> None:
        now = self._services.runner.clock()
        with self._services.db.writing() as session:
            row = self._row(session, scan_id)
            result = dict(row.result)
            accepted = [*result.get("accepted", [])]
            accepted.append({"operations": operations, "positions": [p for p in positions if p], "at": now.isoformat()})
            result["accepted"] = accepted
            row.result = result
            row.operation_id = operations[0]
            row.accepted_at = now


def recorded_colour(sample: SampleView) -> str | None:
    for key in COLOUR_ATTRIBUTES:
        value = sample.attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def _choose_moves(rec: Reconciliation, records: dict[str, str], wanted: set[str] | None) -> list[Move]:
    """The moves at ``wanted`` positions, plus the moves that vacate their targets."""
    every = [*rec.moves, *(m for cycle in rec.cycles for m in cycle)]
    by_barcode = {m.barcode: m for m in every}
    chosen: dict[str, Move] = {m.barcode: m for m in every if wanted is None or m.to_position in wanted}
    pending = list(chosen.values())
    while pending:
        move = pending.pop()
        occupant = records.get(move.to_position)
        if occupant is not None and occupant != move.barcode and occupant in by_barcode and occupant not in chosen:
            chosen[occupant] = by_barcode[occupant]
            pending.append(by_barcode[occupant])
    return [m for m in every if m.barcode in chosen]


def _without_blocked(
    placements: list[tuple[str, str, str]], skipped: list[Skipped], records: dict[str, str]
) -> list[tuple[str, str, str]]:
    """Drop moves into places still held by a tube that stays put, and the moves waiting on those."""
    keep = list(placements)
    while True:
        moving = {p[0] for p in keep}
        blocked = [p for p in keep if records.get(p[2]) not in (None, p[0]) and records[p[2]] not in moving]
        if not blocked:
            return keep
        for barcode, _box, position in blocked:
            skipped.append(
                Skipped(
                    barcode,
                    position,
                    _("{position} is still recorded for {other}").format(position=position, other=records[position]),
                )
            )
        keep = [p for p in keep if p not in blocked]


def _view(row: BoxScanRecord) -> BoxScanView:
    return BoxScanView(
        id=row.id,
        box_label=row.box_label,
        taken_at=row.taken_at,
        actor=row.actor,
        workstation=row.workstation,
        image_format=row.image_format,
        rows=row.rows,
        cols=row.cols,
        rotation=row.rotation,
        result=dict(row.result),
        operation_id=row.operation_id,
        accepted_at=row.accepted_at,
    )
