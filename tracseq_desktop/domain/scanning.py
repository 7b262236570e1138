"""Camera scans of tubes and boxes, and how a box scan compares with the records.

Pure Python: the camera and decoder adapters in ``hardware.vision`` produce these
types, the services turn a :class:`Reconciliation` into moves in the database.

Positions are labels as seen in the image ("A1" top-left, rows downward, columns
rightward). A scan taken with the box turned is brought back to the box's own
orientation with :meth:`BoxScan.rotated` (or :func:`best_rotation`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.geometry import parse_row, position_label
from tracseq_desktop.i18n import N_, _

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One symbol read with its error correction or checksum intact."""

    text: str
    format: str
    points: tuple[Point, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"text": self.text, "format": self.format, "points": [[x, y] for x, y in self.points]}


class WellState(StrEnum):
    READ = "read"
    EMPTY = "empty"
    UNREADABLE = "unreadable"

    @property
    def display_name(self) -> str:
        return _(_WELL_STATE_TITLES[self])


_WELL_STATE_TITLES = {
    WellState.READ: N_("read"),
    WellState.EMPTY: N_("empty"),
    WellState.UNREADABLE: N_("tube present, code unreadable"),
}


class ColourClass(StrEnum):
    """Coarse colour of a tube bottom or cap, for a camera check of the box."""

    BLACK = "black"
    WHITE = "white"
    BLUE = "blue"
    RED = "red"
    GREEN = "green"
    YELLOW = "yellow"
    OTHER = "other"

    @property
    def display_name(self) -> str:
        return _(_COLOUR_TITLES[self])


_COLOUR_TITLES = {
    ColourClass.BLACK: N_("black"),
    ColourClass.WHITE: N_("white"),
    ColourClass.BLUE: N_("blue"),
    ColourClass.RED: N_("red"),
    ColourClass.GREEN: N_("green"),
    ColourClass.YELLOW: N_("yellow"),
    ColourClass.OTHER: N_("other colour"),
}


@dataclass(frozen=True, slots=True)
class WellResult:
    position: str
    state: WellState
    text: str | None = None
    colour: ColourClass | None = None


def split_position(position: str) -> tuple[int, int]:
    """ "C4" -> (2, 3); no bounds check (see ``Geometry.parse_position`` for that)."""
    letters = position.rstrip("0123456789")
    digits = position[len(letters) :]
    if not letters or not digits:
        raise InvalidInput(_("{text!r} is not a position.").format(text=position))
    return parse_row(letters), int(digits) - 1


def rotate_index(row: int, col: int, rows: int, cols: int, degrees: int) -> tuple[int, int]:
    """Where grid cell (row, col) lands when the picture is turned ``degrees`` clockwise."""
    turns = _quarter_turns(degrees)
    for _turn in range(turns):
        row, col = col, rows - 1 - row
        rows, cols = cols, rows
    return row, col


def _quarter_turns(degrees: int) -> int:
    if degrees % 90:
        raise InvalidInput(
            _("A scan can only be turned by 90, 180 or 270 degrees, not {degrees}.").format(degrees=degrees)
        )
    return (degrees // 90) % 4


@dataclass(frozen=True, slots=True)
class BoxScan:
    """Every well of one box image, row-major from A1 as seen."""

    rows: int
    cols: int
    wells: tuple[WellResult, ...]
    rotation: int = 0  # degrees clockwise applied to the image's own layout

    def __post_init__(self) -> None:
        if len(self.wells) != self.rows * self.cols:
            raise InvalidInput(
                _("A {rows} x {cols} scan needs {expected} wells, not {count}.").format(
                    rows=self.rows, cols=self.cols, expected=self.rows * self.cols, count=len(self.wells)
                )
            )

    def __iter__(self) -> Iterator[WellResult]:
        return iter(self.wells)

    def well(self, position: str) -> WellResult:
        row, col = split_position(position.strip().upper())
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise InvalidInput(_("Position {position} is outside the scan.").format(position=position))
        return self.wells[row * self.cols + col]

    def codes(self) -> dict[str, str | None]:
        """Position -> decoded text (None where nothing was read)."""
        return {w.position: w.text for w in self.wells}

    def count(self, state: WellState) -> int:
        return sum(1 for w in self.wells if w.state is state)

    def rotated(self, degrees: int) -> BoxScan:
        """The same scan as if the picture had been turned ``degrees`` clockwise."""
        turns = _quarter_turns(degrees)
        rows, cols = (self.cols, self.rows) if turns % 2 else (self.rows, self.cols)
        placed: list[WellResult | None] = [None] * (rows * cols)
        for index, well in enumerate(self.wells):
            r, c = rotate_index(index // self.cols, index % self.cols, self.rows, self.cols, degrees)
            placed[r * cols + c] = WellResult(position_label(r, c), well.state, well.text, well.colour)
        wells = tuple(w for w in placed if w is not None)
        return BoxScan(rows, cols, wells, (self.rotation + degrees) % 360)


def box_scan_from_states(rows: int, cols: int, cells: Iterable[WellResult]) -> BoxScan:
    """A scan from wells given in any order (missing wells are an error)."""
    by_position = {w.position: w for w in cells}
    wells = []
    for r in range(rows):
        for c in range(cols):
            label = position_label(r, c)
            if label not in by_position:
                raise InvalidInput(_("The scan has no result for {position}.").format(position=label))
            wells.append(by_position[label])
    return BoxScan(rows, cols, tuple(wells))


# --- reconciliation -----------------------------------------------------------------------


class Place(NamedTuple):
    """Where a sample is recorded: a box label and a position (None in a gridless container)."""

    box: str
    position: str | None


Locate = Callable[[str], "tuple[str, str | None] | None"]


class Outcome(StrEnum):
    MATCH = "match"  # the tube recorded here was read here
    MOVED = "moved"  # read here, recorded elsewhere (another box or another position)
    MISSING = "missing"  # recorded here, seen nowhere in the scan
    UNKNOWN = "unknown"  # read here, not in the database
    EMPTY = "empty"  # nothing here, nothing recorded here (or its tube was seen elsewhere)
    UNREADABLE = "unreadable"  # a tube is here but its code could not be read
    DUPLICATE = "duplicate"  # the same code was read in more than one well: nothing is moved

    @property
    def display_name(self) -> str:
        return _(_OUTCOME_TITLES[self])


_OUTCOME_TITLES = {
    Outcome.MATCH: N_("as recorded"),
    Outcome.MOVED: N_("recorded elsewhere"),
    Outcome.MISSING: N_("missing"),
    Outcome.UNKNOWN: N_("not in the database"),
    Outcome.EMPTY: N_("empty"),
    Outcome.UNREADABLE: N_("unreadable"),
    Outcome.DUPLICATE: N_("code read twice"),
}


@dataclass(frozen=True, slots=True)
class WellOutcome:
    position: str
    outcome: Outcome
    seen: str | None  # code read in this well
    recorded: str | None  # code recorded at this position
    recorded_at: Place | None = None  # for MOVED: where the seen code is recorded


@dataclass(frozen=True, slots=True)
class Move:
    barcode: str
    from_box: str
    from_position: str | None
    to_box: str
    to_position: str


@dataclass(frozen=True, slots=True)
class Reconciliation:
    box: str
    wells: tuple[WellOutcome, ...]
    moves: tuple[Move, ...]  # in an order where every target is vacated before it is filled
    cycles: tuple[tuple[Move, ...], ...] = ()  # swaps that need a temporary place first
    missing: tuple[str, ...] = ()  # recorded in this box, seen nowhere in the scan
    displaced: tuple[str, ...] = field(default=())  # missing ones whose position a move fills

    def by_outcome(self, outcome: Outcome) -> tuple[WellOutcome, ...]:
        return tuple(w for w in self.wells if w.outcome is outcome)

    def summary(self) -> dict[str, int]:
        counts = Counter(w.outcome.value for w in self.wells)
        return {o.value: counts.get(o.value, 0) for o in Outcome}

    @property
    def consistent(self) -> bool:
        """True when the box is exactly as recorded (empty wells included)."""
        return all(w.outcome in (Outcome.MATCH, Outcome.EMPTY) for w in self.wells)


def reconcile(scan: BoxScan, box: str, records: Mapping[str, str], locate: Locate) -> Reconciliation:
    """Compare a box scan with the box's records.

    Args:
        scan: the scan, already in the box's orientation.
        box: label of the box scanned (the target of every move).
        records: position label -> barcode recorded there in this box.
        locate: barcode -> (box label, position) where it is recorded, or None when unknown.
    """
    records = {p.strip().upper(): b for p, b in records.items()}
    recorded_position = {b: p for p, b in records.items()}
    seen_counts = Counter(w.text for w in scan.wells if w.state is WellState.READ and w.text)
    seen = set(seen_counts)
    unreadable_positions = {w.position for w in scan.wells if w.state is WellState.UNREADABLE}
    missing = tuple(
        b
        for p, b in sorted(records.items(), key=lambda i: split_position(i[0]))
        if b not in seen and p not in unreadable_positions
    )
    outcomes: list[WellOutcome] = []
    moves: list[Move] = []
    for well in scan.wells:
        recorded = records.get(well.position)
        if well.state is WellState.UNREADABLE:
            outcomes.append(WellOutcome(well.position, Outcome.UNREADABLE, None, recorded))
        elif well.state is WellState.EMPTY or not well.text:
            outcome = Outcome.MISSING if recorded is not None and recorded not in seen else Outcome.EMPTY
            outcomes.append(WellOutcome(well.position, outcome, None, recorded))
        elif seen_counts[well.text] > 1:
            outcomes.append(WellOutcome(well.position, Outcome.DUPLICATE, well.text, recorded))
        elif recorded == well.text:
            outcomes.append(WellOutcome(well.position, Outcome.MATCH, well.text, recorded))
        else:
            place = _where(well.text, box, recorded_position, locate)
            if place is None:
                outcomes.append(WellOutcome(well.position, Outcome.UNKNOWN, well.text, recorded))
            else:
                outcomes.append(WellOutcome(well.position, Outcome.MOVED, well.text, recorded, place))
                moves.append(Move(well.text, place.box, place.position, box, well.position))
    ordered, cycles = _order_moves(moves, box, records)
    targets = {m.to_position for m in moves}
    displaced = tuple(b for b in missing if recorded_position.get(b) in targets)
    return Reconciliation(box, tuple(outcomes), ordered, cycles, missing, displaced)


def _where(barcode: str, box: str, recorded_position: Mapping[str, str], locate: Locate) -> Place | None:
    if barcode in recorded_position:
        return Place(box, recorded_position[barcode])
    found = locate(barcode)
    if found is None:
        return None
    return Place(found[0], found[1])


def _order_moves(
    moves: list[Move], box: str, records: Mapping[str, str]
) -> tuple[tuple[Move, ...], tuple[tuple[Move, ...], ...]]:
    """Order moves so that a position is vacated before another tube moves into it.

    A move into position P must wait for the move of the tube recorded at P (if that
    tube moves too). Chains resolve; closed loops (swaps) are returned apart.
    """
    moving_from = {m.from_position: m for m in moves if m.from_box == box and m.from_position is not None}
    blocker: dict[Move, Move | None] = {}
    for m in moves:
        occupant = records.get(m.to_position)
        blocker[m] = moving_from.get(m.to_position) if occupant is not None and occupant != m.barcode else None
    ordered: list[Move] = []
    done: set[Move] = set()
    cycles: list[tuple[Move, ...]] = []
    in_cycle: set[Move] = set()
    for start in moves:
        chain: list[Move] = []
        current: Move | None = start
        while current is not None and current not in done and current not in chain and current not in in_cycle:
            chain.append(current)
            current = blocker[current]
        if current is not None and current in chain:
            loop = tuple(chain[chain.index(current) :])
            cycles.append(loop)
            in_cycle.update(loop)
            chain = chain[: chain.index(current)]
        for m in reversed(chain):
            if m not in done and m not in in_cycle:
                ordered.append(m)
                done.add(m)
    return tuple(ordered), tuple(cycles)


def best_rotation(scan: BoxScan, rows: int, cols: int, records: Mapping[str, str]) -> int:
    """The turn (0, 90, 180, 270) that brings the scan to a rows x cols box with most codes in place.

    Ties go to the smallest turn; a scan of the wrong shape for every turn raises.
    """
    records = {p.strip().upper(): b for p, b in records.items()}
    best: tuple[int, int] | None = None
    for degrees in (0, 90, 180, 270):
        turned = scan.rotated(degrees)
        if (turned.rows, turned.cols) != (rows, cols):
            continue
        score = sum(1 for w in turned.wells if w.text is not None and records.get(w.position) == w.text)
        if best is None or score > best[0]:
            best = (score, degrees)
    if best is None:
        raise InvalidInput(
            _("A {scan_rows} x {scan_cols} scan does not fit a {rows} x {cols} box.").format(
                scan_rows=scan.rows, scan_cols=scan.cols, rows=rows, cols=cols
            )
        )
    return best[1]
