"""Resolve one conflict: the options as radio buttons and a reason, recorded (audited) on a worker.

The decision is stored locally at once and sent with the next sync, so it works offline.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _
from tracseq_desktop.sync.service import ConflictView
from ui.formdialog import ok_cancel_buttons, problem_label
from ui.sync.text import conflict_time, kind_title, subject_lines

#: ``run(conflict_id, option, reason, done, failed)`` records the decision off the GUI thread.
ResolveRunner = Callable[[str, str, str | None, Callable[[ConflictView], None], Callable[[str], None]], None]


class ResolveConflictDialog(QDialog):
    """``succeeded(ConflictView)`` once the decision is stored; a refusal keeps the dialog open."""

    succeeded = Signal(object)

    def __init__(
        self,
        conflict: ConflictView,
        run: ResolveRunner,
        *,
        reason_required: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self._run = run
        self.reason_required = reason_required
        self.busy = False
        title = _("Resolve conflict: {kind}").format(kind=kind_title(conflict.kind))
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setText(conflict.summary)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setAccessibleName(_("What happened"))
        facts = self._facts(conflict)
        self.choices = self._choices(conflict)
        form = self._reason_form(reason_required)
        self.message = problem_label(self)
        self.buttons, self.ok_button = ok_cancel_buttons(
            self, self.submit, ok_text=_("Resolve"), ok_name=_("Record this decision"), cancel_text=_("Cancel")
        )
        self.group.buttonToggled.connect(self._on_group_toggled)
        self.reason.textChanged.connect(self._on_reason_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(facts)
        layout.addWidget(self.choices)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 420)
        self._revalidate()
        first = next(iter(self.radios.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _facts(self, conflict: ConflictView) -> QFormLayout:
        facts = QFormLayout()
        facts.addRow(_("Found:"), QLabel(conflict_time(conflict), self))
        facts.addRow(_("Site:"), QLabel(conflict.site, self))
        for name, value in subject_lines(conflict):
            label = QLabel(value, self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(_("{name}:").format(name=name), label)
        return facts

    def _choices(self, conflict: ConflictView) -> QGroupBox:
        choices = QGroupBox(_("What should happen?"), self)
        choices.setAccessibleName(_("Options"))
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        box = QVBoxLayout(choices)
        for option in conflict.options:
            radio = QRadioButton(option.title, choices)
            radio.setAccessibleName(option.title)
            radio.setObjectName(f"option_{option.id}")
            self.group.addButton(radio)
            self.radios[option.id] = radio
            box.addWidget(radio)
        return choices

    def _reason_form(self, reason_required: bool) -> QFormLayout:
        self.reason = QPlainTextEdit(self)
        self.reason.setTabChangesFocus(True)
        self.reason.setMinimumHeight(70)
        self.reason.setPlaceholderText(_("Why, e.g. checked the box: C4 holds TUBE-2"))
        self.reason.setAccessibleName(_("Reason"))
        self.reason.setAccessibleDescription(
            _("Required: why this option was chosen (kept in the audit trail)")
            if reason_required
            else _("Optional: why this option was chosen (kept in the audit trail)")
        )
        label = QLabel(_("&Reason (required):") if reason_required else _("&Reason (optional):"), self)
        label.setBuddy(self.reason)
        form = QFormLayout()
        form.addRow(label, self.reason)
        return form

    def choice(self) -> str | None:
        for option, radio in self.radios.items():
            if radio.isChecked():
                return option
        return None

    def choose(self, option: str) -> None:
        self.radios[option].setChecked(True)

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    @Slot()
    def _on_reason_changed(self) -> None:
        if self.text():
            self.show_message(None)
        self._revalidate()

    @Slot()
    def _on_group_toggled(self) -> None:
        self._revalidate()

    def _revalidate(self) -> None:
        ready = self.choice() is not None and (bool(self.text()) or not self.reason_required)
        self.ok_button.setEnabled(ready and not self.busy)

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    @Slot()
    def submit(self) -> None:
        if self.busy:
            return
        option = self.choice()
        if option is None:
            self.show_message(_("Choose one of the options."))
            return
        if self.reason_required and not self.text():
            self.show_message(_("Say why: the reason is kept with the decision and cannot be empty."))
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.busy = True
        self._revalidate()
        self.show_message(None)
        self._run(self.conflict.id, option, self.text() or None, self._on_done, self._on_failed)

    def _on_done(self, view: ConflictView) -> None:
        self.busy = False
        self.succeeded.emit(view)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.busy = False
        self.show_message(message)
        self._revalidate()
