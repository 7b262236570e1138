"""The same graph as a list: one row per step in run order, saying in words where each output leads.

Screen-reader users build and review workflows here: the list names every step,
its kind, its connections and its problems; the property editor next to it edits
the selected step and its connections.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.workflows.model import Workflow, port_title
from tracseq_desktop.workflows.validation import Problem

Index = QModelIndex | QPersistentModelIndex


def run_order(workflow: Workflow) -> list[str]:
    """Steps breadth-first from the start over ordinary edges, then any the start does not reach."""
    starts = [s.id for s in workflow.starts()]
    order: list[str] = []
    todo = list(starts)
    while todo:
        step_id = todo.pop(0)
        if step_id in order:
            continue
        order.append(step_id)
        step = workflow.step(step_id) if workflow.has_step(step_id) else None
        for port in step.kind.ports if step else ():
            edge = workflow.edge_from(step_id, port)
            if edge and not edge.is_retry and workflow.has_step(edge.target):
                todo.append(edge.target)
    order.extend(s.id for s in workflow.steps if s.id not in order)
    return order


class OutlineModel(QAbstractListModel):
    """Holds step ids; texts are made from the workflow held, with no I/O."""

    StepIdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workflow: Workflow | None = None
        self._ids: list[str] = []
        self._problems: dict[str, list[Problem]] = {}

    def set_workflow(self, workflow: Workflow, problems: list[Problem]) -> None:
        self.beginResetModel()
        self._workflow = workflow
        self._ids = run_order(workflow)
        self._problems = {}
        for problem in problems:
            if problem.step_id:
                self._problems.setdefault(problem.step_id, []).append(problem)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def step_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, step_id: str) -> int:
        return self._ids.index(step_id) if step_id in self._ids else -1

    def describe(self, row: int) -> str:
        assert self._workflow is not None
        wf = self._workflow
        step = wf.step(self._ids[row])
        links = []
        for port in step.kind.ports:
            edge = wf.edge_from(step.id, port)
            if edge is None or not wf.has_step(edge.target):
                links.append(_("{port} leads nowhere").format(port=port_title(port)))
            elif edge.is_retry:
                links.append(
                    _("{port} retries {target} at most {limit} times").format(
                        port=port_title(port), target=wf.step(edge.target).title, limit=edge.retry_limit
                    )
                )
            else:
                links.append(
                    _("{port} \u2192 {target}").format(port=port_title(port), target=wf.step(edge.target).title)
                )
        text = _("{number}. {title} ({kind})").format(number=row + 1, title=step.title, kind=step.kind.display_name)
        if links:
            text += "; " + "; ".join(links)
        problems = self._problems.get(step.id, [])
        if problems:
            text += "; \u26a0 " + ngettext("{count} problem", "{count} problems", len(problems)).format(
                count=len(problems)
            )
        return text

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.describe(index.row())
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(p.message for p in self._problems.get(self._ids[index.row()], [])) or None
        if role == self.StepIdRole:
            return self._ids[index.row()]
        return None
