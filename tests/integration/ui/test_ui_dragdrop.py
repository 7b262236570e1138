"""Moves by drag and drop (the model's drop path, as QAbstractItemView calls it) and by keys."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from tracseq_desktop.services.facade import Services
from ui.window import MainWindow


def open_box(qtbot, window: MainWindow, label: str) -> None:  # type: ignore[no-untyped-def]
    window.scan_panel.field.setText(label)
    qtbot.keyClick(window.scan_panel.field, Qt.Key.Key_Return)


def test_drag_one_sample_within_the_box_lands_in_the_audit_trail(qtbot, window: MainWindow, services: Services) -> None:
    open_box(qtbot, window, "B-0001")
    model = window.box_panel.grid_model
    source = model.index_of_position("A1")
    mime = model.mimeData([source])
    target = model.index_of_position("H8")
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, target)
    model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, target)
    assert services.queries.get("TS-000001").where == "B-0001:H8"
    last = services.queries.history("TS-000001")[-1]
    assert last.action == "move" and last.actor == "tester"
    assert last.before is not None and last.after is not None
    assert (last.before["position"], last.after["position"]) == ("A1", "H8")
    assert last.reason == "moved in the box map"
    # The change event reloaded the box map.
    assert (
        model.index_of_position("H8")
        .data(Qt.ItemDataRole.AccessibleTextRole)
        .startswith("position H8, sample TS-000001")
    )


def test_drag_a_multi_selection_keeps_its_shape(qtbot, window: MainWindow, services: Services) -> None:
    open_box(qtbot, window, "B-0001")
    model = window.box_panel.grid_model
    sources = [model.index_of_position(p) for p in ("A1", "A2", "B1", "B2")]
    mime = model.mimeData(sources)
    model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, model.index_of_position("F5"))
    qtbot.waitUntil(lambda: services.queries.get("TS-000011").where == "B-0001:G6", timeout=5_000)
    where = {b: services.queries.get(b).where for b in ("TS-000001", "TS-000002", "TS-000010", "TS-000011")}
    assert where == {
        "TS-000001": "B-0001:F5",
        "TS-000002": "B-0001:F6",
        "TS-000010": "B-0001:G5",
        "TS-000011": "B-0001:G6",
    }
    operations = {services.queries.history(b)[-1].operation_id for b in where}
    assert len(operations) == 1  # one bulk move, one transaction


def test_drop_onto_a_box_in_the_tree(qtbot, window: MainWindow, services: Services) -> None:
    open_box(qtbot, window, "B-0001")
    mime = window.box_panel.grid_model.mimeData([window.box_panel.grid_model.index_of_position("A3")])
    tree = window.tree.model
    target = window.tree.view.currentIndex()  # B-0001 revealed; its sibling is B-0002
    sibling = target.siblingAtRow(target.row() + 1)
    assert sibling.data().startswith("B-0002")
    assert tree.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, sibling)
    assert not tree.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, target.parent())  # a rack
    tree.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, sibling)
    assert services.queries.get("TS-000003").where == "B-0002:A6"
    qtbot.waitUntil(lambda: sibling.data() == "B-0002 · 6/96", timeout=5_000)


def test_cut_and_paste_by_keyboard_moves_a_selection(qtbot, window: MainWindow, services: Services) -> None:
    open_box(qtbot, window, "B-0001")
    grid = window.box_panel.grid
    model = window.box_panel.grid_model
    grid.setFocus()
    selection = QItemSelection(model.index_of_position("D1"), model.index_of_position("D3"))
    grid.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(grid, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert [b for b, _p in window.box_panel.picked] == ["TS-000028", "TS-000029", "TS-000030"]
    grid.setCurrentIndex(model.index_of_position("I1"))
    qtbot.keyClick(grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: services.queries.get("TS-000030").where == "B-0001:I3", timeout=5_000)
    assert services.queries.get("TS-000028").where == "B-0001:I1"


def test_a_refused_move_is_reported_in_words(qtbot, window: MainWindow, services: Services) -> None:
    open_box(qtbot, window, "B-0001")
    model = window.box_panel.grid_model
    mime = model.mimeData([model.index_of_position("A1")])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, model.index_of_position("A2"))
    text = window.scan_panel.feedback.text()
    assert text.startswith("✗") and "A2" in text and "TS-000002" in text
    assert services.queries.get("TS-000001").where == "B-0001:A1"
