"""The conflict inbox: what sync could not decide alone, with its details and a way to resolve it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.sync.service import ConflictView
from ui.sync.model import KIND, STATE, SUMMARY, TIME, ConflictListModel
from ui.sync.text import conflict_state, conflict_time, kind_title, subject_lines

#: White on dark blue (8.9:1), with a thick border: the notice does not rely on colour alone.
BANNER_STYLE = (
    "QFrame#conflictBanner { background: #0b4f8a; border: 3px solid #ffffff; }"
    " QFrame#conflictBanner QLabel { color: #ffffff; font-weight: bold; background: #0b4f8a; }"
)
MARK = "⚠"


class ConflictBanner(QFrame):
    """The in-window notice that new conflicts arrived; stays until dismissed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.dismiss = QPushButton(self)
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.dismiss)
        self.hide()
        self.retranslate()

    def announce(self, message: str) -> None:
        self.text.setText(_("{mark} {message}").format(mark=MARK, message=message))
        self.setAccessibleName(message)
        self.show()

    def retranslate(self) -> None:
        self.dismiss.setText(_("Dismiss"))
        self.dismiss.setAccessibleName(_("Hide this notice"))


def announcement(conflicts: Sequence[ConflictView]) -> tuple[str, str]:
    """(title, message) telling about conflicts a sync just brought."""
    count = len(conflicts)
    title = ngettext("{count} new sync conflict", "{count} new sync conflicts", count).format(count=count)
    if count == 1:
        return title, _("{title}: {summary}").format(title=title, summary=conflicts[0].summary)
    return title, _("{title}: they wait in the conflict inbox.").format(title=title)


class ConflictInboxPanel(QWidget):
    """Signals: ``resolve_requested(ConflictView)``, ``sync_requested()``, ``filter_changed(bool)``."""

    resolve_requested = Signal(object)
    sync_requested = Signal()
    filter_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = ConflictBanner(self)
        self.filter = QComboBox(self)
        self.filter.addItems(["", ""])
        self.filter_label = QLabel(self)
        self.filter_label.setBuddy(self.filter)
        self.sync_button = QPushButton(self)
        self.model = ConflictListModel(self)
        self.view = self._make_view()
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setMinimumHeight(60)
        self.resolve_button = QPushButton(self)
        self.resolve_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.filter_label)
        top.addWidget(self.filter)
        top.addStretch(1)
        top.addWidget(self.sync_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.details, 1)
        bottom.addWidget(self.resolve_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)
        self.filter.currentIndexChanged.connect(self._on_filter_changed)
        self.sync_button.clicked.connect(self.sync_requested)
        self.resolve_button.clicked.connect(self._on_resolve_clicked)
        self.view.activated.connect(self._on_view_activated)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.model.rowsInserted.connect(self._show_empty)
        self.model.rowsRemoved.connect(self._show_empty)
        self.model.modelReset.connect(self._show_empty)
        self.retranslate()
        self._show_empty()

    def _make_view(self) -> QTreeView:
        view = QTreeView(self)
        view.setModel(self.model)
        view.setRootIsDecorated(False)
        view.setUniformRowHeights(True)
        view.setAlternatingRowColors(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setWordWrap(False)
        header = view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TIME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SUMMARY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(STATE, 220)
        return view

    @property
    def include_resolved(self) -> bool:
        return self.filter.currentIndex() == 1

    def set_include_resolved(self, value: bool) -> None:
        self.filter.setCurrentIndex(1 if value else 0)

    def set_conflicts(self, conflicts: Sequence[ConflictView]) -> None:
        self.model.set_conflicts(conflicts)
        self._show_selected()

    def selected(self) -> ConflictView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.conflict(rows[0].row()) if rows else None

    def select(self, conflict_id: str) -> bool:
        row = self.model.row_of(conflict_id)
        if row is None:
            return False
        self.view.setCurrentIndex(self.model.index(row, 0))
        self.view.scrollTo(self.model.index(row, 0))
        return True

    # -- reactions ------------------------------------------------------------------------
    @Slot(int)
    def _on_filter_changed(self, _index: int) -> None:
        self._show_empty()
        self.filter_changed.emit(self.include_resolved)

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_selected()

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        conflict = self.model.conflict(index.row())
        if conflict is not None and conflict.status == "open":
            self.resolve_requested.emit(conflict)

    @Slot()
    def _on_resolve_clicked(self) -> None:
        conflict = self.selected()
        if conflict is not None and conflict.status == "open":
            self.resolve_requested.emit(conflict)

    @Slot()
    def _show_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)
        self.empty.setText(_("No conflicts.") if self.include_resolved else _("No open conflicts."))

    def _show_selected(self) -> None:
        conflict = self.selected()
        self.resolve_button.setEnabled(conflict is not None and conflict.status == "open")
        self.details.setText(details_text(conflict) if conflict is not None else _("Choose a conflict to see it."))
        self.details.setAccessibleName(_("Conflict details"))

    def retranslate(self) -> None:
        self.banner.retranslate()
        self.filter.setItemText(0, _("Open conflicts"))
        self.filter.setItemText(1, _("All conflicts, including resolved ones"))
        self.filter.setAccessibleName(_("Which conflicts to show"))
        self.filter_label.setText(_("S&how:"))
        self.sync_button.setText(_("Sync now"))
        self.sync_button.setAccessibleName(_("Sync with the server now"))
        self.view.setAccessibleName(_("Conflicts"))
        self.view.setAccessibleDescription(_("Press Enter on an open conflict to resolve it."))
        self.resolve_button.setText(_("&Resolve…"))
        self.resolve_button.setAccessibleName(_("Resolve the chosen conflict"))
        self.model.retranslate()
        self._show_empty()
        self._show_selected()


def details_text(conflict: ConflictView) -> str:
    """The selected conflict in plain text: what, where, and the choices (one per line)."""
    lines = [
        _("{kind}, found {time}, site {site}").format(
            kind=kind_title(conflict.kind), time=conflict_time(conflict), site=conflict.site
        ),
        conflict.summary,
    ]
    lines += [_("{name}: {value}").format(name=name, value=value) for name, value in subject_lines(conflict)]
    if conflict.status == "open":
        lines.append(_("Options:"))
        lines += [_("• {option}").format(option=option.title) for option in conflict.options]
    else:
        lines.append(conflict_state(conflict))
        if conflict.resolved_reason:
            lines.append(_("Reason: {reason}").format(reason=conflict.resolved_reason))
    return "\n".join(lines)
