"""The designer with pytest-qt: add, connect by dragging, undo/redo, copy/paste, keyboard, save and publish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QWidget

from tracseq_desktop.services.facade import Services
from tracseq_desktop.workflows.model import StepKind
from tracseq_desktop.workflows.serial import from_json
from tracseq_desktop.workflows.service import WorkflowService, examples_dir
from ui.accessibility import unnamed_controls
from ui.workflows import open_designer
from ui.workflows.designer import DesignerWindow


@pytest.fixture
def designer(qtbot, services: Services) -> Iterator[DesignerWindow]:  # type: ignore[no-untyped-def]
    window = open_designer(None, services)
    assert isinstance(window, DesignerWindow)
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    yield window
    window.close()


def _drag_connect(qtbot, window: DesignerWindow, source: str, port: str, target: str) -> None:  # type: ignore[no-untyped-def]
    view = window.view
    start = view.mapFromScene(window.scene.nodes[source].output_points()[port])
    end = view.mapFromScene(window.scene.nodes[target].sceneBoundingRect().center())
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), pos=(start + end) / 2)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)


def test_add_connect_undo_save_and_publish(qtbot, designer: DesignerWindow, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = designer
    assert [s.id for s in window.workflow.steps] == ["start", "end"]
    assert any(p.code == "unconnected_port" for p in window.document.problems)
    window.palette_list.setCurrentRow(list(StepKind).index(StepKind.CHECK_OUT))
    window.add_button.click()
    out_id = window.workflow.steps[-1].id
    assert window.workflow.step(out_id).kind is StepKind.CHECK_OUT
    window.view.fit()
    qtbot.wait(10)
    _drag_connect(qtbot, window, "start", "next", out_id)
    assert window.workflow.edge_from("start", "next") is not None
    _drag_connect(qtbot, window, out_id, "next", "end")
    assert window.workflow.edge_from(out_id, "next") is not None
    # the check-out still lacks its reason: shown on the node and in the list, save as draft but not publish
    assert [p.code for p in window.document.problems] == ["missing_param"]
    assert window.scene.nodes[out_id].problems
    assert window.save(publish=False)
    assert not window.save(publish=True)
    window.actions_["undo"].trigger()
    assert window.workflow.edge_from(out_id, "next") is None
    window.actions_["redo"].trigger()
    assert window.workflow.edge_from(out_id, "next") is not None
    window._select(out_id)
    reason = window.properties.fields["reason"]
    reason.setFocus()
    qtbot.keyClicks(reason, "assay")
    qtbot.keyClick(reason, Qt.Key.Key_Return)
    assert window.workflow.step(out_id).params["reason"] == "assay"
    assert window.document.problems == []
    window.name_field.setText("assay-pull")
    window.name_field.editingFinished.emit()
    assert window.save(publish=True)
    stored, info = WorkflowService(services).load("assay-pull")
    assert info.published and info.version == 1
    assert stored == window.workflow


def test_keyboard_outline_copy_paste_layout(qtbot, designer: DesignerWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = designer
    assert window.open_file(examples_dir() / "box-retrieval.json")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_PageDown)
    first = window.scene.selected_ids()
    assert first == ["start"]
    x0 = window.workflow.step("start").x
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert window.workflow.step("start").x == x0 + 20
    window.document.undo_stack.undo()  # two nudges merged into one command
    assert window.workflow.step("start").x == x0
    # the outline lists the steps in run order, in words, and selecting one edits it
    model = window.outline_model
    assert model.rowCount() == 6
    assert "Pick the tube" in model.describe(1) and "\u2192 Pack into the shipping box" in model.describe(1)
    window.outline.setCurrentIndex(model.index(2))
    assert window.properties.fields["id"].text() == "pack"  # type: ignore[attr-defined]
    # connecting from the property editor (the keyboard way)
    combo = window.properties.port_targets["next"]
    combo.setCurrentIndex(combo.findData("done"))
    assert window.workflow.edge_from("pack", "next").target == "done"  # type: ignore[union-attr]
    assert any(p.code == "unreachable" for p in window.document.problems)
    window.document.undo_stack.undo()
    assert window.document.problems == []
    window.scene.select_ids(["pick", "pack"])
    window.copy_selection()
    window.paste()
    ids = [s.id for s in window.workflow.steps]
    assert len(ids) == 8 and set(window.scene.selected_ids()) == set(ids[-2:])
    assert window.workflow.edge_from(ids[-2], "next").target == ids[-1]  # type: ignore[union-attr]
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert len(window.workflow.steps) == 6
    window.auto_layout()
    xs = [window.workflow.step(i).x for i in ("start", "pick", "pack", "ship", "approve", "done")]
    assert xs == sorted(xs) and len(set(xs)) == 6
    zoom = window.view.zoom_level()
    qtbot.keyClick(window.view, Qt.Key.Key_Plus)
    assert window.view.zoom_level() > zoom
    out = tmp_path / "exported.json"
    window.export_file(out)
    assert from_json(out.read_text(encoding="utf-8")) == window.workflow


def test_examples_open_valid_with_named_controls(qtbot, designer: DesignerWindow, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    for path in sorted(examples_dir().glob("*.json")):
        assert designer.open_file(path)
        assert designer.document.problems == [], path.name
        assert len(designer.scene.nodes) == len(designer.workflow.steps)
        assert len(designer.scene.edge_items()) == len(designer.workflow.edges)
        designer._select(designer.workflow.steps[2].id)
        assert unnamed_controls(designer) == []
    qtmodeltester.check(designer.outline_model)


def test_drop_from_palette_adds_at_the_drop_point(designer: DesignerWindow) -> None:
    before = len(designer.workflow.steps)
    designer.scene.kind_dropped.emit("wait", QPointF(301, 199))
    step = designer.workflow.steps[-1]
    assert len(designer.workflow.steps) == before + 1
    assert (step.kind, step.x, step.y) == (StepKind.WAIT, 300, 200)
    assert isinstance(designer, QWidget)
