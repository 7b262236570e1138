"""The runner's writes run on a worker: the signature's scrypt check leaves the GUI thread free.

The service here is the real one, in a thin subclass that records the thread each step runs
on and can hold the worker at a gate, so the busy state can be looked at while it lasts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer

from tracseq_desktop.services.facade import Services
from tracseq_desktop.workflows.model import StepKind
from tracseq_desktop.workflows.service import WorkflowService
from tracseq_desktop.workflows.views import RunStatus, RunView
from ui.accessibility import unnamed_controls
from ui.workflows.runner import RunnerWindow

from .conftest import PASSWORD
from .driving import STEP_TIMEOUT_MS, enter_signature, scan, settle, start

SHOTS = Path("/tmp/tracseq-runner-shots")


class WatchedService(WorkflowService):
    """The real workflow service; ``submit`` notes its thread and waits at ``gate`` before doing the step."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.submit_threads: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def submit(self, run_id: int, inputs: Mapping[str, Any] | None = None) -> RunView:
        self.submit_threads.append(threading.get_ident())
        self.entered.set()
        if not self.gate.wait(STEP_TIMEOUT_MS / 1000):
            raise TimeoutError("the test never opened the gate")
        return super().submit(run_id, inputs)


@pytest.fixture
def watched(services: Services) -> WatchedService:
    return WatchedService(services)


@pytest.fixture
def runner(qtbot, services: Services, watched: WatchedService) -> Iterator[RunnerWindow]:  # type: ignore[no-untyped-def]
    window = RunnerWindow(services, service=watched)
    # pytest-qt closes the window before fixtures are torn down, and closing waits for the job:
    # open the gate first, so a failed test does not leave the worker waiting.
    qtbot.addWidget(window, before_close_func=lambda _window: watched.gate.set())
    window.show()
    qtbot.waitExposed(window)
    yield window
    watched.gate.set()
    window.close()


def _at_sign_off(qtbot, runner: RunnerWindow) -> RunView:  # type: ignore[no-untyped-def]
    start(qtbot, runner, "sample-receipt", "TS-003")
    scan(qtbot, runner, "TS-003")
    scan(qtbot, runner, "PASS")
    scan(qtbot, runner, "BOX-B")
    view = runner.view
    assert view is not None and view.prompt is not None and view.prompt.kind is StepKind.SIGN_OFF
    return view


def _held(qtbot, runner: RunnerWindow, watched: WatchedService) -> None:  # type: ignore[no-untyped-def]
    """Wait until the worker is inside ``submit``, held at the gate."""
    qtbot.waitUntil(watched.entered.is_set, timeout=STEP_TIMEOUT_MS)
    assert runner.busy


def test_the_signature_is_checked_on_a_worker_and_the_window_stays_responsive(  # type: ignore[no-untyped-def]
    qtbot, runner: RunnerWindow, services: Services, watched: WatchedService
) -> None:
    view = _at_sign_off(qtbot, runner)
    gui_thread = threading.get_ident()
    assert watched.submit_threads and set(watched.submit_threads) != {gui_thread}
    watched.submit_threads.clear()
    watched.entered.clear()
    watched.gate.clear()
    enter_signature(qtbot, runner, PASSWORD)
    _held(qtbot, runner, watched)

    # The GUI thread goes on processing events while the worker holds the step.
    ticks: list[bool] = []
    QTimer.singleShot(20, lambda: ticks.append(runner.busy))
    qtbot.waitUntil(lambda: bool(ticks), timeout=2_000)
    assert ticks == [True]
    # Busy: said in words, with an accessible name; nothing that would start another job is on.
    assert runner.busy_label.isVisible() and runner.busy_bar.isVisible()
    assert runner.busy_label.text() == "Checking the signature\u2026"
    assert runner.busy_label.accessibleName() == "Work in progress"
    assert runner.busy_label.accessibleDescription() == runner.busy_label.text()
    for button in (runner.sign_button, runner.start_button, runner.resume_button):
        assert not button.isEnabled()
    assert runner.password_field.isReadOnly() and runner.user_field.isReadOnly()
    assert runner.focusWidget() is runner.password_field  # the keyboard's place is kept
    assert unnamed_controls(runner) == []
    SHOTS.mkdir(exist_ok=True)
    assert runner.grab().save(str(SHOTS / "runner-busy.png"))
    assert WorkflowService(services).run(view.id).status is RunStatus.ACTIVE  # nothing written yet

    watched.gate.set()
    settle(qtbot, runner)
    assert len(watched.submit_threads) == 1 and watched.submit_threads[0] != gui_thread
    assert runner.view is not None and runner.view.status is RunStatus.COMPLETED
    assert not runner.busy_label.isVisible() and runner.start_button.isEnabled()
    assert not runner.password_field.isReadOnly()
    assert "Sign the receipt: done for TS-003" in runner.feedback.text()
    assert WorkflowService(services).run(view.id).status is RunStatus.COMPLETED
    assert runner.grab().save(str(SHOTS / "runner-done.png"))


def test_a_wrong_password_shows_the_error_and_records_nothing(  # type: ignore[no-untyped-def]
    qtbot, runner: RunnerWindow, services: Services, watched: WatchedService
) -> None:
    view = _at_sign_off(qtbot, runner)
    flows = WorkflowService(services)
    results_before = flows.run(view.id).results
    audit_before = len(services.queries._history("workflow_run", str(view.id)))
    enter_signature(qtbot, runner, "not-the-password")
    settle(qtbot, runner)
    # The refusal itself is audited (who tried, never the password); no signature, no step result.
    new_entries = services.queries._history("workflow_run", str(view.id))[audit_before:]
    assert [e.action for e in new_entries] == ["workflow_step_refused"]
    assert "not-the-password" not in repr(new_entries[0].after)
    assert "\u2717" in runner.feedback.text() and "nothing was signed" in runner.feedback.text()
    assert runner.feedback.accessibleDescription() == "The user name or password is wrong; nothing was signed."
    after = flows.run(view.id)
    assert after.results == results_before  # no step result, no signature
    assert after.status is RunStatus.ACTIVE and after.prompt is not None and after.prompt.kind is StepKind.SIGN_OFF
    assert runner.view is not None and runner.view.prompt is not None and runner.view.prompt.kind is StepKind.SIGN_OFF
    # Ready for another try, from the keyboard: the field is empty, writable and has the focus.
    assert runner.password_field.text() == "" and not runner.password_field.isReadOnly()
    assert runner.sign_button.isEnabled() and not runner.busy_label.isVisible()
    assert runner.focusWidget() is runner.password_field
    enter_signature(qtbot, runner, PASSWORD)
    settle(qtbot, runner)
    assert flows.run(view.id).status is RunStatus.COMPLETED


def test_double_clicking_sign_submits_once(  # type: ignore[no-untyped-def]
    qtbot, runner: RunnerWindow, services: Services, watched: WatchedService
) -> None:
    view = _at_sign_off(qtbot, runner)
    watched.submit_threads.clear()
    watched.entered.clear()
    watched.gate.clear()
    runner.user_field.setText("alice")
    runner.password_field.setText(PASSWORD)
    qtbot.mouseClick(runner.sign_button, Qt.MouseButton.LeftButton)
    qtbot.mouseDClick(runner.sign_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(runner.sign_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(runner.password_field, Qt.Key.Key_Return)
    _held(qtbot, runner, watched)
    qtbot.wait(50)  # any second submission would have been queued by now
    watched.gate.set()
    settle(qtbot, runner)
    assert len(watched.submit_threads) == 1
    results = WorkflowService(services).run(view.id).results
    assert [r.step_id for r in results].count("receipt") == 1
    assert runner.view is not None and runner.view.status is RunStatus.COMPLETED
    assert "Sign the receipt: done for TS-003" in runner.feedback.text()
