"""The box map: a grid of positions (or a list for gridless containers) for the open box."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListView,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.domain.views import BoxView, SampleView
from tracseq_desktop.i18n import _
from ui.boxmodel import MARK_ROLE, POSITION_ROLE, SAMPLE_ROLE, TAGS_ROLE, BoxGridModel, BoxListModel, Placement
from ui.sampletext import CELL_TEXT, EMPTY_BACKGROUND, short_id

Index = QModelIndex | QPersistentModelIndex
MARK_COLOURS = {"highlight": QColor("#b3261e"), "placed": QColor("#146c2e"), "target": QColor("#0b4f8a")}


class BoxCellDelegate(QStyledItemDelegate):
    """Paints a position: label, short id, type word, status tags; checked-out cells are hatched."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        rect: QRect = option.rect.adjusted(1, 1, -1, -1)
        sample: SampleView | None = index.data(SAMPLE_ROLE)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        background = index.data(Qt.ItemDataRole.BackgroundRole) or EMPTY_BACKGROUND
        text_colour = CELL_TEXT
        if selected:
            background, text_colour = palette.highlight().color(), palette.highlightedText().color()
        painter.fillRect(rect, background)
        if sample is not None and sample.status is SampleStatus.CHECKED_OUT and not selected:
            painter.fillRect(rect, QBrush(QColor("#8a8a8a"), Qt.BrushStyle.BDiagPattern))
        if sample is None and not selected:
            painter.setPen(QPen(QColor("#c4c4c4"), 1, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        mark = index.data(MARK_ROLE)
        if mark in MARK_COLOURS:
            painter.setPen(QPen(MARK_COLOURS[mark], 4))
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(text_colour, 1, Qt.PenStyle.DotLine))
            painter.drawRect(rect.adjusted(5, 5, -5, -5))
        font = QFont(option.font)
        metrics_height = painter.fontMetrics().height()
        inner = rect.adjusted(6, 4, -6, -4)
        painter.setPen(text_colour)
        font.setBold(True)
        painter.setFont(font)
        position = index.data(POSITION_ROLE)
        painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, position)
        tags = index.data(TAGS_ROLE) or []
        if tags:
            painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, " ".join(tags))
        if sample is not None:
            font.setBold(False)
            painter.setFont(font)
            line = inner.adjusted(0, metrics_height, 0, 0)
            fm = painter.fontMetrics()
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, short_id(sample.barcode))
            line = line.adjusted(0, metrics_height, 0, 0)
            elided = fm.elidedText(sample.sample_type, Qt.TextElideMode.ElideRight, line.width())
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, elided)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        height = option.fontMetrics.height()
        return QSize(height * 5, height * 3 + 10)


class BoxGridView(QTableView):
    """The grid; Ctrl+X marks the selection to move, Ctrl+V puts it at the current cell (drag and drop by keys)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(BoxCellDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(True)
        self.setDropIndicatorShown(True)
        self.setShowGrid(False)
        self.setTabKeyNavigation(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(48)
        self.verticalHeader().setMinimumSectionSize(40)


class BoxMapPanel(QWidget):
    """Shows one box; emits what the user picks or drags, never writes itself."""

    sample_selected = Signal(object)  #: SampleView or None
    position_clicked = Signal(str, str)  #: box label, position label
    move_requested = Signal(list)  #: placements

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid_model = BoxGridModel(self)
        self.list_model = BoxListModel(self)
        self.title = QLabel(self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.grid = BoxGridView(self)
        self.grid.setModel(self.grid_model)
        self.list = QListView(self)
        self.list.setModel(self.list_model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget(self)
        for widget in (self.empty, self.grid, self.list):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self._cut: list[tuple[str, str | None]] = []
        for model in (self.grid_model, self.list_model):
            model.move_requested.connect(self.move_requested)
        self.grid.selectionModel().currentChanged.connect(self._on_grid_current_changed)
        self.grid.clicked.connect(self._on_grid_clicked)
        self.grid.activated.connect(self._on_grid_clicked)
        self.list.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self._cut_shortcut = QShortcut(QKeySequence.StandardKey.Cut, self.grid, self.cut_selection)
        self._paste_shortcut = QShortcut(QKeySequence.StandardKey.Paste, self.grid, self.paste_at_current)
        for shortcut in (self._cut_shortcut, self._paste_shortcut):
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.retranslate()

    def retranslate(self) -> None:
        self.grid.setAccessibleName(_("Box map"))
        self.grid.setAccessibleDescription(
            _("Arrow keys move between positions. Ctrl+X picks the selected samples, Ctrl+V moves them here.")
        )
        self.list.setAccessibleName(_("Samples in the container"))
        self.empty.setText(_("Scan or pick a box to see its positions."))
        self._update_title()
        for model in (self.grid_model, self.list_model):
            model.set_marks(model._marks)

    # -- content ---------------------------------------------------------------------
    @property
    def box(self) -> BoxView | None:
        return self.grid_model.box or self.list_model.box

    def show_box(self, box: BoxView | None) -> None:
        current = self.grid.currentIndex()
        keep = (current.row(), current.column()) if current.isValid() else None
        same_box = box is not None and self.box is not None and self.box.box.id == box.box.id
        self.grid_model.set_box(box)
        self.list_model.set_box(box)
        if box is None:
            self.stack.setCurrentWidget(self.empty)
        elif box.box.geometry is not None and box.box.geometry.has_grid:
            self.stack.setCurrentWidget(self.grid)
            if same_box and keep is not None:
                self.grid.setCurrentIndex(self.grid_model.index(*keep))
        else:
            self.stack.setCurrentWidget(self.list)
        self._update_title()

    def set_warning_days(self, days: int) -> None:
        self.grid_model.warning_days = self.list_model.warning_days = days

    def _update_title(self) -> None:
        box = self.box
        if box is None:
            self.title.setText(_("No box open"))
            return
        self.title.setText(
            _("{label} · {path} · {occupied} of {capacity} places used").format(
                label=box.box.label,
                path=" › ".join(box.box.path[:-1]),
                occupied=box.occupied,
                capacity=box.box.geometry.capacity if box.box.geometry else 0,
            )
        )

    def mark(self, marks: dict[str, str]) -> None:
        self.grid_model.set_marks(marks)
        self.list_model.set_marks(marks)

    def focus_position(self, position: str | None, barcode: str | None = None) -> None:
        """Make ``position`` (or the list row of ``barcode``) current and visible, without moving focus."""
        if self.stack.currentWidget() is self.grid and position:
            index = self.grid_model.index_of_position(position)
            if index.isValid():
                self.grid.setCurrentIndex(index)
                self.grid.scrollTo(index)
        elif self.stack.currentWidget() is self.list and barcode:
            row = self.list_model.row_of(barcode)
            if row >= 0:
                self.list.setCurrentIndex(self.list_model.index(row))

    def view(self) -> QAbstractItemView:
        return self.list if self.stack.currentWidget() is self.list else self.grid

    # -- keyboard move ---------------------------------------------------------------------
    @Slot()
    def cut_selection(self) -> None:
        indexes = self.grid.selectionModel().selectedIndexes()
        self._cut = []
        for index in sorted(indexes, key=lambda i: (i.row(), i.column())):
            sample = index.data(SAMPLE_ROLE)
            if sample is not None:
                self._cut.append((sample.barcode, index.data(POSITION_ROLE)))

    @Slot()
    def paste_at_current(self) -> None:
        index = self.grid.currentIndex()
        if not self._cut or not index.isValid():
            return
        placements: list[Placement] = self.grid_model.placements_for_drop(self._cut, index.row(), index.column())
        self._cut = []
        if placements:
            self.move_requested.emit(placements)

    @property
    def picked(self) -> list[tuple[str, str | None]]:
        return list(self._cut)

    # -- signals out ---------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_grid_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.sample_selected.emit(current.data(SAMPLE_ROLE) if current.isValid() else None)

    @Slot(QModelIndex)
    def _on_grid_clicked(self, index: QModelIndex) -> None:
        box = self.box
        if box is not None and index.isValid():
            self.position_clicked.emit(box.box.label, index.data(POSITION_ROLE))

    @Slot(QModelIndex, QModelIndex)
    def _on_list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.sample_selected.emit(current.data(SAMPLE_ROLE) if current.isValid() else None)

    def sizeHint(self) -> QSize:
        return QSize(720, 560)
