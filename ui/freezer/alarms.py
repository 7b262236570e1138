"""The alarm list (open alarms first) and its model.

The model keeps the alarm views in display order and maps a new list onto
row moves, inserts and removals, so the selection survives updates.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from tracseq_desktop.i18n import N_, _, ngettext
from tracseq_desktop.services.monitoring import AlarmView
from ui.freezer.text import alarm_status, celsius, clock

_Index = QModelIndex | QPersistentModelIndex
_COLUMNS = (
    N_("State"),
    N_("Unit"),
    N_("Alarm"),
    N_("Since"),
    N_("Cleared"),
    N_("Peak"),
    N_("Limit"),
    N_("Acknowledged by"),
    N_("Comment"),
)


class AlarmListModel(QAbstractTableModel):
    """Rows are alarm views in the order given to :meth:`set_alarms`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.alarms: list[AlarmView] = []

    def set_alarms(self, alarms: list[AlarmView]) -> None:
        """Turn the current rows into ``alarms``: moves, inserts, removals and changed rows."""
        target_ids = [a.id for a in alarms]
        wanted = set(target_ids)
        # Rows that left the list, from the bottom up.
        for row in range(len(self.alarms) - 1, -1, -1):
            if self.alarms[row].id not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.alarms[row]
                self.endRemoveRows()
        for row, alarm in enumerate(alarms):
            current = self.alarms[row].id if row < len(self.alarms) else None
            if current == alarm.id:
                if self.alarms[row] != alarm:
                    self.alarms[row] = alarm
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(_COLUMNS) - 1))
                continue
            found = next((i for i in range(row + 1, len(self.alarms)) if self.alarms[i].id == alarm.id), None)
            if found is not None:
                self.beginMoveRows(QModelIndex(), found, found, QModelIndex(), row)
                moved = self.alarms.pop(found)
                self.alarms.insert(row, moved)
                self.endMoveRows()
                if moved != alarm:
                    self.alarms[row] = alarm
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(_COLUMNS) - 1))
            else:
                self.beginInsertRows(QModelIndex(), row, row)
                self.alarms.insert(row, alarm)
                self.endInsertRows()

    def alarm_at(self, row: int) -> AlarmView | None:
        return self.alarms[row] if 0 <= row < len(self.alarms) else None

    def row_of(self, alarm_id: int) -> int | None:
        return next((i for i, a in enumerate(self.alarms) if a.id == alarm_id), None)

    @property
    def open_count(self) -> int:
        return sum(1 for a in self.alarms if a.open)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.alarms)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return _(_COLUMNS[section]) if 0 <= section < len(_COLUMNS) else None
        return section + 1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.alarms):
            return None
        alarm = self.alarms[index.row()]
        if role == Qt.ItemDataRole.FontRole and alarm.active and not alarm.acknowledged:
            font = QFont()
            font.setBold(True)  # unacknowledged active alarms stand out by weight as well as by their words
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return alarm.comment or None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        column = index.column()
        limit = alarm.limit
        values = (
            alarm_status(alarm),
            alarm.unit,
            alarm.title,
            clock(alarm.started_at),
            clock(alarm.cleared_at) if alarm.cleared_at else _("still active"),
            celsius(alarm.peak) if alarm.peak is not None else "",
            celsius(limit) if limit is not None else "",
            alarm.acknowledged_by or "",
            alarm.comment or "",
        )
        return values[column] if 0 <= column < len(values) else None


class AlarmListPanel(QWidget):
    """The table of alarms and the acknowledge button; ``acknowledge_requested(AlarmView)``."""

    acknowledge_requested = Signal(object)
    unit_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.model = AlarmListModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.acknowledge = QPushButton(self)
        self.acknowledge.setEnabled(False)
        self.acknowledge.clicked.connect(self._on_acknowledge_clicked)
        self.view.doubleClicked.connect(lambda _index: self._on_acknowledge_clicked())
        self.view.activated.connect(lambda _index: self._on_acknowledge_clicked())
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.model.modelReset.connect(self._update_button)
        self.model.dataChanged.connect(self._update_button)
        self.model.rowsRemoved.connect(self._update_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.heading, 1)
        buttons.addWidget(self.acknowledge)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        self.retranslate()

    def set_alarms(self, alarms: list[AlarmView]) -> None:
        first = not self.model.alarms
        self.model.set_alarms(alarms)
        if first and alarms and not self.view.currentIndex().isValid():
            self.view.selectRow(0)
        self.view.resizeColumnsToContents()
        self._update_heading()
        self._update_button()

    def current(self) -> AlarmView | None:
        index = self.view.currentIndex()
        return self.model.alarm_at(index.row()) if index.isValid() else None

    def select(self, alarm_id: int) -> bool:
        row = self.model.row_of(alarm_id)
        if row is None:
            return False
        self.view.selectRow(row)
        return True

    @Slot(object, object)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        alarm = self.model.alarm_at(current.row())
        if alarm is not None:
            self.unit_chosen.emit(alarm.unit)
        self._update_button()

    def _update_button(self, *_args: object) -> None:
        alarm = self.current()
        self.acknowledge.setEnabled(alarm is not None and not alarm.acknowledged)

    @Slot()
    def _on_acknowledge_clicked(self) -> None:
        alarm = self.current()
        if alarm is not None and not alarm.acknowledged:
            self.acknowledge_requested.emit(alarm)

    def _update_heading(self) -> None:
        count = self.model.open_count
        if count:
            self.heading.setText(ngettext("Alarms: {count} open", "Alarms: {count} open", count).format(count=count))
        else:
            self.heading.setText(_("Alarms: none open"))

    def retranslate(self) -> None:
        self.acknowledge.setText(_("&Acknowledge…"))
        self.acknowledge.setAccessibleName(_("Acknowledge the selected alarm with a comment"))
        self.view.setAccessibleName(_("Alarm list, open alarms first"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(_COLUMNS) - 1)
        self._update_heading()
