"""The storage tree (site > room > unit > rack > box) as a lazily loaded Qt item model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal

from tracseq_desktop.domain.enums import LocationKind
from tracseq_desktop.domain.views import LocationNode
from tracseq_desktop.i18n import _
from tracseq_desktop.services.queries import QueryService
from ui.mime import SAMPLES_MIME, decode_samples

Index = QModelIndex | QPersistentModelIndex
LOCATION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
LABEL_ROLE = Qt.ItemDataRole.UserRole + 3


class _Node:
    __slots__ = ("children", "data", "parent", "row")

    def __init__(self, data: LocationNode | None, parent: _Node | None, row: int) -> None:
        self.data = data
        self.parent = parent
        self.row = row
        self.children: list[_Node] | None = None  # None: not fetched yet


class StorageTreeModel(QAbstractItemModel):
    """Holds location nodes with fill levels; children are fetched when a branch opens.

    Dropping samples on a box emits ``samples_dropped(barcodes, box_label)``; the
    window turns that into a move, so the model never writes.
    """

    samples_dropped = Signal(list, str)

    def __init__(self, queries: QueryService, parent: Any = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self._root = _Node(None, None, 0)
        self._by_id: dict[int, _Node] = {}

    # -- structure -------------------------------------------------------------------
    def _node(self, index: Index) -> _Node:
        if index.isValid():
            node = index.internalPointer()
            assert isinstance(node, _Node)
            return node
        return self._root

    def _ensure(self, node: _Node) -> list[_Node]:
        if node.children is None:
            parent_id = node.data.location.id if node.data else None
            nodes = self._queries.children(parent_id, compute_fill=False)
            node.children = [_Node(n, node, i) for i, n in enumerate(nodes)]
            for child in node.children:
                assert child.data is not None
                self._by_id[child.data.location.id] = child
        return node.children

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        node = self._node(parent)
        children = self._ensure(node) if node is self._root else (node.children or [])
        if row >= len(children):
            return QModelIndex()
        return self.createIndex(row, 0, children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self._node(index).parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        node = self._node(parent)
        if node is self._root:
            return len(self._ensure(node))
        return len(node.children) if node.children is not None else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        node = self._node(parent)
        if node is self._root:
            return True
        assert node.data is not None
        return node.data.child_count > 0 if node.children is None else bool(node.children)

    def canFetchMore(self, parent: Index) -> bool:
        node = self._node(parent)
        return node is not self._root and node.children is None and bool(node.data and node.data.child_count)

    def fetchMore(self, parent: Index) -> None:
        node = self._node(parent)
        if node.children is not None or node.data is None:
            return
        nodes = self._queries.children(node.data.location.id, compute_fill=False)
        if not nodes:
            node.children = []
            return
        self.beginInsertRows(parent, 0, len(nodes) - 1)
        node.children = [_Node(n, node, i) for i, n in enumerate(nodes)]
        for child in node.children:
            assert child.data is not None
            self._by_id[child.data.location.id] = child
        self.endInsertRows()

    # -- data ------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911  (one branch per role)
        if not index.isValid():
            return None
        node = self._node(index).data
        assert node is not None
        loc = node.location
        if role == Qt.ItemDataRole.DisplayRole:
            title = loc.label if not loc.name or loc.name == loc.label else f"{loc.label} {loc.name}"
            if node.capacity:
                return f"{title} · {node.occupied}/{node.capacity}"
            return title
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            text = _("{kind} {label}").format(kind=loc.kind.display_name, label=loc.label)
            if loc.name:
                text += f" ({loc.name})"
            if node.capacity:
                text += ", " + _("{occupied} of {capacity} places used").format(
                    occupied=node.occupied, capacity=node.capacity
                )
            if loc.retired:
                text += ", " + _("retired")
            return text
        if role == LOCATION_ID_ROLE:
            return loc.id
        if role == KIND_ROLE:
            return loc.kind.value
        if role == LABEL_ROLE:
            return loc.label
        if role == Qt.ItemDataRole.FontRole and loc.retired:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setItalic(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and section == 0 and role == Qt.ItemDataRole.DisplayRole:
            return _("Storage")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        node = self._node(index).data
        if node is not None and node.location.kind is LocationKind.BOX and not node.location.retired:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    # -- drops -----------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [SAMPLES_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not data.hasFormat(SAMPLES_MIME) or not parent.isValid():
            return False
        return bool(self.flags(parent) & Qt.ItemFlag.ItemIsDropEnabled)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        barcodes = [barcode for barcode, _pos in decode_samples(data)]
        self.samples_dropped.emit(barcodes, self.data(parent, LABEL_ROLE))
        return False  # the move happens through the services; the source model is not asked to remove rows

    # -- lookups and refresh ---------------------------------------------------------
    def index_for_location(self, location_id: int, path_ids: list[int]) -> QModelIndex:
        """The index of ``location_id``, fetching the branches ``path_ids`` (root first) on the way."""
        for ancestor in path_ids:
            node = self._by_id.get(ancestor)
            if node is None:
                return QModelIndex()
            if node.children is None:
                self.fetchMore(self.createIndex(node.row, 0, node))
        node = self._by_id.get(location_id)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def update_fill(self, fill: dict[int, tuple[int, int]]) -> None:
        """New fill levels (from a worker) for the loaded nodes; one dataChanged per changed node."""
        for loc_id, node in self._by_id.items():
            if node.data is None or loc_id not in fill:
                continue
            occupied, capacity = fill[loc_id]
            if (occupied, capacity) != (node.data.occupied, node.data.capacity):
                node.data = replace(node.data, occupied=occupied, capacity=capacity)
                index = self.createIndex(node.row, 0, node)
                self.dataChanged.emit(index, index)

    def reload(self) -> None:
        """Locations were created, moved or renamed: start again from the sites."""
        self.beginResetModel()
        self._root = _Node(None, None, 0)
        self._by_id = {}
        self.endResetModel()
