"""The bench runner: one step at a time in large type, driven by the scan field.

The scan field answers whatever the current step asks (the tube, the box, a
reading, PASS or FAIL); a sign-off asks for the signer's user name and password.
Steps that need nobody run on their own. The run lives in the database, so closing
the window or the app loses nothing: "Resume" picks it up where it stopped.

Every call that writes (start, resume, a step, a signature with its scrypt check) runs
on the window's own one-thread :class:`~ui.tasks.TaskRunner`, one at a time: while it
runs, the controls that would start another are off, the busy row says what is being
done, and the result or the refusal comes back in words. The GUI thread uses the
service only for quick reads and only while no job runs, so the service is never used
from two threads at once. A step is one transaction: a refusal or a failure leaves
nothing half-done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

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
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _, format_datetime
from tracseq_desktop.services.facade import Services
from tracseq_desktop.workflows.model import MEANING_TITLES, StepKind
from tracseq_desktop.workflows.service import WorkflowService
from tracseq_desktop.workflows.views import Prompt, RunView
from ui.scanning import normalise_scan
from ui.scanpanel import FEEDBACK_STYLES, ScanField
from ui.tasks import TaskHandle, TaskRunner

T = TypeVar("T")


def _big(widget: QWidget, points: int, bold: bool = False) -> None:
    font = QFont(widget.font())
    font.setPointSize(points)
    font.setBold(bold)
    widget.setFont(font)


class RunnerWindow(QWidget):
    """``run_changed(RunView | None)`` after each shown state; ``busy_changed(bool)`` when a job starts or ends."""

    run_changed = Signal(object)  #: RunView
    busy_changed = Signal(bool)

    def __init__(
        self, services: Services, parent: QWidget | None = None, *, service: WorkflowService | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.service = service if service is not None else WorkflowService(services)
        self._clock = services.runner.clock
        self.view: RunView | None = None
        # One thread: jobs of this window never overlap, and the service is never used by two threads at once.
        self._tasks = TaskRunner(self, max_threads=1)
        self._job: TaskHandle | None = None
        self._focus_before_job: QWidget | None = None
        self._examples_tried = False
        self._make_start_box()
        self._make_step_controls()
        self._make_busy_row()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._layout()
        self._wire()
        self.retranslate()
        self.show_run(None)
        self.reload_choices()
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

    def _make_busy_row(self) -> None:
        self.busy_label = QLabel(self)
        self.busy_label.setWordWrap(True)
        _big(self.busy_label, 14, bold=True)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)  # no steps to count: a moving bar while the job runs
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(220)
        for widget in (self.busy_label, self.busy_bar):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # the steps below do not jump when a job starts
            widget.setSizePolicy(policy)
            widget.hide()

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
        busy = QHBoxLayout()
        busy.addWidget(self.busy_bar)
        busy.addWidget(self.busy_label, 1)
        layout.addLayout(busy)
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
            self.busy_label: _("Work in progress"),
            self.busy_bar: _("Work in progress"),
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)
        self.show_run(self.view)

    # -- choosing a run ----------------------------------------------------------------------------
    def reload_choices(self) -> None:
        """Fill the workflow and open-run lists (quick reads); a database without workflows gets the examples."""
        summaries = [s for s in self.service.workflows() if s.published_version]
        if not summaries and not self._examples_tried:
            self._examples_tried = True
            self._run_job(
                _("Installing the example workflows\u2026"),
                self.service.install_examples,
                lambda _installed: self.reload_choices(),
            )
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
        self.resume_button.setEnabled(self.runs_combo.count() > 0 and not self.busy)

    def start(self, workflow: str, samples: Sequence[str]) -> bool:
        """Start a run on a worker; False (nothing started) while another job runs."""
        codes = list(samples)

        def started(view: RunView) -> None:
            self.samples_field.clear()
            self.show_run(view)
            self.show_feedback("ok", _("Run {id} started.").format(id=view.id))
            self.reload_choices()

        return self._run_job(_("Starting the run\u2026"), lambda: self.service.start(workflow, codes), started)

    def resume(self, run_id: int, then: Callable[[RunView], None] | None = None, *, status: str = "") -> bool:
        """Open the run and do the steps that need nobody, on a worker; ``then(view)`` after it is shown."""

        def resumed(view: RunView) -> None:
            self.show_run(view)
            if then is not None:
                then(view)

        status = status or _("Opening run {id}\u2026").format(id=run_id)
        return self._run_job(status, lambda: self.service.advance(run_id), resumed)

    @Slot()
    def _on_start_clicked(self) -> None:
        if self.busy:
            return
        name = self.workflow_combo.currentData()
        samples = [normalise_scan(s) for s in self.samples_field.text().split(",") if s.strip()]
        if not name or not samples:
            self.show_feedback("error", _("Choose a workflow and give at least one sample."))
            return
        self.start(str(name), samples)

    @Slot()
    def _on_resume_clicked(self) -> None:
        run_id = self.runs_combo.currentData()
        if run_id is not None and not self.busy:
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
    def _submit(
        self,
        inputs: dict[str, Any],
        status: str,
        then: Callable[[], None] | None = None,
        refused: Callable[[str], None] | None = None,
    ) -> bool:
        """Do the current step with ``inputs`` on a worker; ``then()`` after success, ``refused(message)`` after not."""
        if self.busy:
            return False
        if self.view is None or self.view.prompt is None:
            self.show_feedback("info", _("No step is waiting; start or resume a run."))
            return False
        done, run_id = self.view.prompt, self.view.id

        def submitted(view: RunView) -> None:
            self.show_feedback(
                "ok", _("{title}: done for {samples}.").format(title=done.title, samples=", ".join(done.barcodes))
            )
            self.show_run(view)
            if view.finished:
                self.reload_choices()
            if then is not None:
                then()

        return self._run_job(status, lambda: self.service.submit(run_id, inputs), submitted, refused)

    @Slot(str)
    def handle_scan(self, code: str) -> None:
        """The scan answers the step's first field: the tube, the box, a reading or PASS/FAIL."""
        if self.busy:
            return
        prompt = self.view.prompt if self.view else None
        if prompt is None or self.view is None:
            self.show_feedback("info", _("No step is waiting; start or resume a run."))
            return
        if prompt.kind is StepKind.WAIT:
            self.resume(self.view.id, self._after_wait_scan, status=_("Checking the timer\u2026"))
            return
        fields = [f for f in prompt.fields if f.required]
        if not fields:
            self._submit({}, _("Recording the step\u2026"))
            return
        field = fields[0]
        if field.type == "choice":
            self.decide(code.lower())
            return
        self._submit({field.name: code}, _("Recording the step\u2026"))

    def _after_wait_scan(self, view: RunView) -> None:
        if view.prompt is not None and view.prompt.kind is StepKind.WAIT:
            self.show_feedback("info", _("Still waiting."))

    def decide(self, decision: str) -> None:
        if self.busy:
            return
        if decision not in ("pass", "fail"):
            self.show_feedback("error", _("Scan or choose PASS or FAIL."))
            return
        self._submit(
            {"decision": decision, "note": self.note_field.text()},
            _("Recording the decision\u2026"),
            then=self.note_field.clear,
        )

    @Slot()
    def _on_sign_clicked(self) -> None:
        if self.busy:
            return  # a second click or Enter while the first signature is checked
        user, password = self.user_field.text().strip(), self.password_field.text()
        self.password_field.clear()
        if not user or not password:
            self.show_feedback("error", _("Enter your user name and password to sign."))
            return
        self._submit(
            {"user": user, "password": password},
            _("Checking the signature\u2026"),
            refused=lambda _message: self.password_field.setFocus(Qt.FocusReason.OtherFocusReason),
        )

    @Slot()
    def _on_skip_clicked(self) -> None:
        if self.busy:
            return
        reason = self.skip_field.text().strip()
        if not reason:
            self.show_feedback("error", _("Give a reason to end the wait early."))
            return
        self._submit({"skip_reason": reason}, _("Recording the step\u2026"), then=self.skip_field.clear)

    @Slot()
    def _on_timer_timeout(self) -> None:
        prompt = self.view.prompt if self.view else None
        if prompt is None or prompt.kind is not StepKind.WAIT or prompt.wait_until is None:
            self._timer.stop()
            return
        if self._clock() >= prompt.wait_until and self.view is not None and not self.busy:
            self.resume(self.view.id, status=_("The wait is over; continuing the run\u2026"))

    # -- jobs -----------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A job of this window is running: the controls that would start another are off."""
        return self._job is not None

    def _run_job(
        self,
        status: str,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[str], None] | None = None,
    ) -> bool:
        """Run ``work`` (one service call) on the worker; False, and nothing done, while another job runs.

        ``done(result)`` or, after the error is shown in the feedback line, ``failed(message)`` run
        on the GUI thread once the controls are back.
        """
        if self._job is not None:
            return False

        def succeeded(result: Any) -> None:
            self._set_busy(None)
            done(result)

        def refused(message: str) -> None:
            self._set_busy(None)
            self.show_feedback("error", message)
            if failed is not None:
                failed(message)

        self._set_busy(status)
        self._job = self._tasks.submit(status, lambda _state: work(), succeeded, refused)
        return True

    def _set_busy(self, status: str | None) -> None:
        """Show ``status`` and turn off what would start another job; ``None``: the job has ended."""
        busy = status is not None
        if busy:
            focused = self.focusWidget()
            self._focus_before_job = focused if focused is not None and self.isAncestorOf(focused) else None
        else:
            self._job = None
        for button in (self.start_button, self.pass_button, self.fail_button, self.sign_button, self.skip_button):
            button.setEnabled(not busy)
        self.resume_button.setEnabled(not busy and self.runs_combo.count() > 0)
        # Read-only rather than disabled: the focus (and a screen reader's place) stays in the field.
        for field in (
            self.samples_field,
            self.scan_field,
            self.note_field,
            self.user_field,
            self.password_field,
            self.skip_field,
        ):
            field.setReadOnly(busy)
        self.busy_label.setText(status or "")
        self.busy_label.setAccessibleDescription(status or "")
        self.busy_label.setVisible(busy)
        self.busy_bar.setVisible(busy)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()
            before = self._focus_before_job
            self._focus_before_job = None
            if before is not None and before.isVisible() and before.isEnabled() and self.focusWidget() is not before:
                before.setFocus(Qt.FocusReason.OtherFocusReason)  # a button turned off took the focus away
        self.busy_changed.emit(busy)

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        # A step that has begun ends as one transaction (at most a moment); its result is dropped.
        self._tasks.shutdown()
        super().closeEvent(event)
