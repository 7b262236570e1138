"""The conflict list as a Qt model: frozen ``ConflictView`` rows, updated in place by id.

``set_conflicts`` maps a fresh list onto the rows with remove/insert/dataChanged calls, so
the selection and the scroll position survive a refresh. ``data()`` only formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from tracseq_desktop.i18n import N_, _
from tracseq_desktop.sync.service import ConflictView
from ui.sync.text import conflict_state, conflict_time, kind_title

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (N_("Found"), N_("Kind"), N_("What happened"), N_("State"))
TIME, KIND, SUMMARY, STATE = range(4)
#: ``data(index, CONFLICT_ROLE)`` gives the row's ``ConflictView``.
CONFLICT_ROLE = Qt.ItemDataRole.UserRole + 1


class ConflictListModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ConflictView] = []

    # -- Qt ---------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        conflict = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(conflict, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return conflict.summary if column == SUMMARY else self._text(conflict, column)
        if role == CONFLICT_ROLE:
            return conflict
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
            and 0 <= section < len(COLUMNS)
        ):
            return _(COLUMNS[section])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    @staticmethod
    def _text(conflict: ConflictView, column: int) -> str:
        if column == TIME:
            return conflict_time(conflict)
        if column == KIND:
            return kind_title(conflict.kind)
        if column == SUMMARY:
            return conflict.summary
        return conflict_state(conflict)

    # -- rows -------------------------------------------------------------------------------
    def conflict(self, row: int) -> ConflictView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, conflict_id: str) -> int | None:
        for row, conflict in enumerate(self._rows):
            if conflict.id == conflict_id:
                return row
        return None

    @property
    def open_count(self) -> int:
        return sum(1 for c in self._rows if c.status == "open")

    def set_conflicts(self, conflicts: Sequence[ConflictView]) -> None:
        """Show ``conflicts`` (ordered by time, then id, as the service lists them)."""
        wanted = {c.id for c in conflicts}
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].id not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        for row, conflict in enumerate(conflicts):
            if row < len(self._rows) and self._rows[row].id == conflict.id:
                if self._rows[row] != conflict:
                    self._rows[row] = conflict
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            else:
                known = self.row_of(conflict.id)
                if known is not None:  # out of order (a time changed): take it out, put it here
                    self.beginRemoveRows(QModelIndex(), known, known)
                    del self._rows[known]
                    self.endRemoveRows()
                self.beginInsertRows(QModelIndex(), row, row)
                self._rows.insert(row, conflict)
                self.endInsertRows()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))
