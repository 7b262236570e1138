"""Workflow designer and bench runner windows; the main window opens them through these two functions."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from tracseq_desktop.services.facade import Services


def open_designer(parent: QWidget | None, services: Services, *, workflow: str | None = None) -> QWidget:
    """A designer window (shown); ``workflow``: the stored workflow to open, else a new one."""
    from ui.workflows.designer import DesignerWindow

    window = DesignerWindow(services, parent)
    if workflow:
        window.open_stored(workflow)
    window.show()
    return window


def open_runner(
    parent: QWidget | None,
    services: Services,
    *,
    run_id: int | None = None,
    workflow: str | None = None,
    samples: Sequence[str] = (),
) -> QWidget:
    """A runner window (shown): resumes ``run_id``, or starts ``workflow`` on ``samples``, or lets the user choose."""
    from ui.workflows.runner import RunnerWindow

    window = RunnerWindow(services, parent)
    if run_id is not None:
        window.resume(run_id)
    elif workflow and samples:
        window.start(workflow, samples)
    window.show()
    return window
