"""CSV import and export from the File menu run on a worker and report in words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from tracseq_desktop.services.facade import Services
from ui.accessibility import contrast_problems, unnamed_controls
from ui.transfer import ImportResultDialog, start_export, start_import
from ui.window import MainWindow


def _result_dialog() -> ImportResultDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ImportResultDialog) and widget.isVisible():
            return widget
    return None


def test_import_from_the_window_adds_samples(qtbot, window: MainWindow, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.csv"
    path.write_text("barcode,type,volume_ul,box,position\nIMP-1,plasma,500,B-0002,H12\nIMP-2,serum,250,B-0002,\n")
    start_import(services, window.tasks, window, path)
    qtbot.waitUntil(lambda: _result_dialog() is not None, timeout=10_000)
    dialog = _result_dialog()
    assert dialog is not None
    assert "Imported 2 samples" in dialog.summary.text()
    dialog.close()
    assert services.queries.get("IMP-1").where == "B-0002:H12"
    assert services.queries.history("IMP-2")[0].actor == "tester"


def test_a_bad_file_lists_every_problem_and_imports_nothing(
    qtbot, window: MainWindow, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    before = services.queries.statistics()
    path = tmp_path / "bad.csv"
    path.write_text("barcode,type,box,position\nOK-1,plasma,B-0002,H1\nBAD-1,plasma,B-0001,A1\nBAD-2,nonsense,,\n")
    start_import(services, window.tasks, window, path)
    qtbot.waitUntil(lambda: _result_dialog() is not None, timeout=10_000)
    dialog = _result_dialog()
    assert dialog is not None
    assert "nothing was imported" in dialog.summary.text()
    text = dialog.details.toPlainText()
    assert "line 3: Position A1 in B-0001 is taken by TS-000001" in text
    assert "line 4: Unknown sample type" in text
    assert unnamed_controls(dialog) == []
    assert contrast_problems(dialog) == []
    dialog.close()
    assert services.queries.statistics() == before


def test_export_writes_every_sample(qtbot, window: MainWindow, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "out.csv"
    start_export(services, window.tasks, window, path)
    qtbot.waitUntil(lambda: path.exists() and not window.tasks.busy, timeout=10_000)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("barcode,type")
    assert len(lines) - 1 == services.queries.statistics()["samples"]
