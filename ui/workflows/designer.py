"""The workflow designer window: palette, canvas, outline, property editor and the list of problems.

Every edit becomes a new immutable graph pushed on the document's undo stack; the
canvas and the outline redraw from it. Saving stores a draft version; publishing
validates first and freezes the version for runs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QPointF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.services.facade import Services
from tracseq_desktop.workflows.model import Edge, Step, StepKind, Workflow, make_step
from tracseq_desktop.workflows.serial import from_dict, from_json, to_dict, to_json
from tracseq_desktop.workflows.service import WorkflowService, examples_dir
from tracseq_desktop.workflows.validation import WorkflowInvalid
from ui.pysidefix import put_on_clipboard
from ui.workflows.document import GraphDocument
from ui.workflows.layout import auto_layout
from ui.workflows.outline import OutlineModel
from ui.workflows.properties import PROBLEM_STYLE, PropertyPanel
from ui.workflows.scene import KIND_MIME, GraphView, WorkflowScene

STEPS_MIME = "application/x-tracseq-workflow-steps"
GRID = 10.0


def blank_workflow() -> Workflow:
    return Workflow(
        "new-workflow",
        _("New workflow"),
        (make_step(StepKind.START, "start"), make_step(StepKind.END, "end", 460, 0)),
        (),
    )


class PaletteList(QListWidget):
    """Step kinds to drag onto the canvas (or press Enter to add at the centre)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        for kind in StepKind:
            item = QListWidgetItem(kind.display_name)
            item.setData(Qt.ItemDataRole.UserRole, kind.value)
            self.addItem(item)

    def retranslate(self) -> None:
        for row, kind in enumerate(StepKind):
            self.item(row).setText(kind.display_name)

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        if items:
            mime.setData(KIND_MIME, QByteArray(str(items[0].data(Qt.ItemDataRole.UserRole)).encode()))
        return mime

    def current_kind(self) -> StepKind | None:
        item = self.currentItem()
        return StepKind(item.data(Qt.ItemDataRole.UserRole)) if item else None


class DesignerWindow(QMainWindow):
    saved = Signal(object)  #: VersionInfo

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.service = WorkflowService(services)
        self.document = GraphDocument(blank_workflow(), self)
        self.scene = WorkflowScene(self)
        self.view = GraphView(self.scene, self)
        self.palette_list = PaletteList(self)
        self.outline_model = OutlineModel(self)
        self.outline = QListView(self)
        self.outline.setModel(self.outline_model)
        self.outline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.outline.setWordWrap(True)
        self.outline.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.properties = PropertyPanel(self)
        self.problem_list = QListWidget(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.name_field = QLineEdit(self)
        self.title_field = QLineEdit(self)
        self.add_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        self._current: str | None = None
        self._build()
        self._wire()
        self.retranslate()
        self._on_document_changed(self.document.workflow)
        self.resize(1400, 860)

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        self.palette_label = QLabel(left)
        self.palette_label.setBuddy(self.palette_list)
        self.outline_label = QLabel(left)
        self.outline_label.setBuddy(self.outline)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        for widget in (self.palette_label, self.palette_list, self.outline_label, self.outline):
            left_layout.addWidget(widget)
        left_layout.addLayout(buttons)
        left_layout.setStretch(1, 2)
        left_layout.setStretch(3, 3)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        self.meta_form = QFormLayout()
        self.name_label = QLabel(right)
        self.title_label = QLabel(right)
        self.name_label.setBuddy(self.name_field)
        self.title_label.setBuddy(self.title_field)
        self.meta_form.addRow(self.name_label, self.name_field)
        self.meta_form.addRow(self.title_label, self.title_field)
        right_layout.addLayout(self.meta_form)
        right_layout.addWidget(self.properties, 1)
        centre = QSplitter(Qt.Orientation.Vertical, self)
        centre.addWidget(self.view)
        bottom = QWidget(self)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.problems_label = QLabel(bottom)
        self.problems_label.setBuddy(self.problem_list)
        bottom_layout.addWidget(self.problems_label)
        bottom_layout.addWidget(self.problem_list)
        bottom_layout.addWidget(self.message)
        centre.addWidget(bottom)
        centre.setSizes([640, 160])
        main = QSplitter(Qt.Orientation.Horizontal, self)
        main.addWidget(left)
        main.addWidget(centre)
        main.addWidget(right)
        main.setSizes([250, 830, 320])
        self.setCentralWidget(main)
        self._build_actions()

    def _build_actions(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(16, 16))
        self.addToolBar(self.toolbar)
        stack = self.document.undo_stack
        self.actions_: dict[str, QAction] = {}
        specs: list[tuple[str, object, object]] = [
            ("new", QKeySequence.StandardKey.New, self.new_workflow),
            ("open", QKeySequence.StandardKey.Open, self._choose_stored),
            ("examples", None, None),
            ("import", "Ctrl+Shift+I", self._choose_import),
            ("export", "Ctrl+Shift+E", self._choose_export),
            ("save", QKeySequence.StandardKey.Save, lambda: self.save(publish=False)),
            ("publish", "Ctrl+Shift+P", lambda: self.save(publish=True)),
            ("undo", None, None),
            ("redo", None, None),
            ("copy", QKeySequence.StandardKey.Copy, self.copy_selection),
            ("paste", QKeySequence.StandardKey.Paste, self.paste),
            ("delete", QKeySequence.StandardKey.Delete, self.delete_selection),
            ("layout", "Ctrl+Shift+L", self.auto_layout),
            ("zoom_in", QKeySequence.StandardKey.ZoomIn, lambda: self.view.zoom(1.25)),
            ("zoom_out", QKeySequence.StandardKey.ZoomOut, lambda: self.view.zoom(0.8)),
            ("fit", "Ctrl+0", self.view.fit),
            ("add", "Ctrl+Shift+N", self.add_from_palette),
            ("focus_canvas", "Alt+1", self.view.setFocus),
            ("focus_outline", "Alt+2", self.outline.setFocus),
            ("focus_palette", "Alt+3", self.palette_list.setFocus),
            ("focus_properties", "Alt+4", self.properties.focus_first),
        ]
        for key, shortcut, slot in specs:
            if key == "undo":
                action = stack.createUndoAction(self)
                action.setShortcut(QKeySequence.StandardKey.Undo)
            elif key == "redo":
                action = stack.createRedoAction(self)
                action.setShortcut(QKeySequence.StandardKey.Redo)
            else:
                action = QAction(self)
                if shortcut is not None:
                    action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
                if slot is not None:
                    action.triggered.connect(lambda _checked=False, s=slot: s())
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
            self.actions_[key] = action
            if not key.startswith("focus_") and key != "add":
                self.toolbar.addAction(action)
        self.examples_menu = QMenu(self)
        for path in sorted(examples_dir().glob("*.json")):
            example = self.examples_menu.addAction(path.stem)
            example.triggered.connect(lambda _checked=False, p=path: self.open_file(p))
        self.actions_["examples"].setMenu(self.examples_menu)
        for button in self.toolbar.findChildren(QWidget):
            if button.objectName() == "qt_toolbar_ext_button":
                button.setAccessibleName(_("More tools"))

    def _wire(self) -> None:
        self.document.changed.connect(self._on_document_changed)
        self.scene.selectionChanged.connect(self._on_scene_selection_changed)
        self.scene.connect_requested.connect(self._on_scene_connect_requested)
        self.scene.moved.connect(lambda positions: self._move(positions, "drag"))
        self.scene.kind_dropped.connect(self._on_scene_kind_dropped)
        self.view.nudged.connect(lambda positions: self._move(positions, "nudge"))
        self.view.delete_requested.connect(self.delete_selection)
        self.view.edit_requested.connect(self.properties.focus_first)
        self.palette_list.itemActivated.connect(lambda _item: self.add_from_palette())
        self.outline.selectionModel().currentChanged.connect(self._on_outline_current_changed)
        self.properties.edited.connect(self.document.apply)
        self.add_button.clicked.connect(self.add_from_palette)
        self.remove_button.clicked.connect(self.delete_selection)
        self.problem_list.itemActivated.connect(self._on_problem_activated)
        self.name_field.editingFinished.connect(self._on_name_edited)
        self.title_field.editingFinished.connect(self._on_title_edited)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Workflow designer"))
        self.toolbar.setWindowTitle(_("Designer tools"))
        titles = {
            "new": _("&New"),
            "open": _("&Open stored…"),
            "examples": _("E&xamples"),
            "import": _("&Import JSON…"),
            "export": _("&Export JSON…"),
            "save": _("&Save draft"),
            "publish": _("&Publish"),
            "copy": _("&Copy"),
            "paste": _("&Paste"),
            "delete": _("&Delete"),
            "layout": _("Auto-&layout"),
            "zoom_in": _("Zoom &in"),
            "zoom_out": _("Zoom &out"),
            "fit": _("&Fit"),
            "add": _("&Add step"),
            "focus_canvas": _("Go to canvas"),
            "focus_outline": _("Go to outline"),
            "focus_palette": _("Go to palette"),
            "focus_properties": _("Go to properties"),
        }
        for key, text in titles.items():
            self.actions_[key].setText(text)
        self.actions_["undo"].setText(_("&Undo"))
        self.actions_["redo"].setText(_("&Redo"))
        self.palette_label.setText(_("Step &kinds (drag onto the canvas, or Enter):"))
        self.outline_label.setText(_("Steps in &order:"))
        self.problems_label.setText(_("Problems:"))
        self.name_label.setText(_("&Name"))
        self.title_label.setText(_("&Title"))
        self.add_button.setText(_("Add step"))
        self.remove_button.setText(_("Remove step"))
        self.view.setAccessibleName(_("Workflow canvas"))
        self.view.setAccessibleDescription(
            _(
                "Page Down and Page Up select the next or previous step; arrows move it; Delete removes it; "
                "Enter edits it; plus and minus zoom; 0 fits."
            )
        )
        self.palette_list.setAccessibleName(_("Step kinds"))
        self.outline.setAccessibleName(_("Steps in order"))
        self.outline.setAccessibleDescription(_("Each step with where its outputs lead; select one to edit it."))
        self.problem_list.setAccessibleName(_("Problems"))
        self.message.setAccessibleName(_("Designer message"))
        self.name_field.setAccessibleName(_("Workflow name"))
        self.title_field.setAccessibleName(_("Workflow title"))
        self.add_button.setAccessibleName(_("Add step of the chosen kind"))
        self.remove_button.setAccessibleName(_("Remove selected steps"))
        self.palette_list.retranslate()
        self.properties.retranslate()

    # -- the document changed ------------------------------------------------------------------------
    @Slot(object)
    def _on_document_changed(self, workflow: Workflow) -> None:
        problems = self.document.problems
        self.scene.show_workflow(workflow, problems)
        focused = self._focused_property()
        self.outline_model.set_workflow(workflow, problems)
        if self._current is not None and not workflow.has_step(self._current):
            self._current = None
        self.name_field.setText(workflow.name)
        self.title_field.setText(workflow.title)
        self.problem_list.clear()
        for problem in problems:
            item = QListWidgetItem("\u26a0 " + problem.message)
            item.setData(Qt.ItemDataRole.UserRole, problem.step_id)
            self.problem_list.addItem(item)
        if not problems:
            self.problem_list.addItem(_("\u2713 No problems: this workflow can be published."))
        self._select(self._current, from_outline=False)
        if focused and focused in self.properties.fields:
            self.properties.fields[focused].setFocus()

    def _focused_property(self) -> str | None:
        for key, widget in self.properties.fields.items():
            if widget.hasFocus():
                return key
        return None

    def _select(self, step_id: str | None, *, from_outline: bool = False, from_scene: bool = False) -> None:
        self._current = step_id
        if not from_scene:
            self.scene.select_ids([step_id] if step_id else [])
        if not from_outline:
            row = self.outline_model.row_of(step_id) if step_id else -1
            selection = self.outline.selectionModel()
            selection.blockSignals(True)
            if row >= 0:
                self.outline.setCurrentIndex(self.outline_model.index(row))
            else:
                selection.clearSelection()
            selection.blockSignals(False)
        self.properties.show_step(self.document.workflow, step_id, self.document.problems)

    @Slot()
    def _on_scene_selection_changed(self) -> None:
        ids = self.scene.selected_ids()
        self._select(ids[0] if ids else None, from_scene=True)

    def _on_outline_current_changed(self, current: object, _previous: object) -> None:
        row = self.outline.currentIndex().row()
        if row >= 0:
            self._select(self.outline_model.step_id(row), from_outline=True)

    def _on_problem_activated(self, item: QListWidgetItem) -> None:
        step_id = item.data(Qt.ItemDataRole.UserRole)
        if step_id:
            self._select(str(step_id))
            self.view.centerOn(self.scene.nodes[str(step_id)])

    @property
    def workflow(self) -> Workflow:
        return self.document.workflow

    # -- edits -----------------------------------------------------------------------------------------
    def add_step(self, kind: StepKind, at: QPointF | None = None) -> str:
        wf = self.document.workflow
        point = at if at is not None else self.view.mapToScene(self.view.viewport().rect().center())
        step_id = wf.new_step_id(kind)
        x, y = round(point.x() / GRID) * GRID, round(point.y() / GRID) * GRID
        self.document.apply(
            wf.with_step(make_step(kind, step_id, x, y)), _("Add {kind}").format(kind=kind.display_name)
        )
        self._select(step_id)
        return step_id

    def add_from_palette(self) -> None:
        kind = self.palette_list.current_kind()
        if kind is None:
            self.show_message(_("Choose a step kind in the palette first."), error=True)
            self.palette_list.setFocus()
            return
        self.add_step(kind)

    @Slot(str, QPointF)
    def _on_scene_kind_dropped(self, kind: str, at: QPointF) -> None:
        self.add_step(StepKind(kind), at)

    @Slot(str, str, str)
    def _on_scene_connect_requested(self, source: str, port: str, target: str) -> None:
        self.connect_steps(source, port, target)

    def connect_steps(self, source: str, port: str, target: str, retry_limit: int | None = None) -> None:
        self.document.apply(self.document.workflow.connect(source, port, target, retry_limit), _("Connect steps"))

    def _move(self, positions: dict[str, tuple[float, float]], how: str) -> None:
        snapped = {k: (round(x / GRID) * GRID, round(y / GRID) * GRID) for k, (x, y) in positions.items()}
        key = how + ":" + ",".join(sorted(snapped)) if how == "nudge" else ""
        self.document.apply(self.document.workflow.moved(snapped), _("Move steps"), key)
        # the scene may hold the unsnapped drag position when the graph did not change
        self.scene.show_workflow(self.document.workflow, self.document.problems)

    def delete_selection(self) -> None:
        ids = self.scene.selected_ids() or ([self._current] if self._current else [])
        if not ids:
            return
        self._current = None
        self.document.apply(
            self.document.workflow.without_steps(ids),
            ngettext("Delete {count} step", "Delete {count} steps", len(ids)).format(count=len(ids)),
        )

    def auto_layout(self) -> None:
        self.document.apply(self.document.workflow.moved(auto_layout(self.document.workflow)), _("Auto-layout"))
        self.view.fit()

    def copy_selection(self) -> None:
        ids = set(self.scene.selected_ids())
        if not ids:
            return
        wf = self.document.workflow
        part = Workflow(
            wf.name,
            wf.title,
            tuple(s for s in wf.steps if s.id in ids),
            tuple(e for e in wf.edges if e.source in ids and e.target in ids),
        )
        mime = QMimeData()
        data = json.dumps(to_dict(part))
        mime.setData(STEPS_MIME, QByteArray(data.encode()))
        mime.setText(data)
        put_on_clipboard(mime)

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(STEPS_MIME):
            return
        try:
            part = from_dict(json.loads(bytes(mime.data(STEPS_MIME).data()).decode()))
        except (ValueError, DomainError):
            return
        wf = self.document.workflow
        renamed: dict[str, str] = {}
        for step in part.steps:
            new_id = wf.new_step_id(step.kind)
            renamed[step.id] = new_id
            wf = wf.with_step(Step(new_id, step.kind, step.title, dict(step.params), step.x + 40, step.y + 40))
        for edge in part.edges:
            wf = wf.connect(renamed[edge.source], edge.port, renamed[edge.target], edge.retry_limit)
        for step in part.steps:  # QC steps judging a copied reading judge the copy
            new = wf.step(renamed[step.id])
            if new.params.get("source") in renamed:
                wf = wf.with_step(new.with_params(source=renamed[str(new.params["source"])]))
        self.document.apply(
            wf, ngettext("Paste {count} step", "Paste {count} steps", len(renamed)).format(count=len(renamed))
        )
        self.scene.select_ids(list(renamed.values()))

    def _on_name_edited(self) -> None:
        name = self.name_field.text().strip()
        if name != self.document.workflow.name:
            self.document.apply(replace(self.document.workflow, name=name), _("Rename workflow"))

    def _on_title_edited(self) -> None:
        title = self.title_field.text().strip()
        if title != self.document.workflow.title:
            self.document.apply(replace(self.document.workflow, title=title), _("Change workflow title"))

    # -- files and the database --------------------------------------------------------------------------
    def new_workflow(self) -> None:
        self.document.replace(blank_workflow())
        self.view.fit()

    def set_workflow(self, workflow: Workflow) -> None:
        self._current = None
        self.document.replace(workflow)
        self.view.fit()

    def open_file(self, path: Path | str) -> bool:
        try:
            self.set_workflow(from_json(Path(path).read_text(encoding="utf-8")))
        except (OSError, DomainError) as error:
            self.show_message(str(error), error=True)
            return False
        self.show_message(_("Opened {file}.").format(file=Path(path).name))
        return True

    def export_file(self, path: Path | str) -> None:
        Path(path).write_text(to_json(self.document.workflow), encoding="utf-8")
        self.show_message(_("Exported to {file}.").format(file=path))

    def open_stored(self, name: str, version: int | None = None) -> None:
        workflow, info = self.service.load(name, version)
        self.set_workflow(workflow)
        self.show_message(_("Opened {name} version {version}.").format(name=info.name, version=info.version))

    def save(self, *, publish: bool) -> bool:
        try:
            info = self.service.save(self.document.workflow, publish=publish)
        except WorkflowInvalid as error:
            self.show_message(
                ngettext(
                    "Not published: {count} problem (see the list).",
                    "Not published: {count} problems (see the list).",
                    len(error.problems),
                ).format(count=len(error.problems)),
                error=True,
            )
            return False
        except DomainError as error:
            self.show_message(str(error), error=True)
            return False
        self.document.undo_stack.setClean()
        text = (
            _("Published {name} as version {version}.")
            if info.published
            else _("Saved {name} as draft version {version}.")
        )
        self.show_message(text.format(name=info.name, version=info.version))
        self.saved.emit(info)
        return True

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(("\u2717 " if error else "\u2713 ") + text)
        self.message.setStyleSheet(
            PROBLEM_STYLE if error else "QLabel { background: #d4efdc; color: #0f3d1c; padding: 4px; }"
        )
        self.message.setAccessibleDescription(text)

    def _choose_stored(self) -> None:
        names = [s.name for s in self.service.workflows()]
        if not names:
            self.show_message(_("No stored workflows yet."), error=True)
            return
        name, ok = QInputDialog.getItem(self, _("Open stored workflow"), _("Workflow:"), names, 0, False)
        if ok and name:
            self.open_stored(name)

    def _choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import workflow"), "", _("Workflow JSON (*.json)"))
        if path:
            self.open_file(path)

    def _choose_export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export workflow"), f"{self.document.workflow.name}.json", _("Workflow JSON (*.json)")
        )
        if path:
            self.export_file(path)


__all__ = ["DesignerWindow", "Edge", "blank_workflow"]
