"""The sample table with its search field, filters and column chooser."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.domain.views import SampleView
from tracseq_desktop.i18n import _, format_number, ngettext
from tracseq_desktop.services.queries import QueryService
from tracseq_desktop.store.database import Change
from ui.samplemodel import COLUMNS, SAMPLE_ROLE, SampleTableModel
from ui.tasks import TaskHandle, TaskRunner, TaskState


class SampleTablePanel(QWidget):
    """Searches run on a worker (``search_ids`` over a million rows takes a while); rows load lazily."""

    sample_selected = Signal(object)
    search_finished = Signal(int)  #: number of matches

    def __init__(self, queries: QueryService, tasks: TaskRunner, parent: QWidget | None = None) -> None:  # noqa: PLR0915
        super().__init__(parent)
        self._queries = queries
        self._tasks = tasks
        self._sort = ("id", False)
        self._search: TaskHandle | None = None
        self._generation = 0
        self.model = SampleTableModel(queries.samples_by_ids, self)
        self.search_field = QLineEdit(self)
        self.search_field.setClearButtonEnabled(True)
        self.status_filter = QComboBox(self)
        self.type_filter = QComboBox(self)
        self.columns_button = QToolButton(self)
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_menu = QMenu(self)
        self.columns_button.setMenu(self.columns_menu)
        self.count_label = QLabel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._column_actions: list[QAction] = []
        for number, column in enumerate(COLUMNS):
            action = QAction(self)
            action.setCheckable(True)
            action.setChecked(column.visible)
            action.toggled.connect(lambda on, n=number: self.table.setColumnHidden(n, not on))
            self.table.setColumnHidden(number, not column.visible)
            self.columns_menu.addAction(action)
            self._column_actions.append(action)
        self.table.horizontalHeader().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.horizontalHeader().customContextMenuRequested.connect(
            lambda pos: self.columns_menu.exec(self.table.horizontalHeader().mapToGlobal(pos))
        )
        bar = QHBoxLayout()
        bar.addWidget(self.search_field, 3)
        bar.addWidget(self.status_filter, 1)
        bar.addWidget(self.type_filter, 1)
        bar.addWidget(self.columns_button)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.run_search)
        self.search_field.textChanged.connect(self._debounce.start)
        self.status_filter.currentIndexChanged.connect(self.run_search)
        self.type_filter.currentIndexChanged.connect(self.run_search)
        self.model.sort_requested.connect(self._on_sort_requested)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self._fill_filters()
        self.retranslate()

    def _fill_filters(self) -> None:
        self.status_filter.blockSignals(True)
        self.type_filter.blockSignals(True)
        self.status_filter.clear()
        self.status_filter.addItem("", None)
        for status in SampleStatus:
            self.status_filter.addItem(status.display_name, status.value)
        self.type_filter.clear()
        self.type_filter.addItem("", None)
        for name in self._queries.sample_types():
            self.type_filter.addItem(name, name)
        self.status_filter.blockSignals(False)
        self.type_filter.blockSignals(False)

    def retranslate(self) -> None:
        self.search_field.setPlaceholderText(_("Search barcode, type, project, owner, place…"))
        self.search_field.setAccessibleName(_("Search samples"))
        self.status_filter.setAccessibleName(_("Filter by status"))
        self.status_filter.setItemText(0, _("Any status"))
        for row, status in enumerate(SampleStatus, start=1):
            self.status_filter.setItemText(row, status.display_name)
        self.type_filter.setAccessibleName(_("Filter by sample type"))
        self.type_filter.setItemText(0, _("Any type"))
        self.columns_button.setText(_("Columns"))
        self.columns_button.setAccessibleName(_("Choose columns"))
        for action, column in zip(self._column_actions, COLUMNS, strict=True):
            action.setText(_(column.title))
        self.table.setAccessibleName(_("Samples"))
        self.model.retranslate()
        self._update_count()

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(ngettext("{count} sample", "{count} samples", n).format(count=format_number(n)))

    def stop(self) -> None:
        """The window is closing: a search waiting for typing to pause is not started."""
        self._debounce.stop()

    # -- searching ---------------------------------------------------------------------
    @Slot()
    def run_search(self) -> None:
        """Start a search for the current text and filters; an older one still running is dropped."""
        self._debounce.stop()
        if self._search is not None and self._search.running:
            self._search.cancel()
        self._generation += 1
        generation = self._generation
        text = self.search_field.text()
        status = self.status_filter.currentData()
        sample_type = self.type_filter.currentData()
        sort, descending = self._sort
        queries = self._queries

        def job(state: TaskState) -> tuple[int, list[int]]:
            ids = queries.search_ids(
                text,
                status=[SampleStatus(status)] if status else None,
                sample_type=sample_type,
                sort=sort,
                descending=descending,
            )
            state.check()
            return generation, ids

        self.count_label.setText(_("Searching…"))
        self._search = self._tasks.submit(_("Searching samples"), job, self._on_search_done, self._on_search_failed)

    def _on_search_done(self, result: tuple[int, list[int]]) -> None:
        generation, ids = result
        if generation != self._generation:
            return
        current = self.current_sample()
        self.model.set_ids(ids)
        self._update_count()
        if current is not None:
            row = self.model.row_of_id(current.id)
            if row >= 0:
                self.table.selectRow(row)
        self.search_finished.emit(len(ids))

    def _on_search_failed(self, message: str) -> None:
        self.count_label.setText(message)

    @Slot(str, bool)
    def _on_sort_requested(self, key: str, descending: bool) -> None:
        self._sort = (key, descending)
        self.run_search()

    # -- selection -------------------------------------------------------------------------
    def current_sample(self) -> SampleView | None:
        index = self.table.currentIndex()
        return index.data(SAMPLE_ROLE) if index.isValid() else None

    def selected_samples(self) -> list[SampleView]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [s for s in (self.model.sample(r) for r in rows) if s is not None]

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        sample = current.data(SAMPLE_ROLE)
        if sample is None:
            self.model.fetch_pending()
            sample = current.data(SAMPLE_ROLE)
        if sample is not None:
            self.sample_selected.emit(sample)

    def select_sample(self, sample: SampleView) -> bool:
        """Select ``sample``'s row when it is in the results (quietly); False when it is not."""
        row = self.model.row_of_id(sample.id)
        if row < 0:
            return False
        blocker = self.table.selectionModel().blockSignals(True)
        self.table.selectRow(row)
        self.table.selectionModel().blockSignals(blocker)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # -- changes -------------------------------------------------------------------------
    def on_change(self, change: Change) -> None:
        """Reload changed rows at once; search again when a new sample may have appeared or a filter is on."""
        if not change.samples:
            return
        self.model.invalidate_ids(set(change.samples))
        filtered = bool(self.search_field.text() or self.status_filter.currentData() or self.type_filter.currentData())
        if filtered or max(change.samples) > self.model.max_id:
            self._debounce.start()
