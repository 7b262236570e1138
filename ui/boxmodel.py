"""One box as a Qt model: a grid of positions, or a plain list for gridless containers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.domain.geometry import position_label, row_label
from tracseq_desktop.domain.views import BoxView, SampleView
from tracseq_desktop.i18n import _
from ui.mime import SAMPLES_MIME, decode_samples, encode_samples
from ui.sampletext import describe, short_id, status_tags, type_colour

Index = QModelIndex | QPersistentModelIndex
SAMPLE_ROLE = Qt.ItemDataRole.UserRole + 10
POSITION_ROLE = Qt.ItemDataRole.UserRole + 11
TAGS_ROLE = Qt.ItemDataRole.UserRole + 12
MARK_ROLE = Qt.ItemDataRole.UserRole + 13  #: "highlight" (scanned) / "placed" (just stored) / "target" / None

Placement = tuple[str, str, str | None]


class _BoxModelBase:
    """Shared state: the box view, the expiry window and the marks the bench workflow sets."""

    def _init_box(self) -> None:
        self._box: BoxView | None = None
        self._by_pos: dict[tuple[int, int], SampleView] = {}
        self._marks: dict[str, str] = {}  # position label or barcode -> mark
        self.warning_days = 30
        self.now: datetime | None = None

    @property
    def box(self) -> BoxView | None:
        return self._box


class BoxGridModel(_BoxModelBase, QAbstractTableModel):
    """Rows and columns of a grid box; a cell's data is its position and sample.

    Dropping samples on a cell emits ``move_requested(placements)``; the window moves
    them through the services, then reloads the box from the change event.
    """

    move_requested = Signal(list)

    def __init__(self, parent: Any = None) -> None:
        QAbstractTableModel.__init__(self, parent)
        self._init_box()

    def set_box(self, box: BoxView | None) -> None:
        self.beginResetModel()
        self._box = box if box is not None and box.box.geometry and box.box.geometry.has_grid else None
        self._by_pos = {}
        if self._box is not None:
            self._by_pos = {(s.row, s.col): s for s in self._box.samples if s.row is not None and s.col is not None}
        self.endResetModel()

    def set_marks(self, marks: dict[str, str]) -> None:
        """Marks by position label ("C4"): highlight, placed, target."""
        self._marks = dict(marks)
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._box is None:
            return 0
        return self._box.geometry.rows or 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._box is None:
            return 0
        return self._box.geometry.cols or 0

    def sample_at(self, row: int, col: int) -> SampleView | None:
        return self._by_pos.get((row, col))

    def index_of_position(self, position: str) -> QModelIndex:
        if self._box is None:
            return QModelIndex()
        try:
            row, col = self._box.geometry.parse_position(position)
        except DomainError:
            return QModelIndex()
        return self.index(row, col)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911  (one branch per role)
        if not index.isValid() or self._box is None:
            return None
        pos = position_label(index.row(), index.column())
        sample = self._by_pos.get((index.row(), index.column()))
        if role == Qt.ItemDataRole.DisplayRole:
            return pos if sample is None else f"{pos}\n{short_id(sample.barcode)}\n{sample.sample_type}"
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            text = describe(pos, sample, self.warning_days, self.now)
            mark = self._marks.get(pos)
            if mark == "highlight":
                text += ", " + _("scanned")
            elif mark == "placed":
                text += ", " + _("just placed")
            elif mark == "target":
                text += ", " + _("next place")
            return text
        if role == Qt.ItemDataRole.BackgroundRole:
            return type_colour(sample.sample_type) if sample is not None else None
        if role == SAMPLE_ROLE:
            return sample
        if role == POSITION_ROLE:
            return pos
        if role == TAGS_ROLE:
            return status_tags(sample, self.warning_days, self.now or datetime.now(UTC)) if sample else []
        if role == MARK_ROLE:
            return self._marks.get(pos)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else _("column {n}").format(n=section + 1)
        label = row_label(section)
        return label if role == Qt.ItemDataRole.DisplayRole else _("row {label}").format(label=label)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled
        sample = self._by_pos.get((index.row(), index.column()))
        if sample is not None and not sample.status.is_final:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    # -- drag and drop -----------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [SAMPLES_MIME]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        items = []
        for index in sorted(indexes, key=lambda i: (i.row(), i.column())):
            sample = self._by_pos.get((index.row(), index.column()))
            if sample is not None:
                items.append((sample.barcode, position_label(index.row(), index.column())))
        return encode_samples(items)

    def placements_for_drop(self, items: list[tuple[str, str | None]], row: int, col: int) -> list[Placement]:
        """Where dropped samples go: the set keeps its shape with its top-left cell on the target.

        Samples without a position here (from another box) fill the following free cells.
        """
        if self._box is None or not items:
            return []
        geometry = self._box.geometry
        label = self._box.box.label
        here = {s.barcode for s in self._box.samples}
        positioned: list[tuple[str, int, int]] = []
        loose: list[str] = []
        for barcode, pos in items:
            if pos is not None and barcode in here:
                r, c = geometry.parse_position(pos)
                positioned.append((barcode, r, c))
            else:
                loose.append(barcode)
        placements: list[Placement] = []
        taken: set[tuple[int, int]] = set()
        if positioned:
            top = min(r for _b, r, _c in positioned)
            left = min(c for _b, _r, c in positioned)
            for barcode, r, c in positioned:
                target = (row + r - top, col + c - left)
                placements.append((barcode, label, self._label_or_none(target)))
                taken.add(target)
        moving = {b for b, _p in items}
        free = [
            (r, c)
            for r, c in geometry.positions()
            if (r, c) >= (row, col)
            and (r, c) not in taken
            and ((r, c) not in self._by_pos or self._by_pos[(r, c)].barcode in moving)
        ]
        for barcode, cell in zip(loose, free, strict=False):
            placements.append((barcode, label, position_label(*cell)))
        if len(placements) < len(items):
            placed = {p[0] for p in placements}
            placements.extend((b, label, None) for b in loose if b not in placed)
        return placements

    def _label_or_none(self, cell: tuple[int, int]) -> str | None:
        assert self._box is not None
        rows, cols = self._box.geometry.rows or 0, self._box.geometry.cols or 0
        if 0 <= cell[0] < rows and 0 <= cell[1] < cols:
            return position_label(*cell)
        # Off the grid: let the service refuse it in words (InvalidPosition).
        return f"{row_label(cell[0]) if cell[0] >= 0 else '?'}{cell[1] + 1}"

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        return self._box is not None and data.hasFormat(SAMPLES_MIME) and parent.isValid()

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        placements = self.placements_for_drop(decode_samples(data), parent.row(), parent.column())
        moved = [p for p in placements if not self._is_noop(p)]
        if moved:
            self.move_requested.emit(moved)
        return False  # the services move the samples; the change event reloads this model

    def _is_noop(self, placement: Placement) -> bool:
        barcode, _box, pos = placement
        if pos is None or self._box is None:
            return False
        try:
            r, c = self._box.geometry.parse_position(pos)
        except DomainError:
            return False
        current = self._by_pos.get((r, c))
        return current is not None and current.barcode == barcode


class BoxListModel(_BoxModelBase, QAbstractListModel):
    """The samples of a container without a grid (a bag, a tray), one row each."""

    move_requested = Signal(list)

    def __init__(self, parent: Any = None) -> None:
        QAbstractListModel.__init__(self, parent)
        self._init_box()

    def set_box(self, box: BoxView | None) -> None:
        self.beginResetModel()
        self._box = box if box is not None and box.box.geometry and not box.box.geometry.has_grid else None
        self.endResetModel()

    def set_marks(self, marks: dict[str, str]) -> None:
        self._marks = dict(marks)
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._box is None:
            return 0
        return len(self._box.samples)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911  (one branch per role)
        if not index.isValid() or self._box is None or index.row() >= len(self._box.samples):
            return None
        sample = self._box.samples[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            tags = status_tags(sample, self.warning_days, self.now)
            return " · ".join([sample.barcode, sample.sample_type, sample.status.display_name, *tags])
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return describe(None, sample, self.warning_days, self.now)
        if role == Qt.ItemDataRole.BackgroundRole:
            return type_colour(sample.sample_type)
        if role == SAMPLE_ROLE:
            return sample
        if role == MARK_ROLE:
            return self._marks.get(sample.barcode)
        return None

    def row_of(self, barcode: str) -> int:
        if self._box is None:
            return -1
        for row, sample in enumerate(self._box.samples):
            if sample.barcode == barcode:
                return row
        return -1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [SAMPLES_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        assert self._box is not None
        return encode_samples([(self._box.samples[i.row()].barcode, None) for i in indexes if i.isValid()])

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        return self._box is not None and data.hasFormat(SAMPLES_MIME)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        assert self._box is not None
        here = {s.barcode for s in self._box.samples}
        label = self._box.box.label
        moved = [(b, label, None) for b, _p in decode_samples(data) if b not in here]
        if moved:
            self.move_requested.emit(moved)
        return False
