"""The storage browser: the lazily loaded location tree with fill levels."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal, Slot
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QVBoxLayout, QWidget

from tracseq_desktop.domain.views import LocationView
from tracseq_desktop.i18n import _
from tracseq_desktop.services.queries import QueryService
from ui.treemodel import KIND_ROLE, LOCATION_ID_ROLE, StorageTreeModel


class StorageTreePanel(QWidget):
    """Emits ``box_chosen(box_id)`` when a box becomes current; drops on boxes go out as ``samples_dropped``."""

    box_chosen = Signal(int)

    def __init__(self, queries: QueryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self.model = StorageTreeModel(queries, self)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        self.view.setAcceptDrops(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.view.setDefaultDropAction(self.model.supportedDropActions())
        self.view.setDropIndicatorShown(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.view.setAccessibleName(_("Storage locations"))
        self.view.setAccessibleDescription(_("Sites, rooms, storage units, racks and boxes with places used."))
        self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(self.model.rowCount() - 1, 0))

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.data(KIND_ROLE) == "box":
            self.box_chosen.emit(int(current.data(LOCATION_ID_ROLE)))

    def reveal(self, location: LocationView) -> None:
        """Expand the branches down to ``location`` and make it current (quietly: no ``box_chosen``)."""
        chain: list[int] = []
        parent_id = location.parent_id
        while parent_id is not None:
            chain.insert(0, parent_id)
            parent_id = self._queries.location_by_id(parent_id).parent_id
        index = self.model.index_for_location(location.id, chain)
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        blocker = self.view.selectionModel().blockSignals(True)
        self.view.setCurrentIndex(index)
        self.view.selectionModel().blockSignals(blocker)
        self.view.scrollTo(index)
