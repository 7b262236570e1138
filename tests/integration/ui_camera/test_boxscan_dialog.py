"""The whole-box scan from the window: a box photo scanned, compared, corrected and accepted as audited moves."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.integration.camera.scenario import build
from tests.integration.ui_camera.test_camera_panel import screenshot_path
from tracseq_desktop.domain.scanning import Outcome, WellState
from tracseq_desktop.services.boxscans import BoxScanService, scan_reason
from ui.accessibility import contrast_problems, unnamed_controls
from ui.camera.boxscandialog import BoxScanDialog
from ui.camera.wellmodel import ReconciliationModel, rows_for
from ui.window import MainWindow


def _open(qtbot, window: MainWindow, photo: Path) -> BoxScanDialog:  # type: ignore[no-untyped-def]
    window.open_box("BOX-B")
    dialog = window.camera.open_box_scan(None)
    assert window.dialog is dialog and dialog.box == "BOX-B"
    dialog.load_photo(photo)
    qtbot.waitUntil(lambda: dialog.comparison is not None and not dialog.busy, timeout=20_000)
    return dialog


def test_box_photo_scanned_reconciled_and_accepted_from_the_gui(qtbot, window: MainWindow, tmp_path: Path) -> None:
    s = build(window.services, tmp_path)
    dialog = _open(qtbot, window, s.image_path)
    comparison = dialog.comparison
    assert comparison is not None and comparison.reconciliation is not None and comparison.rotation == 0
    shown = {dialog.model.row_at(r).position: dialog.model.row_at(r) for r in range(dialog.model.rowCount())}
    assert shown[s.from_other[1]].outcome is Outcome.MOVED and shown[s.from_other[1]].recorded_at == "BOX-A:C1"
    assert shown[s.unknown[1]].outcome is Outcome.UNKNOWN
    assert shown[s.missing[1]].outcome is Outcome.MISSING
    assert shown[s.unreadable_recorded[1]].outcome is Outcome.UNREADABLE
    assert any("recorded as checked out" in c for c in shown[s.checked_out[1]].checks)
    assert not set(shown) & set(s.matches) - {s.checked_out[1], s.colour[1]}  # only differences listed
    index = dialog.model.index(dialog.model.row_of(s.from_other[1]), 0)
    assert "recorded at BOX-A:C1" in dialog.model.data(index, Qt.ItemDataRole.AccessibleTextRole)
    states = {label: state for _p, label, state, _d in dialog.view.marks}
    assert states[s.unreadable_recorded[1]] is WellState.UNREADABLE and states[s.missing[1]] is WellState.EMPTY

    # The unreadable tube's code is typed from its side label.
    dialog.select_position(s.unreadable_recorded[1])
    assert dialog.code_button.isEnabled()
    qtbot.keyClicks(dialog.code_field, s.unreadable_recorded[0])
    qtbot.mouseClick(dialog.code_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.row_of(s.unreadable_recorded[1]) == -1, timeout=10_000)

    # Untick the tube from the other box, accept the ticked wells: the swap and the unplaced tube move.
    row = dialog.model.row_of(s.from_other[1])
    dialog.model.setData(dialog.model.index(row, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    qtbot.mouseClick(dialog.accept_selected, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_result is not None and not dialog.busy, timeout=20_000)
    first = dialog.last_result
    assert first is not None
    queries = window.services.queries
    assert queries.get(s.from_other[0]).box_label == "BOX-A"
    assert {v.barcode for v in first.moved} == {s.swap[0][0], s.swap[1][0], s.unplaced[0]}
    assert [v.barcode for v in first.checked_in] == [s.checked_out[0]]

    # Then everything left: one more operation on the same stored scan.
    qtbot.mouseClick(dialog.accept_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_result is not first and not dialog.busy, timeout=20_000)
    second = dialog.last_result
    assert second is not None and second.scan_id == first.scan_id
    assert [v.barcode for v in second.moved] == [s.from_other[0]]
    assert queries.get(s.from_other[0]).where == f"BOX-B:{s.from_other[1]}"
    assert [(k.barcode, k.position) for k in second.skipped] == [s.blocked[:2]]
    assert "Not moved" in dialog.feedback.text()

    entry = queries.history(s.from_other[0])[-1]
    assert entry.action == "move" and entry.reason == scan_reason(first.scan_id, "BOX-B")
    assert entry.operation_id == second.operation_id
    record = BoxScanService(window.services).get(first.scan_id)
    assert record.operation_id == second.operation_id
    assert [a["operations"][0] for a in record.result["accepted"]] == [first.operation_id, second.operation_id]
    typed = {w["position"]: w for w in record.result["wells"]}[s.unreadable_recorded[1]]
    assert typed == {
        "position": s.unreadable_recorded[1],
        "state": "read",
        "text": s.unreadable_recorded[0],
        "colour": typed["colour"],
    }
    assert BoxScanService(window.services).image(first.scan_id) == s.image_path.read_bytes()
    qtbot.waitUntil(
        lambda: (
            window.box_panel.box is not None and any(x.barcode == s.from_other[0] for x in window.box_panel.box.samples)
        ),
        timeout=5_000,
    )  # the box map followed the change
    dialog.reject()


def test_turning_the_scan_and_accessibility_and_screenshot(qtbot, window: MainWindow, tmp_path: Path) -> None:
    s = build(window.services, tmp_path)
    dialog = _open(qtbot, window, s.image_path)
    qtbot.mouseClick(dialog.turn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.comparison.rotation == 90, timeout=10_000)
    assert dialog.comparison.reconciliation is None and "turn the scan" in dialog.feedback.text()
    assert dialog.model.rowCount() == 0 and not dialog.accept_all.isEnabled()
    qtbot.mouseClick(dialog.turn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.comparison.rotation == 180, timeout=10_000)
    turned = {w.position: w.seen for w in dialog.comparison.reconciliation.wells}
    assert turned["H12"] == s.truth["A1"].text  # A1 seen is H12 once the box is turned round
    qtbot.mouseClick(dialog.half_turn_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.comparison.rotation == 0, timeout=10_000)
    dialog.select_position(s.from_other[1])
    dialog.table.setFocus()
    assert unnamed_controls(dialog) == []
    assert contrast_problems(dialog) == []
    dialog.resize(1400, 800)
    qtbot.wait(50)
    image = dialog.grab()
    assert not image.isNull()
    assert image.save(str(screenshot_path(tmp_path, "camera-boxscan.png")))
    dialog.reject()


def test_reconciliation_model_passes_the_model_tester(qtmodeltester, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import cv2

    from hardware.vision.boxscan import BoxScanner

    s = build(services, tmp_path)
    service = BoxScanService(services)
    scan = BoxScanner().scan(cv2.imread(str(s.image_path)), 8, 12)[0]
    model = ReconciliationModel()
    rows = rows_for(service.reconcile(scan, "BOX-B"), service.qa_flags(scan, "BOX-B"), only_differences=False)
    model.set_rows(rows)
    assert model.rowCount() == 96
    qtmodeltester.check(model)
    acceptable = model.acceptable_positions()
    assert set(acceptable) >= {s.from_other[1], s.swap[0][1], s.checked_out[1]}
    assert model.checked_positions() == acceptable
    first = model.index(model.row_of(acceptable[0]), 0)
    assert model.setData(first, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert acceptable[0] not in model.checked_positions()
    matched = model.index(model.row_of(next(iter(s.matches))), 0)
    assert not model.setData(matched, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.data(matched, Qt.ItemDataRole.DisplayRole) == next(iter(s.matches))
    assert model.data(model.index(matched.row(), 1)).startswith("= ")  # a symbol, not colour alone
