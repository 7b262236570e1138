"""Driving the bench runner as a technician does: keys and clicks, then waiting for the worker to finish."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.workflows.runner import RunnerWindow

#: Milliseconds a step may take on a loaded machine before a test gives up on it.
STEP_TIMEOUT_MS = 10_000


def settle(qtbot, runner: RunnerWindow) -> None:  # type: ignore[no-untyped-def]
    """Wait (processing events) until the runner's job, if any, has ended and its result is shown."""
    qtbot.waitUntil(lambda: not runner.busy, timeout=STEP_TIMEOUT_MS)


def scan(qtbot, runner: RunnerWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(runner.scan_field, text)
    qtbot.keyClick(runner.scan_field, Qt.Key.Key_Return)
    settle(qtbot, runner)


def enter_signature(qtbot, runner: RunnerWindow, password: str, user: str = "alice") -> None:  # type: ignore[no-untyped-def]
    """Type the signature and press Enter in the password field; does not wait for the check."""
    assert runner.sign_row.isVisible()
    runner.user_field.clear()
    qtbot.keyClicks(runner.user_field, user)
    qtbot.keyClick(runner.user_field, Qt.Key.Key_Return)  # Enter moves on to the password
    assert runner.focusWidget() is runner.password_field
    qtbot.keyClicks(runner.password_field, password)
    qtbot.keyClick(runner.password_field, Qt.Key.Key_Return)


def sign(qtbot, runner: RunnerWindow, password: str) -> None:  # type: ignore[no-untyped-def]
    enter_signature(qtbot, runner, password)
    settle(qtbot, runner)


def start(qtbot, runner: RunnerWindow, workflow: str, samples: str) -> None:  # type: ignore[no-untyped-def]
    runner.workflow_combo.setCurrentIndex(runner.workflow_combo.findData(workflow))
    qtbot.keyClicks(runner.samples_field, samples)
    qtbot.mouseClick(runner.start_button, Qt.MouseButton.LeftButton)
    settle(qtbot, runner)
    assert runner.view is not None and runner.view.workflow == workflow
