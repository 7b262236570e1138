"""Switching the language from the preferences retranslates the open window and Qt's own dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from tracseq_desktop.services.facade import Services
from ui.preferences import PreferencesDialog
from ui.sampledialogs import DiscardDialog
from ui.window import MainWindow

#: A tiny German test catalog (the real one lives in i18n/ and is filled by the translators).
TEST_CATALOG = {
    "&Scan:": "&Scannen:",
    "Scan field": "Scanfeld",
    "&Bench": "&Labor",
    "Barcode": "Strichcode",
    "Status": "Status",
    "TracSeq Desktop": "TracSeq Desktop (Deutsch)",
    "German": "Deutsch",
}


@pytest.fixture
def german_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "i18n" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for source, target in TEST_CATALOG.items():
        lines += [f'msgid "{source}"', f'msgstr "{target}"', ""]
    (folder / "tracseq.po").write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("TRACSEQ_I18N_DIR", str(tmp_path / "i18n"))
    return folder


def test_language_switch_without_restart(qtbot, window: MainWindow, services: Services, german_catalog: Path) -> None:
    services.samples.edit("TS-000013", {"volume": "1.5ml"})
    window.scan_panel.field.setText("TS-000013")
    window.scan_panel.field.returnPressed.emit()
    assert window.scan_panel.caption.text() == "&Scan:"
    assert window.detail._values["volume"].text() == "1.5 mL"

    window.open_preferences()
    prefs = window.dialog
    assert isinstance(prefs, PreferencesDialog)
    combo = prefs.editors["language"]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("de"))
    prefs.accept()

    assert window.settings.value("language") == "de"
    assert window.scan_panel.caption.text() == "&Scannen:"
    assert window.scan_panel.field.accessibleName() == "Scanfeld"
    assert window.actions_.menus["bench"].title() == "&Labor"
    assert window.windowTitle() == "TracSeq Desktop (Deutsch)"
    assert window.table.model.headerData(0, Qt.Orientation.Horizontal) == "Strichcode"
    assert window.detail._values["volume"].text() == "1,5 mL"  # numbers in the German format
    assert window.language.qt_catalog_loaded

    # Qt's own texts come from the shipped qtbase_de catalog.
    window.open_sample_dialog(DiscardDialog)
    dialog = window.dialog
    assert dialog is not None
    cancel = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    assert "Abbrechen" in cancel.text()
    dialog.reject()

    window.language.apply("en")
    assert window.scan_panel.caption.text() == "&Scan:"
    assert not window.language.qt_catalog_loaded
