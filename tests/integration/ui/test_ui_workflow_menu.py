"""The Workflows menu opens the runner (with the selected sample) and the designer."""

from __future__ import annotations

from ui.window import MainWindow


def test_workflow_menu_opens_runner_and_designer(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.scan_panel.field.setText("TS-000013")
    window.scan_panel.field.returnPressed.emit()
    window.actions_["workflow_runner"].trigger()
    window.actions_["workflow_designer"].trigger()
    runner, designer = window._workflow_windows  # the window keeps them to close them on exit
    qtbot.waitUntil(lambda: runner.isVisible() and designer.isVisible(), timeout=5_000)
    assert "TS-000013" in runner.samples_field.text()
    window.close()
    assert not runner.isVisible() and not designer.isVisible()
