"""The bench runner: one step at a time in large type, driven by the scan field.

The scan field answers whatever the current step asks (the tube, the box, a
reading, PASS or FAIL); a sign-off asks for the signer's user name and password.
Steps that need nobody run on their own. The run lives in the database, so closing
the window or the app loses nothing: "Resume" picks it up where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _, format_datetime
from tracseq_desktop.services.facade import Services
from tracseq_desktop.workflows.model import MEANING_TITLES, StepKind
from tracseq_desktop.workflows.service import WorkflowService
from tracseq_desktop.workflows.views import Prompt, RunView
from ui.scanning import normalise_scan
from ui.scanpanel import FEEDBACK_STYLES, ScanField


def _big(widget: QWidget, points: int, bold: bool = False) -> None:
    font = QFont(widget.font())
    font.setPointSize(points)
    font.setBold(bold)
    widget.setFont(font)


class RunnerWindow(QWidget):
    run_changed = Signal(object)  #: RunView

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.service = WorkflowService(services)
        self._clock = services.runner.clock
        self.view: RunView | None = None
        self._make_start_box()
        self._make_step_controls()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._layout()
        self._wire()
        self.retranslate()
        self.reload_choices()
        self.show_run(None)
        self.resize(1100, 760)

    def _make_start_box(self) -> None:
        self.start_box = QGroupBox(self)
        self.workflow_combo = QComboBox(self.start_box)
        self.samples_field = QLineEdit(self.start_box)
        self.start_button = QPushButton(self.start_box)
        self.runs_combo = QComboBox(self.start_box)
        self.resume_button = QPushButton(self.start_box)
        self.workflow_label = QLabel(self.start_box)
        self.samples_label = QLabel(self.start_box)
        self.runs_label = QLabel(self.start_box)
        form = QFormLayout(self.start_box)
        row1 = QHBoxLayout()
        row1.addWidget(self.workflow_combo, 1)
        row1.addWidget(self.samples_field, 2)
        row1.addWidget(self.start_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.runs_combo, 1)
        row2.addWidget(self.resume_button)
        form.addRow(self.workflow_label, row1)
        form.addRow(self.runs_label, row2)
        self.workflow_label.setBuddy(self.workflow_combo)
        self.runs_label.setBuddy(self.runs_combo)

    def _make_step_controls(self) -> None:
        self.run_title = QLabel(self)
        self.step_title = QLabel(self)
        _big(self.step_title, 26, bold=True)
        self.instruction = QLabel(self)
        self.instruction.setWordWrap(True)
        _big(self.instruction, 20)
        self.scan_label = QLabel(self)
        self.scan_field = ScanField(self)
        _big(self.scan_field, 22)
        self.scan_label.setBuddy(self.scan_field)
        self.feedback = QLabel(self)
        self.feedback.setWordWrap(True)
        _big(self.feedback, 14)
        # step-specific controls
        self.pass_button = QPushButton(self)
        self.fail_button = QPushButton(self)
        self.note_field = QLineEdit(self)
        self.user_field = QLineEdit(self)
        self.password_field = QLineEdit(self)
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_button = QPushButton(self)
        self.skip_field = QLineEdit(self)
        self.skip_button = QPushButton(self)
        for button in (self.pass_button, self.fail_button, self.sign_button):
            _big(button, 16, bold=True)
        self.lanes = QListWidget(self)
        self.lanes_label = QLabel(self)
        self.lanes_label.setBuddy(self.lanes)

    def _layout(self) -> None:
        decision = QHBoxLayout()
        decision.addWidget(self.pass_button)
        decision.addWidget(self.fail_button)
        decision.addWidget(self.note_field, 1)
        self.decision_row = QWidget(self)
        self.decision_row.setLayout(decision)
        sign = QHBoxLayout()
        sign.addWidget(self.user_field, 1)
        sign.addWidget(self.password_field, 1)
        sign.addWidget(self.sign_button)
        self.sign_row = QWidget(self)
        self.sign_row.setLayout(sign)
        skip = QHBoxLayout()
        skip.addWidget(self.skip_field, 1)
        skip.addWidget(self.skip_button)
        self.skip_row = QWidget(self)
        self.skip_row.setLayout(skip)
        scan = QHBoxLayout()
        scan.addWidget(self.scan_label)
        scan.addWidget(self.scan_field, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.start_box)
        layout.addWidget(self.run_title)
        layout.addWidget(self.step_title)
        layout.addWidget(self.instruction)
        layout.addLayout(scan)
        layout.addWidget(self.decision_row)
        layout.addWidget(self.sign_row)
        layout.addWidget(self.skip_row)
        layout.addWidget(self.feedback)
        layout.addWidget(self.lanes_label)
        layout.addWidget(self.lanes, 1)

    def _wire(self) -> None:
        self.start_button.clicked.connect(self._on_start_clicked)
        self.samples_field.returnPressed.connect(self._on_start_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.scan_field.code_entered.connect(self.handle_scan)
        self.pass_button.clicked.connect(lambda: self.decide("pass"))
        self.fail_button.clicked.connect(lambda: self.decide("fail"))
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.password_field.returnPressed.connect(self._on_sign_clicked)
        self.user_field.returnPressed.connect(self.password_field.setFocus)
        self.skip_button.clicked.connect(self._on_skip_clicked)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Workflow run"))
        self.start_box.setTitle(_("Start or resume a run"))
        self.workflow_label.setText(_("&Workflow:"))
        self.samples_field.setPlaceholderText(_("Samples: scan or type barcodes, separated by commas"))
        self.start_button.setText(_("&Start run"))
        self.runs_label.setText(_("Open &runs:"))
        self.resume_button.setText(_("&Resume"))
        self.scan_label.setText(_("S&can:"))
        self.scan_field.setPlaceholderText(_("Scan or type, then Enter"))
        self.pass_button.setText(_("PASS"))
        self.fail_button.setText(_("FAIL"))
        self.note_field.setPlaceholderText(_("Note (optional)"))
        self.user_field.setPlaceholderText(_("User name"))
        self.password_field.setPlaceholderText(_("Password"))
        self.sign_button.setText(_("Si&gn"))
        self.skip_field.setPlaceholderText(_("Reason to end the wait early"))
        self.skip_button.setText(_("End wait &early"))
        self.lanes_label.setText(_("Samples in this run:"))
        names = {
            self.workflow_combo: _("Workflow to run"),
            self.samples_field: _("Samples for the run"),
            self.start_button: _("Start run"),
            self.runs_combo: _("Open runs"),
            self.resume_button: _("Resume run"),
            self.scan_field: _("Scan field"),
            self.pass_button: _("Pass"),
            self.fail_button: _("Fail"),
            self.note_field: _("Decision note"),
            self.user_field: _("Signer user name"),
            self.password_field: _("Signer password"),
            self.sign_button: _("Sign"),
            self.skip_field: _("Reason to end the wait early"),
            self.skip_button: _("End wait early"),
            self.lanes: _("Samples in this run"),
            self.feedback: _("Step result"),
            self.instruction: _("Instruction"),
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)
        self.show_run(self.view)

    # -- choosing a run ----------------------------------------------------------------------------
    def reload_choices(self) -> None:
        summaries = [s for s in self.service.workflows() if s.published_version]
        if not summaries:
            self.service.install_examples()
            summaries = [s for s in self.service.workflows() if s.published_version]
        self.workflow_combo.clear()
        for summary in summaries:
            self.workflow_combo.addItem(f"{summary.title} (v{summary.published_version})", summary.name)
        self.runs_combo.clear()
        for run in self.service.runs(active_only=True):
            self.runs_combo.addItem(
                _("Run {id}: {title}, {samples}").format(
                    id=run.id, title=run.title, samples=", ".join(lane.barcode for lane in run.lanes)
                ),
                run.id,
            )
        self.resume_button.setEnabled(self.runs_combo.count() > 0)

    def start(self, workflow: str, samples: Sequence[str]) -> RunView | None:
        try:
            view = self.service.start(workflow, list(samples))
        except DomainError as error:
            self.show_feedback("error", str(error))
            return None
        self.show_run(view)
        self.show_feedback("ok", _("Run {id} started.").format(id=view.id))
        self.reload_choices()
        return view

    def resume(self, run_id: int) -> RunView | None:
        try:
            view = self.service.advance(run_id)
        except DomainError as error:
            self.show_feedback("error", str(error))
            return None
        self.show_run(view)
        return view

    @Slot()
    def _on_start_clicked(self) -> None:
        name = self.workflow_combo.currentData()
        samples = [normalise_scan(s) for s in self.samples_field.text().split(",") if s.strip()]
        if not name or not samples:
            self.show_feedback("error", _("Choose a workflow and give at least one sample."))
            return
        if self.start(str(name), samples) is not None:
            self.samples_field.clear()

    @Slot()
    def _on_resume_clicked(self) -> None:
        run_id = self.runs_combo.currentData()
        if run_id is not None:
            self.resume(int(run_id))

    # -- showing the current step -----------------------------------------------------------------------
    def show_run(self, view: RunView | None) -> None:
        self.view = view
        prompt = view.prompt if view else None
        self.lanes.clear()
        if view is not None:
            self.run_title.setText(
                _("Run {id}: {title} (version {version})").format(id=view.id, title=view.title, version=view.version)
            )
            for lane in view.lanes:
                state = {"completed": _("\u2713 completed"), "failed": _("\u2717 failed")}.get(
                    lane.outcome or "", _("at {step}").format(step=lane.step_id)
                )
                self.lanes.addItem(f"{lane.barcode}: {state}")
        else:
            self.run_title.setText(_("No run open."))
        kind = prompt.kind if prompt else None
        self.decision_row.setVisible(
            kind is StepKind.QC and any(f.name == "decision" for f in prompt.fields) if prompt else False
        )
        self.sign_row.setVisible(kind is StepKind.SIGN_OFF)
        self.skip_row.setVisible(kind is StepKind.WAIT)
        self.scan_field.setEnabled(prompt is not None and kind is not StepKind.SIGN_OFF)
        if prompt is None:
            done = view is not None and view.finished
            self.step_title.setText(_("Run complete") if done else _("Start a run"))
            self.instruction.setText(
                _("Every sample has reached the end of the workflow.")
                if done
                else _("Choose a workflow and samples above.")
            )
            self._timer.stop()
        else:
            self.step_title.setText(prompt.title)
            self.instruction.setText(self._instruction(prompt))
            self.instruction.setAccessibleDescription(self.instruction.text())
            if kind is StepKind.WAIT:
                self._timer.start()
            else:
                self._timer.stop()
            if kind is StepKind.SIGN_OFF:
                self.user_field.setFocus()
            else:
                self.scan_field.setFocus()
        self.run_changed.emit(view)

    def _instruction(self, prompt: Prompt) -> str:
        text = prompt.instruction
        if prompt.kind is StepKind.WAIT and prompt.wait_until is not None:
            text += "\n" + _("Until {time}.").format(time=format_datetime(prompt.wait_until, "medium"))
        if prompt.kind is StepKind.SIGN_OFF and prompt.meaning:
            text += "\n" + _("Your signature means: {meaning}.").format(
                meaning=_(MEANING_TITLES.get(prompt.meaning, prompt.meaning))
            )
        return text

    def show_feedback(self, kind: str, message: str) -> None:
        background, foreground, symbol = FEEDBACK_STYLES.get(kind, FEEDBACK_STYLES["info"])
        self.feedback.setText(f"{symbol} {message}")
        self.feedback.setStyleSheet(f"QLabel {{ background: {background}; color: {foreground}; padding: 6px; }}")
        self.feedback.setAccessibleDescription(message)

    # -- answering ------------------------------------------------------------------------------------------
    def _submit(self, inputs: dict[str, Any]) -> bool:
        if self.view is None or self.view.prompt is None:
            self.show_feedback("info", _("No step is waiting; start or resume a run."))
            return False
        done = self.view.prompt
        try:
            view = self.service.submit(self.view.id, inputs)
        except DomainError as error:
            self.show_feedback("error", str(error))
            return False
        self.show_feedback(
            "ok", _("{title}: done for {samples}.").format(title=done.title, samples=", ".join(done.barcodes))
        )
        self.show_run(view)
        if view.finished:
            self.reload_choices()
        return True

    @Slot(str)
    def handle_scan(self, code: str) -> None:
        """The scan answers the step's first field: the tube, the box, a reading or PASS/FAIL."""
        prompt = self.view.prompt if self.view else None
        if prompt is None:
            self.show_feedback("info", _("No step is waiting; start or resume a run."))
            return
        if prompt.kind is StepKind.WAIT:
            self.resume(self.view.id if self.view else 0)
            if self.view and self.view.prompt and self.view.prompt.kind is StepKind.WAIT:
                self.show_feedback("info", _("Still waiting."))
            return
        fields = [f for f in prompt.fields if f.required]
        if not fields:
            self._submit({})
            return
        field = fields[0]
        if field.type == "choice":
            self.decide(code.lower())
            return
        self._submit({field.name: code})

    def decide(self, decision: str) -> None:
        if decision not in ("pass", "fail"):
            self.show_feedback("error", _("Scan or choose PASS or FAIL."))
            return
        if self._submit({"decision": decision, "note": self.note_field.text()}):
            self.note_field.clear()

    @Slot()
    def _on_sign_clicked(self) -> None:
        user, password = self.user_field.text().strip(), self.password_field.text()
        self.password_field.clear()
        if not user or not password:
            self.show_feedback("error", _("Enter your user name and password to sign."))
            return
        self._submit({"user": user, "password": password})

    @Slot()
    def _on_skip_clicked(self) -> None:
        reason = self.skip_field.text().strip()
        if not reason:
            self.show_feedback("error", _("Give a reason to end the wait early."))
            return
        if self._submit({"skip_reason": reason}):
            self.skip_field.clear()

    @Slot()
    def _on_timer_timeout(self) -> None:
        prompt = self.view.prompt if self.view else None
        if prompt is None or prompt.kind is not StepKind.WAIT or prompt.wait_until is None:
            self._timer.stop()
            return
        if self._clock() >= prompt.wait_until and self.view is not None:
            self.resume(self.view.id)

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        super().closeEvent(event)
