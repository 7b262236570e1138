"""The inline property editor: id, title, the kind's settings and where each output port leads.

Generated from the kind's ``ParamSpec`` list; every finished edit becomes one
undoable change of the document. Connecting ports here is the keyboard and
screen-reader way to draw edges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _
from tracseq_desktop.workflows.model import (
    KINDS,
    MAX_RETRY_LIMIT,
    ParamSpec,
    ParamType,
    Step,
    StepKind,
    Workflow,
    port_title,
)
from tracseq_desktop.workflows.validation import Problem

PROBLEM_STYLE = "QLabel { background: #fbdad6; color: #5c0f08; padding: 4px; }"


class PropertyPanel(QWidget):
    """Emits ``edited(new_workflow, description)`` for each change the user finishes."""

    edited = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workflow: Workflow | None = None
        self._step: Step | None = None
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(PROBLEM_STYLE)
        self.settings_box = QGroupBox(self)
        self.form = QFormLayout(self.settings_box)
        self.ports_box = QGroupBox(self)
        self.ports_form = QFormLayout(self.ports_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.problems)
        layout.addWidget(self.settings_box)
        layout.addWidget(self.ports_box)
        layout.addStretch(1)
        self.fields: dict[str, QWidget] = {}
        self.port_targets: dict[str, QComboBox] = {}
        self.port_retries: dict[str, QSpinBox] = {}
        self.retranslate()
        self.show_step(None, None, [])

    def retranslate(self) -> None:
        self.settings_box.setTitle(_("Settings"))
        self.ports_box.setTitle(_("Where each output leads"))
        self.problems.setAccessibleName(_("Problems of this step"))
        if self._workflow is not None:
            self.show_step(self._workflow, self._step.id if self._step else None, [])

    # -- building the form ------------------------------------------------------------------------
    def show_step(self, workflow: Workflow | None, step_id: str | None, problems: list[Problem]) -> None:
        self._workflow = workflow
        self._step = workflow.step(step_id) if workflow and step_id and workflow.has_step(step_id) else None
        for form in (self.form, self.ports_form):
            while form.rowCount():
                form.removeRow(0)
        self.fields.clear()
        self.port_targets.clear()
        self.port_retries.clear()
        step = self._step
        if step is None or workflow is None:
            self.heading.setText(_("Select a step to edit it."))
            self.problems.hide()
            self.settings_box.hide()
            self.ports_box.hide()
            return
        self.settings_box.show()
        self.heading.setText(
            _("{kind}: {description}").format(kind=step.kind.display_name, description=_(KINDS[step.kind].description))
        )
        mine = [p.message for p in problems if p.step_id == step.id]
        self.problems.setText("\n".join("\u26a0 " + m for m in mine))
        self.problems.setVisible(bool(mine))
        self._line("id", _("Id"), step.id, self._on_id)
        self._line("title", _("Title"), step.title, self._on_title)
        for spec in step.kind.params:
            self._param(spec, step.params.get(spec.name))
        self.ports_box.setVisible(bool(step.kind.ports))
        for port in step.kind.ports:
            self._port(workflow, step, port)

    def _line(self, key: str, label: str, value: str, slot: Callable[[str], None]) -> QLineEdit:
        field = QLineEdit(value, self.settings_box)
        field.setAccessibleName(label)
        field.editingFinished.connect(lambda: slot(field.text()))
        self.form.addRow(label, field)
        self.fields[key] = field
        return field

    def _param(self, spec: ParamSpec, value: Any) -> None:
        label = _(spec.label) + (" *" if spec.required else "")
        widget: QWidget
        if spec.type is ParamType.CHOICE:
            combo = QComboBox(self.settings_box)
            if not spec.required:
                combo.addItem(_("(none)"), "")
            for choice in spec.choices:
                combo.addItem(choice, choice)
            combo.setCurrentIndex(max(0, combo.findData(value or "")))
            combo.currentIndexChanged.connect(lambda _i, c=combo, s=spec: self._set_param(s, c.currentData()))
            widget = combo
        elif spec.type is ParamType.STEP:
            combo = QComboBox(self.settings_box)
            combo.addItem(_("(none)"), "")
            assert self._workflow is not None
            for other in self._workflow.steps:
                if other.kind is StepKind.INSTRUMENT:
                    combo.addItem(f"{other.title} ({other.id})", other.id)
            combo.setCurrentIndex(max(0, combo.findData(value or "")))
            combo.currentIndexChanged.connect(lambda _i, c=combo, s=spec: self._set_param(s, c.currentData()))
            widget = combo
        elif spec.type is ParamType.INT:
            spin = QSpinBox(self.settings_box)
            spin.setRange(int(spec.minimum or 0), int(spec.maximum or 1_000_000))
            spin.setValue(int(value) if isinstance(value, int) else int(spec.minimum or 0))
            spin.editingFinished.connect(lambda sp=spin, s=spec: self._set_param(s, sp.value()))
            widget = spin
        else:
            line = QLineEdit("" if value is None else str(value), self.settings_box)
            if spec.type is ParamType.NUMBER:
                line.setPlaceholderText(_("a number"))
            line.editingFinished.connect(lambda ln=line, s=spec: self._set_param(s, ln.text()))
            widget = line
        widget.setAccessibleName(_(spec.label))
        if spec.help:
            widget.setToolTip(_(spec.help))
            widget.setAccessibleDescription(_(spec.help))
        self.form.addRow(label, widget)
        self.fields[spec.name] = widget

    def _port(self, workflow: Workflow, step: Step, port: str) -> None:
        edge = workflow.edge_from(step.id, port)
        combo = QComboBox(self.ports_box)
        combo.addItem(_("(not connected)"), "")
        for other in workflow.steps:
            if other.id != step.id and other.kind is not StepKind.START:
                combo.addItem(f"{other.title} ({other.id})", other.id)
        combo.setCurrentIndex(max(0, combo.findData(edge.target if edge else "")))
        combo.setAccessibleName(_("Output \u201c{port}\u201d leads to").format(port=port_title(port)))
        retry = QSpinBox(self.ports_box)
        retry.setRange(0, MAX_RETRY_LIMIT)
        retry.setSpecialValueText(_("not a retry"))
        retry.setValue((edge.retry_limit or 0) if edge else 0)
        retry.setAccessibleName(_("Retry limit of output \u201c{port}\u201d").format(port=port_title(port)))
        retry.setAccessibleDescription(_("Set a limit to let this output lead back to an earlier step."))
        combo.currentIndexChanged.connect(lambda _i, p=port: self._set_port(p))
        retry.editingFinished.connect(lambda p=port: self._set_port(p))
        self.ports_form.addRow(_("\u201c{port}\u201d leads to").format(port=port_title(port)), combo)
        self.ports_form.addRow(_("Retry limit"), retry)
        self.port_targets[port] = combo
        self.port_retries[port] = retry

    # -- turning edits into new graphs ---------------------------------------------------------------
    def _emit(self, workflow: Workflow, text: str) -> None:
        if self._workflow is not None and workflow != self._workflow:
            self.edited.emit(workflow, text)

    def _on_id(self, text: str) -> None:
        if self._workflow is None or self._step is None:
            return
        new = text.strip()
        if new and new != self._step.id and not self._workflow.has_step(new):
            self._emit(self._workflow.renamed_step(self._step.id, new), _("Rename step"))

    def _on_title(self, text: str) -> None:
        if self._workflow is None or self._step is None:
            return
        self._emit(self._workflow.with_step(replace(self._step, title=text.strip())), _("Change title"))

    def _set_param(self, spec: ParamSpec, raw: Any) -> None:
        if self._workflow is None or self._step is None:
            return
        value: Any = raw
        if spec.type is ParamType.NUMBER and isinstance(raw, str):
            text = raw.strip().replace(",", ".")
            try:
                value = (int(text) if text.lstrip("-").isdigit() else float(text)) if text else None
            except ValueError:
                value = text  # kept as typed: validation names the problem on the step
        elif isinstance(raw, str):
            value = raw.strip() or None
        self._emit(
            self._workflow.with_step(self._step.with_params(**{spec.name: value})),
            _("Change {setting}").format(setting=_(spec.label)),
        )

    def _set_port(self, port: str) -> None:
        if self._workflow is None or self._step is None:
            return
        target = self.port_targets[port].currentData()
        limit = self.port_retries[port].value() or None
        if not target:
            self._emit(self._workflow.disconnect(self._step.id, port), _("Disconnect"))
        else:
            self._emit(self._workflow.connect(self._step.id, port, str(target), limit), _("Connect steps"))

    def focus_first(self) -> None:
        field = self.fields.get("title")
        if field is not None:
            field.setFocus(Qt.FocusReason.ShortcutFocusReason)
