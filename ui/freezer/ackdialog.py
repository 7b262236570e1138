"""Acknowledge an alarm: the comment is required; the write (audited by the services) runs on a worker."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _
from tracseq_desktop.services.monitoring import AlarmView
from ui.formdialog import ok_cancel_buttons, problem_label
from ui.freezer.text import alarm_status, celsius, clock

#: Runs ``acknowledge(alarm_id, comment)`` off the GUI thread and calls back with the view or the error text.
AcknowledgeRunner = Callable[[int, str, Callable[[AlarmView], None], Callable[[str], None]], None]


class AcknowledgeDialog(QDialog):
    """``succeeded(AlarmView)`` once the acknowledgement is stored; a refusal keeps the dialog open."""

    succeeded = Signal(object)

    def __init__(self, alarm: AlarmView, run: AcknowledgeRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alarm = alarm
        self._run = run
        self.busy = False
        title = _("Acknowledge alarm #{id}").format(id=alarm.id)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setText(
            _("{unit}: {title}. {state}. Since {since}; peak {peak}, limit {limit}.").format(
                unit=alarm.unit,
                title=alarm.title,
                state=alarm_status(alarm),
                since=clock(alarm.started_at),
                peak=celsius(alarm.peak),
                limit=celsius(alarm.limit),
            )
        )
        self.comment = QPlainTextEdit(self)
        self.comment.setTabChangesFocus(True)
        self.comment.setPlaceholderText(_("What was checked or done, e.g. door closed, samples moved to UNIT-006"))
        self.comment.setAccessibleName(_("Comment"))
        self.comment.setAccessibleDescription(_("Required: what was checked or done about the alarm"))
        self.comment.setMinimumHeight(90)
        label = QLabel(_("&Comment (required):"), self)
        label.setBuddy(self.comment)
        form = QFormLayout()
        form.addRow(label, self.comment)
        self.message = problem_label(self)
        self.buttons, self.ok_button = ok_cancel_buttons(
            self, self.submit, ok_text=_("Acknowledge"), ok_name=_("Acknowledge the alarm")
        )
        self.comment.textChanged.connect(self._on_comment_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(520, 260)
        self._revalidate()
        self.comment.setFocus(Qt.FocusReason.OtherFocusReason)

    def text(self) -> str:
        return self.comment.toPlainText().strip()

    @Slot()
    def _on_comment_changed(self) -> None:
        if self.text():
            self.show_message(None)
        self._revalidate()

    def _revalidate(self) -> None:
        self.ok_button.setEnabled(bool(self.text()) and not self.busy)

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    @Slot()
    def submit(self) -> None:
        """Store the acknowledgement; an empty comment is refused here and again by the services."""
        if self.busy:
            return
        if not self.text():
            self.show_message(_("Say what was done about the alarm: the comment cannot be empty."))
            self.comment.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.busy = True
        self._revalidate()
        self.show_message(None)
        self._run(self.alarm.id, self.text(), self._on_done, self._on_failed)

    def _on_done(self, view: AlarmView) -> None:
        self.busy = False
        self.succeeded.emit(view)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.busy = False
        self.show_message(message)
        self._revalidate()
