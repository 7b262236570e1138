"""Box scans as records: a real photo through the real scanner, compared, stored and accepted."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from hardware.vision.boxscan import BoxScanner
from tests.integration.camera.scenario import Scenario, build
from tracseq_desktop.domain.errors import InvalidInput, NotFound
from tracseq_desktop.domain.scanning import Outcome
from tracseq_desktop.services.boxscans import BoxScanService, QaKind, reconciliation_json, scan_reason
from tracseq_desktop.services.facade import Services


@pytest.fixture
def scenario(services: Services, tmp_path: Path) -> Scenario:
    return build(services, tmp_path)


def _scan(path: Path, rows: int = 8, cols: int = 12):  # type: ignore[no-untyped-def]
    return BoxScanner().scan(cv2.imread(str(path)), rows, cols)[0]


def test_reconciliation_names_every_difference(services: Services, scenario: Scenario) -> None:
    service = BoxScanService(services)
    scan = _scan(scenario.image_path)
    rec = service.reconcile(scan, scenario.box)
    outcome = {w.position: w.outcome for w in rec.wells}
    for position in scenario.matches:
        assert outcome[position] is Outcome.MATCH, position
    for barcode, position in (*scenario.swap, scenario.from_other, scenario.unplaced, scenario.blocked[:2]):
        assert outcome[position] is Outcome.MOVED, (barcode, position)
    assert outcome[scenario.unknown[1]] is Outcome.UNKNOWN
    assert outcome[scenario.missing[1]] is Outcome.MISSING
    assert outcome[scenario.unreadable_recorded[1]] is Outcome.UNREADABLE
    assert set(rec.missing) == {scenario.missing[0], scenario.blocked[2]}
    assert rec.displaced == (scenario.blocked[2],)
    data = reconciliation_json(rec, service.qa_flags(scan, scenario.box))
    by_position = {w["position"]: w for w in data["wells"]}
    assert by_position[scenario.from_other[1]]["recorded_at"] == {"box": scenario.other, "position": "C1"}
    assert by_position[scenario.unplaced[1]]["recorded_at"] == {"box": None, "position": None}
    assert sorted(map(sorted, data["swaps"])) == [sorted([scenario.swap[0][0], scenario.swap[1][0]])]
    kinds = {(w["position"], q["kind"]) for w in data["wells"] for q in w["qa"]}
    assert (scenario.checked_out[1], QaKind.CHECKED_OUT) in kinds
    assert (scenario.colour[1], QaKind.COLOUR) in kinds
    assert (scenario.missing[1], QaKind.ABSENT) in kinds
    assert (scenario.unknown[1], QaKind.UNEXPECTED) in kinds  # a tube where nothing is recorded
    assert not any(k == QaKind.COLOUR for p, k in kinds if p in scenario.matches and p != scenario.colour[1])


def test_accept_moves_all_in_one_audited_operation_and_keeps_the_scan(services: Services, scenario: Scenario) -> None:
    service = BoxScanService(services)
    scan = _scan(scenario.image_path)
    picture = scenario.image_path.read_bytes()
    stored = service.record(scenario.box, scan, picture, "png")
    assert stored.operation_id is None and stored.taken_at.tzinfo is not None
    result = service.accept(stored.id)
    moved = {v.barcode: v.where for v in result.moved}
    box = scenario.box
    assert moved == {
        scenario.swap[0][0]: f"{box}:{scenario.swap[0][1]}",
        scenario.swap[1][0]: f"{box}:{scenario.swap[1][1]}",
        scenario.from_other[0]: f"{box}:{scenario.from_other[1]}",
        scenario.unplaced[0]: f"{box}:{scenario.unplaced[1]}",
    }
    assert [(s.barcode, s.position) for s in result.skipped] == [scenario.blocked[:2]]
    assert "TS-GONE-1" in result.skipped[0].why
    assert [v.barcode for v in result.checked_in] == [scenario.checked_out[0]]
    entries = [services.queries.history(b)[-1] for b in moved]
    assert {e.operation_id for e in entries} == {result.operation_id}
    assert all(e.action == "move" and e.reason == scan_reason(stored.id, box) for e in entries)
    assert str(stored.id) in entries[0].reason
    kept = service.get(stored.id)
    assert kept.operation_id == result.operation_id and kept.accepted_at is not None
    assert service.image(stored.id) == picture
    assert kept.result["accepted"][0]["operations"][0] == result.operation_id
    assert service.scans(box)[0].id == stored.id
    again = service.reconcile(scan, box)
    left = {w.outcome for w in again.wells} - {Outcome.MATCH, Outcome.EMPTY}
    assert left == {Outcome.MOVED, Outcome.UNKNOWN, Outcome.MISSING, Outcome.UNREADABLE}
    assert services.queries.verify_audit().ok


def test_accepting_one_well_takes_the_swap_partner_along(services: Services, scenario: Scenario) -> None:
    service = BoxScanService(services)
    stored = service.record(scenario.box, _scan(scenario.image_path), scenario.image_path.read_bytes(), "png")
    result = service.accept(stored.id, [scenario.swap[0][1].lower()])
    assert sorted(v.barcode for v in result.moved) == sorted([scenario.swap[0][0], scenario.swap[1][0]])
    assert services.queries.get(scenario.from_other[0]).box_label == scenario.other  # not chosen, not moved
    assert result.checked_in == ()


def test_wrong_shape_picture_format_and_unknown_scan_are_refused(services: Services, scenario: Scenario) -> None:
    service = BoxScanService(services)
    scan = _scan(scenario.image_path)
    with pytest.raises(InvalidInput, match="turn the scan"):
        service.reconcile(scan.rotated(90), scenario.box)
    with pytest.raises(InvalidInput, match="PNG or JPEG"):
        service.record(scenario.box, scan, b"GIF89a", "gif")
    with pytest.raises(NotFound):
        service.get(999)
