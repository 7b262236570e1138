"""A whole bench session with the keyboard alone: no mouse events and no direct slot calls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.services.facade import Services
from ui.window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier


def keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into whatever has the focus, like a person or a keyboard-wedge scanner."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClicks(target, text)


def key(qtbot, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, k, modifier)


def test_keyboard_only_bench_session(qtbot, window: MainWindow, services: Services) -> None:
    field = window.scan_panel.field
    window.tree.view.setFocus()
    key(qtbot, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is field

    # Find a sample by scanning it.
    keys(qtbot, "ts-000013")
    key(qtbot, Qt.Key.Key_Return)
    assert window.detail.sample is not None and window.detail.sample.barcode == "TS-000013"

    # Check it out through the dialog: Ctrl+O, type the reason, Enter.
    key(qtbot, Qt.Key.Key_O, CTRL)
    dialog = window.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and dialog.isAncestorOf(QApplication.focusWidget()))
    keys(qtbot, "ELISA run")
    key(qtbot, Qt.Key.Key_Return)
    assert services.queries.get("TS-000013").status is SampleStatus.CHECKED_OUT
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)  # the window is active again

    # Scan to store: Ctrl+2, the box, then a tube.
    key(qtbot, Qt.Key.Key_2, CTRL)
    assert QApplication.focusWidget() is field
    for code in ("B-0002", "TS-000101"):
        keys(qtbot, code)
        key(qtbot, Qt.Key.Key_Return)
    assert services.queries.get("TS-000101").where == "B-0002:A6"

    # Scan to move and undo with F9.
    key(qtbot, Qt.Key.Key_3, CTRL)
    for code in ("B-0001", "TS-000040"):
        keys(qtbot, code)
        key(qtbot, Qt.Key.Key_Return)
    assert services.queries.get("TS-000040").where == "B-0001:D4"
    key(qtbot, Qt.Key.Key_F9)
    assert services.queries.get("TS-000040").where == "B-0002:A1"

    # Back to find; walk the box map with arrows and move a tube with Ctrl+X / Ctrl+V.
    key(qtbot, Qt.Key.Key_1, CTRL)
    keys(qtbot, "TS-000001")
    key(qtbot, Qt.Key.Key_Return)
    key(qtbot, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    grid = window.box_panel.grid
    assert QApplication.focusWidget() is grid
    assert grid.currentIndex().data(Qt.ItemDataRole.AccessibleTextRole).startswith("position A1, sample TS-000001")
    key(qtbot, Qt.Key.Key_X, CTRL)
    for _step in range(8):
        key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Right)
    assert grid.currentIndex().data(Qt.ItemDataRole.AccessibleTextRole) == "position I2, empty"
    key(qtbot, Qt.Key.Key_V, CTRL)
    assert services.queries.get("TS-000001").where == "B-0001:I2"

    # Register a new sample: Ctrl+N, barcode, Tab to the volume, Enter.
    key(qtbot, Qt.Key.Key_F2)
    key(qtbot, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: window.dialog is not None and window.dialog.isAncestorOf(QApplication.focusWidget()))
    keys(qtbot, "KB-1")
    key(qtbot, Qt.Key.Key_Tab)  # sample type
    key(qtbot, Qt.Key.Key_Tab)  # volume
    keys(qtbot, "2ml")
    key(qtbot, Qt.Key.Key_Return)
    assert services.queries.get("KB-1").volume_nl == 2_000_000
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
