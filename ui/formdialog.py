"""The base of every operation dialog: a form, inline messages, and domain errors in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _

ERROR_STYLE = "QLabel { background: #fbdad6; color: #5c0f08; padding: 4px; }"


def problem_label(parent: QWidget) -> QLabel:
    """The hidden line where a dialog says in words what is wrong (contrast 10:1)."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setAccessibleName(_("Problem"))
    label.hide()
    return label


def ok_cancel_buttons(
    dialog: QDialog,
    on_ok: Callable[[], object],
    *,
    ok_text: str | None = None,
    ok_name: str | None = None,
    cancel_text: str | None = None,
    cancel_name: str | None = None,
) -> tuple[QDialogButtonBox, QPushButton]:
    """OK and Cancel with words and accessible names; OK calls ``on_ok``, Cancel rejects."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=dialog
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    if ok_text:
        ok.setText(ok_text)
    ok.setAccessibleName(ok_name or ok_text or _("OK"))
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    if cancel_text:
        cancel.setText(cancel_text)
    cancel.setAccessibleName(cancel_name or cancel_text or _("Cancel"))
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class FormDialog(QDialog):
    """Subclasses add fields, implement :meth:`check` (inline) and :meth:`perform` (the write).

    ``succeeded(result)`` is emitted after a write went through; the dialog then closes.
    A ``DomainError`` keeps it open with the message shown in words.
    """

    succeeded = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.form = QFormLayout()
        self.message = problem_label(self)
        self.buttons, self.ok_button = ok_cancel_buttons(self, self._on_accepted)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._fields: dict[str, QWidget] = {}

    def add_field(self, key: str, title: str, widget: QWidget) -> QWidget:
        label = QLabel(title, self)
        label.setBuddy(widget)
        widget.setAccessibleName(title.replace("&", ""))
        self.form.addRow(label, widget)
        self._fields[key] = widget
        signal: Callable[..., Any] | None = None
        if isinstance(widget, QLineEdit | QPlainTextEdit):
            signal = widget.textChanged.connect
        elif isinstance(widget, QComboBox):
            signal = widget.currentIndexChanged.connect
        elif isinstance(widget, QAbstractSpinBox):
            signal = widget.editingFinished.connect
        if signal is not None:
            signal(self.revalidate)
        return widget

    def field(self, key: str) -> QWidget:
        return self._fields[key]

    def text(self, key: str) -> str:
        widget = self._fields[key]
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        raise TypeError(key)

    def check(self) -> str | None:
        """An inline problem with the current input, or None when it may be submitted."""
        return None

    def perform(self) -> Any:
        raise NotImplementedError

    @Slot()
    def revalidate(self) -> bool:
        try:
            problem = self.check()
        except DomainError as error:
            problem = str(error)
        self.show_message(problem)
        self.ok_button.setEnabled(problem is None)
        return problem is None

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    @Slot()
    def _on_accepted(self) -> None:
        if not self.revalidate():
            return
        try:
            result = self.perform()
        except DomainError as error:
            self.show_message(str(error))
            return
        if result is not None:
            self.succeeded.emit(result)
            self.accept()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.revalidate()
        first = next(iter(self._fields.values()), None)
        if first is not None and self.focusWidget() is None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
