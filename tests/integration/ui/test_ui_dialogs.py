"""Operation dialogs validate as you type and show the services' refusals in words."""

from __future__ import annotations

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.services.facade import Services
from ui.sampledialogs import (
    AliquotDialog,
    CheckInDialog,
    DiscardDialog,
    EditDialog,
    RegisterDialog,
    RegisterManyDialog,
)
from ui.window import MainWindow


def select(window: MainWindow, barcode: str) -> None:
    window.scan_panel.field.setText(barcode)
    window.scan_panel.field.returnPressed.emit()


def test_register_validates_inline(qtbot, window: MainWindow, services: Services) -> None:
    window.open_register("TS-000001")
    dialog = window.dialog
    assert isinstance(dialog, RegisterDialog)
    assert not dialog.ok_button.isEnabled()
    assert "already exists" in dialog.message.text()
    dialog.field("barcode").setText("N-1")  # type: ignore[attr-defined]
    dialog.field("volume").setText("lots")  # type: ignore[attr-defined]
    assert not dialog.ok_button.isEnabled() and "not a volume" in dialog.message.text()
    dialog.field("volume").setText("1ml")  # type: ignore[attr-defined]
    dialog.field("box").setText("B-0001")  # type: ignore[attr-defined]
    dialog.field("position").setText("Z99")  # type: ignore[attr-defined]
    assert not dialog.ok_button.isEnabled() and "Z99" in dialog.message.text()
    dialog.field("position").setText("A1")  # type: ignore[attr-defined]
    assert dialog.ok_button.isEnabled()  # occupied, but only the write knows: the refusal comes in words
    dialog.ok_button.click()
    assert dialog.isVisible()
    assert "A1" in dialog.message.text() and "TS-000001" in dialog.message.text()
    assert services.queries.find("N-1") is None
    dialog.field("position").setText("I9")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    assert services.queries.get("N-1").where == "B-0001:I9"
    assert window.dialog is None


def test_register_many_runs_off_the_gui_thread(qtbot, window: MainWindow, services: Services) -> None:
    select(window, "B-0002")
    window.open_register_many()
    dialog = window.dialog
    assert isinstance(dialog, RegisterManyDialog)
    assert dialog.text("box") == "B-0002"
    dialog.field("barcodes").setPlainText("M-1\nM-2\nm-1\n")  # type: ignore[attr-defined]
    assert "M-1" in dialog.message.text() and not dialog.ok_button.isEnabled()
    dialog.field("barcodes").setPlainText("M-1\nM-2\nM-3\n")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: services.queries.find("M-3") is not None, timeout=5_000)
    assert [services.queries.get(c).where for c in ("M-1", "M-2", "M-3")] == ["B-0002:A6", "B-0002:A7", "B-0002:A8"]


def test_discard_needs_a_reason_and_check_in_reports_conflicts(qtbot, window: MainWindow, services: Services) -> None:
    select(window, "TS-000002")
    window.open_sample_dialog(DiscardDialog)
    dialog = window.dialog
    assert isinstance(dialog, DiscardDialog)
    assert not dialog.ok_button.isEnabled() and "reason" in dialog.message.text()
    dialog.field("reason").setText("tube cracked")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    assert services.queries.get("TS-000002").status is SampleStatus.DISCARDED
    assert services.queries.history("TS-000002")[-1].reason == "tube cracked"

    select(window, "TS-000005")  # checked out, place A5 reserved
    window.open_sample_dialog(CheckInDialog)
    dialog = window.dialog
    assert isinstance(dialog, CheckInDialog)
    dialog.field("box").setText("B-0001")  # type: ignore[attr-defined]
    dialog.field("position").setText("A1")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    assert "A1" in dialog.message.text() and dialog.isVisible()
    dialog.field("box").setText("")  # type: ignore[attr-defined]
    dialog.field("position").setText("")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    assert services.queries.get("TS-000005").status is SampleStatus.AVAILABLE


def test_aliquot_and_edit(qtbot, window: MainWindow, services: Services) -> None:
    select(window, "TS-000003")
    window.open_sample_dialog(AliquotDialog)
    dialog = window.dialog
    assert isinstance(dialog, AliquotDialog)
    dialog.field("volume").setText("600ul")  # type: ignore[attr-defined]
    assert not dialog.ok_button.isEnabled() and "more than" in dialog.message.text()
    dialog.field("volume").setText("200ul")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    _ancestors, children = services.queries.lineage("TS-000003")
    assert [c.barcode for c in children] == ["TS-000003-01", "TS-000003-02"]
    assert services.queries.get("TS-000003").volume_nl == 600_000

    select(window, "TS-000004")
    window.open_sample_dialog(EditDialog)
    dialog = window.dialog
    assert isinstance(dialog, EditDialog)
    assert not dialog.ok_button.isEnabled()  # nothing changed yet
    dialog.field("project").setText("P-8")  # type: ignore[attr-defined]
    dialog.field("reason").setText("typo")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    entry = services.queries.history("TS-000004")[-1]
    assert entry.action == "edit" and entry.reason == "typo"
    assert entry.after is not None and entry.after["project"] == "P-8"
    assert window.detail._values["project"].text() == "P-8"
