"""The graph being edited: one immutable workflow at a time, changed only through undoable commands.

The scene and the outline both draw from ``workflow`` and redraw on ``changed``;
every edit (from the canvas, the outline or the property editor) goes through
:meth:`GraphDocument.apply`, so undo and redo cover them all alike.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from tracseq_desktop.workflows.model import Workflow
from tracseq_desktop.workflows.validation import Problem, validate

#: Commands with the same id and the same steps merge (arrow-key nudges, typing in one field).
MOVE_MERGE_ID = 1


class GraphCommand(QUndoCommand):
    def __init__(
        self, document: GraphDocument, before: Workflow, after: Workflow, text: str, merge_key: str = ""
    ) -> None:
        super().__init__(text)
        self._document = document
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def id(self) -> int:
        return MOVE_MERGE_ID if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, GraphCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self._document._set(self.after)

    def undo(self) -> None:
        self._document._set(self.before)


class GraphDocument(QObject):
    changed = Signal(object)  #: the new Workflow

    def __init__(self, workflow: Workflow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._workflow = workflow
        self._problems = validate(workflow)

    @property
    def workflow(self) -> Workflow:
        return self._workflow

    @property
    def problems(self) -> list[Problem]:
        return self._problems

    def problems_of(self, step_id: str) -> list[Problem]:
        return [p for p in self._problems if p.step_id == step_id]

    def apply(self, after: Workflow, text: str, merge_key: str = "") -> None:
        if after == self._workflow:
            return
        self.undo_stack.push(GraphCommand(self, self._workflow, after, text, merge_key))

    def replace(self, workflow: Workflow) -> None:
        """A different workflow (opened or imported): the undo history starts again."""
        self.undo_stack.clear()
        self._set(workflow)
        self.undo_stack.setClean()

    def _set(self, workflow: Workflow) -> None:
        self._workflow = workflow
        self._problems = validate(workflow)
        self.changed.emit(workflow)
