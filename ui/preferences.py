"""The preferences dialog, generated from the declared settings."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _
from ui.settings import SETTINGS, Setting, SettingsStore


def _editor(setting: Setting, value: Any, parent: QWidget) -> QWidget:
    if setting.choices is not None:
        combo = QComboBox(parent)
        for choice, title in setting.choices():
            combo.addItem(_(title), choice)
        combo.setCurrentIndex(max(combo.findData(value), 0))
        return combo
    if setting.type is bool:
        box = QCheckBox(parent)
        box.setChecked(bool(value))
        return box
    if setting.type is int:
        spin = QSpinBox(parent)
        spin.setRange(setting.minimum if setting.minimum is not None else -(2**31), setting.maximum or 2**31 - 1)
        spin.setValue(int(value))
        return spin
    line = QLineEdit(parent)
    line.setText(str(value))
    return line


def _read(widget: QWidget) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox):
        return widget.value()
    assert isinstance(widget, QLineEdit)
    return widget.text()


class PreferencesDialog(QDialog):
    """One editor per declared setting; OK writes them all (the language applies at once)."""

    def __init__(self, store: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.setWindowTitle(_("Preferences"))
        self.setAccessibleName(_("Preferences"))
        form = QFormLayout()
        self.editors: dict[str, QWidget] = {}
        for setting in SETTINGS:
            editor = _editor(setting, store.value(setting.key), self)
            title = _(setting.title)
            label = QLabel(title, self)
            label.setBuddy(editor)
            editor.setAccessibleName(title)
            if setting.description:
                editor.setAccessibleDescription(_(setting.description))
                editor.setToolTip(_(setting.description))
            form.addRow(label, editor)
            self.editors[setting.key] = editor
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName(_("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        for key, editor in self.editors.items():
            self._store.set_value(key, _read(editor))
        super().accept()
