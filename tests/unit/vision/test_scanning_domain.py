"""Pure scanning types: rotation of a box scan and reconciliation with the records."""

from __future__ import annotations

import pytest

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import (
    BoxScan,
    Move,
    Outcome,
    Place,
    WellResult,
    WellState,
    best_rotation,
    reconcile,
    rotate_index,
)


def make_scan(rows: int, cols: int, codes: dict[str, str], unreadable: tuple[str, ...] = ()) -> BoxScan:
    wells = []
    for r in range(rows):
        for c in range(cols):
            label = position_label(r, c)
            if label in codes:
                wells.append(WellResult(label, WellState.READ, codes[label]))
            elif label in unreadable:
                wells.append(WellResult(label, WellState.UNREADABLE))
            else:
                wells.append(WellResult(label, WellState.EMPTY))
    return BoxScan(rows, cols, tuple(wells))


def test_rotate_index_quarter_turn_moves_top_left_to_top_right() -> None:
    # A 2 x 3 picture turned clockwise becomes 3 x 2: A1 goes to the top right.
    assert rotate_index(0, 0, 2, 3, 90) == (0, 1)
    assert rotate_index(1, 2, 2, 3, 90) == (2, 0)
    assert rotate_index(0, 0, 2, 3, 180) == (1, 2)
    assert rotate_index(0, 0, 2, 3, 270) == (2, 0)


def test_rotated_scan_remaps_positions_and_shape() -> None:
    scan = make_scan(8, 12, {"A1": "x1", "H12": "x2", "A12": "x3"})
    turned = scan.rotated(90)
    assert (turned.rows, turned.cols, turned.rotation) == (12, 8, 90)
    assert turned.well("A8").text == "x1"
    assert turned.well("L1").text == "x2"
    assert turned.well("L8").text == "x3"
    back = turned.rotated(270)
    assert back.codes() == scan.codes() and back.rotation == 0
    assert scan.rotated(180).well("H12").text == "x1"


def test_rotation_must_be_a_quarter_turn() -> None:
    with pytest.raises(InvalidInput):
        make_scan(2, 2, {}).rotated(45)


def test_scan_needs_every_well() -> None:
    with pytest.raises(InvalidInput):
        BoxScan(2, 2, (WellResult("A1", WellState.EMPTY),))


def test_best_rotation_picks_the_turn_with_most_codes_in_place() -> None:
    records = {"A1": "s1", "A2": "s2", "B1": "s3"}
    seen = make_scan(2, 2, records).rotated(180)
    assert best_rotation(seen, 2, 2, records) == 180
    with pytest.raises(InvalidInput):
        best_rotation(make_scan(2, 3, {}), 4, 4, records)


def test_reconcile_classifies_every_case() -> None:
    records = {"A1": "match", "A2": "gone", "A3": "moved-in-box", "B3": "hidden"}
    elsewhere = {"from-other-box": ("BOX-9", "C7")}
    scan = make_scan(
        2,
        3,
        {"A1": "match", "B1": "moved-in-box", "B2": "from-other-box", "A3": "stranger"},
        unreadable=("B3",),
    )
    result = reconcile(scan, "BOX-1", records, elsewhere.get)
    outcome = {w.position: w.outcome for w in result.wells}
    assert outcome == {
        "A1": Outcome.MATCH,
        "A2": Outcome.MISSING,
        "A3": Outcome.UNKNOWN,
        "B1": Outcome.MOVED,
        "B2": Outcome.MOVED,
        "B3": Outcome.UNREADABLE,
    }
    assert set(result.moves) == {
        Move("moved-in-box", "BOX-1", "A3", "BOX-1", "B1"),
        Move("from-other-box", "BOX-9", "C7", "BOX-1", "B2"),
    }
    by_pos = {w.position: w for w in result.wells}
    assert by_pos["B2"].recorded_at == Place("BOX-9", "C7")
    assert by_pos["A3"].recorded == "moved-in-box" and by_pos["A3"].seen == "stranger"
    # "hidden" sits in an unreadable well: not declared missing; "gone" is.
    assert result.missing == ("gone",)
    assert not result.consistent
    assert result.summary()["moved"] == 2


def test_reconcile_empty_well_whose_tube_was_seen_elsewhere_is_empty() -> None:
    result = reconcile(make_scan(1, 2, {"A2": "s1"}), "B", {"A1": "s1"}, lambda _b: None)
    assert [w.outcome for w in result.wells] == [Outcome.EMPTY, Outcome.MOVED]
    assert result.moves == (Move("s1", "B", "A1", "B", "A2"),)


def test_reconcile_consistent_box() -> None:
    records = {"A1": "s1", "B2": "s2"}
    result = reconcile(make_scan(2, 2, records), "B", records, lambda _b: None)
    assert result.consistent and result.moves == () and result.missing == ()


def test_duplicate_reads_move_nothing() -> None:
    result = reconcile(make_scan(1, 2, {"A1": "dup", "A2": "dup"}), "B", {}, lambda _b: ("X", "A1"))
    assert [w.outcome for w in result.wells] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert result.moves == ()


def test_moves_are_ordered_so_targets_are_vacated_first() -> None:
    # s1 A1 -> A2 needs A2 free; s2 moves A2 -> A3 first.
    records = {"A1": "s1", "A2": "s2"}
    result = reconcile(make_scan(1, 3, {"A2": "s1", "A3": "s2"}), "B", records, lambda _b: None)
    assert [m.barcode for m in result.moves] == ["s2", "s1"]
    assert result.cycles == ()


def test_swaps_are_reported_as_cycles() -> None:
    records = {"A1": "s1", "A2": "s2"}
    result = reconcile(make_scan(1, 2, {"A1": "s2", "A2": "s1"}), "B", records, lambda _b: None)
    assert result.moves == ()
    assert len(result.cycles) == 1 and {m.barcode for m in result.cycles[0]} == {"s1", "s2"}


def test_displaced_lists_missing_tubes_whose_place_a_move_fills() -> None:
    result = reconcile(make_scan(1, 1, {"A1": "new"}), "B", {"A1": "old"}, lambda _b: ("OTHER", "D4"))
    assert result.missing == ("old",) and result.displaced == ("old",)
    assert result.moves == (Move("new", "OTHER", "D4", "B", "A1"),)
