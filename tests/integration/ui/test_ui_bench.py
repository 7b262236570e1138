"""The scan-first bench workflow against a real database."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tracseq_desktop.services.facade import Services
from ui.bench import ScanMode
from ui.boxmodel import MARK_ROLE
from ui.sampledialogs import RegisterDialog
from ui.window import MainWindow


def scan(qtbot, window: MainWindow, code: str) -> None:  # type: ignore[no-untyped-def]
    """Type like a keyboard-wedge scanner: the characters, then Enter."""
    field = window.scan_panel.field
    field.setFocus()
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_scan_selects_the_sample_and_highlights_its_position(qtbot, window: MainWindow) -> None:
    scan(qtbot, window, "  ts-000013\t")
    assert window.detail.sample is not None and window.detail.sample.barcode == "TS-000013"
    box = window.box_panel.box
    assert box is not None and box.box.label == "B-0001"
    current = window.box_panel.grid.currentIndex()
    # 13th tube of a 9x9 box filled row by row: B4
    assert (current.row(), current.column()) == (1, 3)
    assert current.data(MARK_ROLE) == "highlight"
    assert window.table.current_sample() is not None and window.table.current_sample().barcode == "TS-000013"
    assert window.tree.view.currentIndex().data() == "B-0001 · 30/81"
    assert window.scan_panel.field.text() == ""


def test_scanning_a_box_opens_it_and_a_gridless_one_shows_a_list(qtbot, window: MainWindow) -> None:
    scan(qtbot, window, "B-0002")
    assert window.box_panel.box is not None and window.box_panel.box.box.label == "B-0002"
    assert window.box_panel.stack.currentWidget() is window.box_panel.grid
    assert window.box_panel.grid_model.rowCount() == 8 and window.box_panel.grid_model.columnCount() == 12
    scan(qtbot, window, "bag-01")
    assert window.box_panel.stack.currentWidget() is window.box_panel.list
    assert window.box_panel.list_model.rowCount() == 3


def test_unknown_code_offers_to_register_it(qtbot, window: MainWindow, services: Services) -> None:
    scan(qtbot, window, "NEW-777")
    dialog = window.dialog
    assert isinstance(dialog, RegisterDialog)
    assert dialog.text("barcode") == "NEW-777"
    dialog.field("volume").setText("250ul")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    assert services.queries.get("NEW-777").volume_nl == 250_000
    assert window.detail.sample is not None and window.detail.sample.barcode == "NEW-777"


def test_scan_to_store_ten_tubes(qtbot, window: MainWindow, services: Services) -> None:
    window.scan_panel.set_mode(ScanMode.STORE)
    scan(qtbot, window, "B-0002")
    assert window.bench.target_box == "B-0002"
    assert "A6" in window.scan_panel.target.text()
    for n in range(101, 111):
        scan(qtbot, window, f"TS-{n:06d}")
        assert window.scan_panel.feedback.text().startswith("✓")
    box = services.queries.box("B-0002")
    placed = {s.barcode: s.position for s in box.samples}
    expected = ["A6", "A7", "A8", "A9", "A10", "A11", "A12", "B1", "B2", "B3"]
    assert [placed[f"TS-{n:06d}"] for n in range(101, 111)] == expected
    for n in range(101, 111):
        assert [e.action for e in services.queries.history(f"TS-{n:06d}")] == ["register", "store"]
    last = window.box_panel.grid_model.index_of_position("B3")
    assert last.data(MARK_ROLE) == "placed"
    assert window.box_panel.grid_model.index_of_position("B4").data(MARK_ROLE) == "target"


def test_store_into_a_clicked_position_and_errors_in_words(qtbot, window: MainWindow, services: Services) -> None:
    window.scan_panel.set_mode(ScanMode.STORE)
    scan(qtbot, window, "B-0001")
    window.box_panel.grid.clicked.emit(window.box_panel.grid_model.index_of_position("I9"))
    scan(qtbot, window, "TS-000101")
    assert services.queries.get("TS-000101").where == "B-0001:I9"
    window.box_panel.grid.clicked.emit(window.box_panel.grid_model.index_of_position("A1"))
    scan(qtbot, window, "TS-000102")
    feedback = window.scan_panel.feedback.text()
    assert feedback.startswith("✗") and "A1" in feedback and "TS-000001" in feedback
    assert services.queries.get("TS-000102").box_label is None


def test_scan_to_move_then_undo(qtbot, window: MainWindow, services: Services) -> None:
    window.scan_panel.set_mode(ScanMode.MOVE)
    scan(qtbot, window, "TS-000001")
    assert "box" in window.scan_panel.feedback.text().lower()
    scan(qtbot, window, "B-0002")
    scan(qtbot, window, "TS-000001")
    assert services.queries.get("TS-000001").where == "B-0002:A6"
    assert window.scan_panel.undo.isEnabled()
    window.scan_panel.undo.click()
    assert services.queries.get("TS-000001").where == "B-0001:A1"
    actions = [e.action for e in services.queries.history("TS-000001")]
    assert actions == ["register", "move", "move"]
    assert not window.scan_panel.undo.isEnabled()


def test_scanner_prefix_and_suffix_are_removed(qtbot, window: MainWindow, settings) -> None:  # type: ignore[no-untyped-def]
    settings.set_value("scanner/prefix", "]C1")
    settings.set_value("scanner/suffix", "#")
    scan(qtbot, window, "]C1ts-000020#")
    assert window.detail.sample is not None and window.detail.sample.barcode == "TS-000020"


def test_undo_of_a_first_storage_takes_the_tube_out_again(qtbot, window: MainWindow, services: Services) -> None:  # type: ignore[no-untyped-def]
    window.scan_panel.set_mode(ScanMode.STORE)
    scan(qtbot, window, "B-0002")
    scan(qtbot, window, "TS-000101")
    assert services.queries.get("TS-000101").where == "B-0002:A6"
    window.scan_panel.undo.click()
    assert services.queries.get("TS-000101").box_label is None
    assert [e.action for e in services.queries.history("TS-000101")] == ["register", "store", "unstore"]
    assert window.scan_panel.feedback.text().startswith("✓")
    assert window.box_panel.grid_model.index_of_position("A6").data(MARK_ROLE) == "target"
