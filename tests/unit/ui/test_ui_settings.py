from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from ui.preferences import PreferencesDialog
from ui.settings import BY_KEY, SETTINGS, SettingsStore


def store(path: Path) -> SettingsStore:
    return SettingsStore(QSettings(str(path), QSettings.Format.IniFormat))


def test_values_are_typed_bounded_and_persisted(qtbot, tmp_path: Path) -> None:
    settings = store(tmp_path / "s.ini")
    assert settings.value("display/expiry_warning_days") == 30
    seen: list[tuple[str, object]] = []
    settings.setting_changed.connect(lambda key, value: seen.append((key, value)))
    settings.set_value("display/expiry_warning_days", "99999")
    assert settings.value("display/expiry_warning_days") == 3650
    settings.set_value("scanner/beep", "false")
    settings.set_value("language", "xx")  # not an available language
    assert seen == [("display/expiry_warning_days", 3650), ("scanner/beep", False), ("language", "en")]
    again = store(tmp_path / "s.ini")
    assert again.value("display/expiry_warning_days") == 3650 and again.value("scanner/beep") is False


def test_preferences_dialog_is_generated_from_the_declarations(qtbot, tmp_path: Path) -> None:
    settings = store(tmp_path / "s.ini")
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == {s.key for s in SETTINGS}
    assert isinstance(dialog.editors["language"], QComboBox)
    assert isinstance(dialog.editors["scanner/beep"], QCheckBox)
    spin = dialog.editors["display/expiry_warning_days"]
    assert isinstance(spin, QSpinBox) and spin.maximum() == BY_KEY["display/expiry_warning_days"].maximum
    prefix = dialog.editors["scanner/prefix"]
    assert isinstance(prefix, QLineEdit) and prefix.accessibleName() == "Scanner prefix"
    prefix.setText("]C1")
    spin.setValue(7)
    dialog.accept()
    assert settings.value("scanner/prefix") == "]C1" and settings.value("display/expiry_warning_days") == 7
