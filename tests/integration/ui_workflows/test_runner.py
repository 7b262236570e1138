"""The bench runner with pytest-qt: the three examples run to completion, driven by the scan field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tracseq_desktop.services.facade import Services
from tracseq_desktop.workflows.model import StepKind
from tracseq_desktop.workflows.service import WorkflowService
from tracseq_desktop.workflows.views import RunStatus
from ui.accessibility import unnamed_controls
from ui.workflows import open_runner
from ui.workflows.runner import RunnerWindow

from .conftest import PASSWORD
from .driving import scan, settle, sign, start


@pytest.fixture
def runner(qtbot, services: Services) -> Iterator[RunnerWindow]:  # type: ignore[no-untyped-def]
    window = open_runner(None, services)
    assert isinstance(window, RunnerWindow)
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    yield window
    window.close()


def test_sample_receipt_from_the_gui(qtbot, runner: RunnerWindow) -> None:  # type: ignore[no-untyped-def]
    assert unnamed_controls(runner) == []
    start(qtbot, runner, "sample-receipt", "ts-003")
    assert runner.step_title.text() == "Scan the arriving tube"
    scan(qtbot, runner, "TS-001")  # the wrong tube
    assert "TS-003" in runner.feedback.text() and "\u2717" in runner.feedback.text()
    scan(qtbot, runner, "ts-003")
    assert runner.decision_row.isVisible()
    scan(qtbot, runner, "PASS")
    assert "scan the box" in runner.instruction.text()
    scan(qtbot, runner, "BOX-B")
    assert runner.view is not None and runner.view.prompt is not None
    assert runner.view.prompt.kind is StepKind.SIGN_OFF and not runner.scan_field.isEnabled()
    assert unnamed_controls(runner) == []
    sign(qtbot, runner, "wrong-one")
    assert "nothing was signed" in runner.feedback.text()
    sign(qtbot, runner, PASSWORD)
    assert runner.view.status is RunStatus.COMPLETED
    assert runner.step_title.text() == "Run complete"


def test_aliquoting_with_a_retry_from_the_gui(qtbot, runner: RunnerWindow, services: Services) -> None:  # type: ignore[no-untyped-def]
    start(qtbot, runner, "aliquoting", "TS-001")
    scan(qtbot, runner, "TS-001")
    assert runner.skip_row.isVisible() and "Until" in runner.instruction.text()
    scan(qtbot, runner, "anything")  # a scan during the wait only checks the timer
    assert "Still waiting." in runner.feedback.text()
    assert runner.view is not None and runner.view.prompt is not None and runner.view.prompt.kind is StepKind.WAIT
    qtbot.keyClicks(runner.skip_field, "thawed on arrival")
    qtbot.mouseClick(runner.skip_button, Qt.MouseButton.LeftButton)
    settle(qtbot, runner)
    scan(qtbot, runner, "4,5")  # below the passing 10: the reading is asked again
    assert runner.view.prompt is not None and runner.view.prompt.step_id == "measure"
    scan(qtbot, runner, "48")
    scan(qtbot, runner, "BOX-B")
    sign(qtbot, runner, PASSWORD)
    assert runner.view.status is RunStatus.COMPLETED
    results = WorkflowService(services).run(runner.view.id).results
    assert [r.outcome for r in results if r.step_id == "qc"] == ["fail", "pass"]
    assert len(services.queries.lineage("TS-001")[1]) == 4


def test_box_retrieval_resumed_in_a_new_window(qtbot, runner: RunnerWindow, services: Services) -> None:  # type: ignore[no-untyped-def]
    start(qtbot, runner, "box-retrieval", "TS-001, TS-002")
    scan(qtbot, runner, "TS-001")
    run_id = runner.view.id if runner.view else 0
    runner.close()  # the technician closes the window mid-run
    again = open_runner(None, services)
    assert isinstance(again, RunnerWindow)
    qtbot.addWidget(again)
    try:
        assert again.runs_combo.findData(run_id) >= 0
        again.runs_combo.setCurrentIndex(again.runs_combo.findData(run_id))
        qtbot.mouseClick(again.resume_button, Qt.MouseButton.LeftButton)
        settle(qtbot, again)
        assert again.view is not None and again.view.prompt is not None
        assert again.view.prompt.barcodes == ("TS-002",)
        scan(qtbot, again, "TS-002")
        scan(qtbot, again, "BOX-B")
        scan(qtbot, again, "BOX-B")
        assert again.view.prompt is not None and again.view.prompt.barcodes == ("TS-001", "TS-002")
        sign(qtbot, again, PASSWORD)
        assert again.view.status is RunStatus.COMPLETED
        assert services.queries.get("TS-002").status.value == "checked_out"
        assert services.queries.get("TS-002").box_label == "BOX-B"
    finally:
        again.close()
