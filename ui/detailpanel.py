"""The selected sample: its fields, its lineage (parent chain, aliquots) and its audit history."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QListView,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.quantities import format_volume
from tracseq_desktop.domain.views import AuditEntryView, SampleView
from tracseq_desktop.i18n import N_, _, format_datetime, format_number
from tracseq_desktop.services.queries import QueryService

Index = QModelIndex | QPersistentModelIndex
BARCODE_ROLE = Qt.ItemDataRole.UserRole + 30

#: Audit actions in words (the core records stable English verbs).
ACTION_TITLES = {
    "register": N_("registered"),
    "store": N_("stored"),
    "move": N_("moved"),
    "check_out": N_("checked out"),
    "check_in": N_("checked in"),
    "consume": N_("volume withdrawn"),
    "discard": N_("discarded"),
    "edit": N_("edited"),
    "aliquot": N_("aliquots taken"),
}


class LineageModel(QAbstractListModel):
    """Ancestors (root first), the sample itself, then its direct aliquots."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, SampleView]] = []

    def set_lineage(self, ancestors: list[SampleView], sample: SampleView | None, children: list[SampleView]) -> None:
        self.beginResetModel()
        self._rows = [("parent", a) for a in ancestors]
        if sample is not None:
            self._rows.append(("self", sample))
        self._rows += [("child", c) for c in children]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        relation, sample = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            word = {"parent": _("ancestor"), "self": _("this sample"), "child": _("aliquot")}[relation]
            return f"{word}: {sample.barcode} · {format_volume(sample.volume_nl)} · {sample.status.display_name}"
        if role == BARCODE_ROLE:
            return sample.barcode
        return None


class HistoryModel(QAbstractTableModel):
    """Audit entries, newest first: when, who, what, why."""

    HEADERS = (N_("When"), N_("Who"), N_("What"), N_("Details"), N_("Reason"))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[AuditEntryView] = []

    def set_entries(self, entries: list[AuditEntryView]) -> None:
        self.beginResetModel()
        self._entries = list(reversed(entries))
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if column == 0:
            return format_datetime(entry.at, "short")
        if column == 1:
            return f"{entry.actor}@{entry.workstation}"
        if column == 2:
            title = ACTION_TITLES.get(entry.action)
            return _(title) if title else entry.action
        if column == 3:
            return _describe_change(entry)
        return entry.reason or ""

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section]) if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)


def _describe_change(entry: AuditEntryView) -> str:
    after = entry.after or {}
    before = entry.before or {}
    parts = []
    for key in sorted(after):
        old, new = before.get(key), after[key]
        if key in ("version", "updated_at") or (key in before and old == new):
            continue
        parts.append(f"{key}: {old} → {new}" if key in before else f"{key}: {new}")
    return "; ".join(parts)


class DetailPanel(QWidget):
    """Read-only; ``lineage_chosen(barcode)`` when a relative is activated."""

    lineage_chosen = Signal(str)

    FIELDS = (
        ("barcode", N_("Barcode")),
        ("sample_type", N_("Type")),
        ("status", N_("Status")),
        ("where", N_("Place")),
        ("volume", N_("Volume")),
        ("concentration", N_("Concentration")),
        ("project", N_("Project")),
        ("owner", N_("Owner")),
        ("collected_at", N_("Collected")),
        ("expires_at", N_("Expires")),
        ("freeze_thaw", N_("Freeze-thaw cycles")),
        ("parent", N_("Parent")),
        ("updated_at", N_("Last change")),
    )

    def __init__(self, queries: QueryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self._sample: SampleView | None = None
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self._labels: dict[str, QLabel] = {}
        self._values: dict[str, QLabel] = {}
        fields = QWidget(self)
        form = QFormLayout(fields)
        for key, _title in self.FIELDS:
            label, value = QLabel(fields), QLabel(fields)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            label.setBuddy(value)
            form.addRow(label, value)
            self._labels[key], self._values[key] = label, value
        self.lineage_model = LineageModel(self)
        self.lineage = QListView(self)
        self.lineage.setModel(self.lineage_model)
        self.lineage.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lineage.activated.connect(lambda index: self.lineage_chosen.emit(index.data(BARCODE_ROLE)))
        self.history_model = HistoryModel(self)
        self.history = QTableView(self)
        self.history.setModel(self.history_model)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setTabKeyNavigation(False)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(fields, "")
        self.tabs.addTab(self.lineage, "")
        self.tabs.addTab(self.history, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.retranslate()

    def retranslate(self) -> None:
        for key, title in self.FIELDS:
            self._labels[key].setText(_(title) + ":")
            self._values[key].setAccessibleName(_(title))
        self.tabs.setTabText(0, _("Fields"))
        self.tabs.setTabText(1, _("Lineage"))
        self.tabs.setTabText(2, _("History"))
        self.tabs.setAccessibleName(_("Sample details"))
        self.lineage.setAccessibleName(_("Lineage"))
        self.history.setAccessibleName(_("History"))
        self.show_sample(self._sample)

    @property
    def sample(self) -> SampleView | None:
        return self._sample

    def show_sample(self, sample: SampleView | None) -> None:
        """Show ``sample`` with fresh lineage and history (small indexed queries)."""
        self._sample = sample
        if sample is None:
            self.heading.setText(_("No sample selected"))
            for value in self._values.values():
                value.setText("")
            self.lineage_model.set_lineage([], None, [])
            self.history_model.set_entries([])
            return
        self.heading.setText(sample.barcode)
        concentration = ""
        if sample.concentration is not None:
            concentration = f"{format_number(sample.concentration)} {sample.concentration_unit or ''}".strip()
        values = {
            "barcode": sample.barcode,
            "sample_type": sample.sample_type,
            "status": sample.status.display_name,
            "where": " › ".join(sample.location_path) + (f" : {sample.position}" if sample.position else "")
            if sample.box_label
            else _("not stored"),
            "volume": format_volume(sample.volume_nl),
            "concentration": concentration,
            "project": sample.project or "",
            "owner": sample.owner or "",
            "collected_at": format_datetime(sample.collected_at),
            "expires_at": format_datetime(sample.expires_at),
            "freeze_thaw": format_number(sample.freeze_thaw_count),
            "parent": sample.parent_barcode or "",
            "updated_at": format_datetime(sample.updated_at),
        }
        for key, text in values.items():
            self._values[key].setText(text)
        ancestors, children = self._queries.lineage(sample.barcode)
        self.lineage_model.set_lineage(ancestors, sample, children)
        self.history_model.set_entries(self._queries.history(sample.barcode))
