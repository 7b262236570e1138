"""The sample table: all ids of a search, rows loaded a page at a time when they come into view.

``data()`` never touches the database: a missing page is queued and loaded right
after the paint (one indexed query of ``PAGE_SIZE`` ids, well under a frame), then
its rows are announced with ``dataChanged``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal

from tracseq_desktop.domain.quantities import format_volume
from tracseq_desktop.domain.views import SampleView
from tracseq_desktop.i18n import N_, _, format_datetime
from ui.mime import SAMPLES_MIME, encode_samples

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
MAX_CACHED_PAGES = 64
SAMPLE_ROLE = Qt.ItemDataRole.UserRole + 20


@dataclass(frozen=True)
class Column:
    key: str
    title: str  #: N_-marked
    sort_key: str | None
    text: Callable[[SampleView], str]
    visible: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("barcode", N_("Barcode"), "barcode", lambda s: s.barcode),
    Column("sample_type", N_("Type"), "sample_type", lambda s: s.sample_type),
    Column("status", N_("Status"), "status", lambda s: s.status.display_name),
    Column("volume", N_("Volume"), "volume_nl", lambda s: format_volume(s.volume_nl)),
    Column("where", N_("Place"), "box", lambda s: s.where),
    Column("project", N_("Project"), "project", lambda s: s.project or ""),
    Column("owner", N_("Owner"), "owner", lambda s: s.owner or ""),
    Column("expires_at", N_("Expires"), "expires_at", lambda s: format_datetime(s.expires_at, "short")),
    Column("collected_at", N_("Collected"), None, lambda s: format_datetime(s.collected_at, "short"), False),
    Column("parent", N_("Parent"), None, lambda s: s.parent_barcode or "", False),
    Column("freeze_thaw", N_("Freeze-thaw cycles"), None, lambda s: str(s.freeze_thaw_count), False),
)


class SampleTableModel(QAbstractTableModel):
    """Rows are the ids of the current search; ``sort_requested(key, descending)`` asks for a new id list."""

    sort_requested = Signal(str, bool)

    def __init__(self, load: Callable[[Sequence[int]], list[SampleView]], parent: Any = None) -> None:
        super().__init__(parent)
        self._load = load
        self._ids: list[int] = []
        self._rows: dict[int, int] | None = None
        self._pages: dict[int, list[SampleView | None]] = {}
        self._wanted: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fetch_pending)
        self.max_id = 0
        self.pages_loaded = 0

    # -- content ---------------------------------------------------------------------
    def set_ids(self, ids: list[int], max_id: int | None = None) -> None:
        self.beginResetModel()
        self._ids = ids
        self._rows = None  # id -> row, built on first lookup
        self._pages = {}
        self._wanted = set()
        self.max_id = max_id if max_id is not None else (max(ids) if ids else 0)
        self.endResetModel()

    @property
    def ids(self) -> list[int]:
        return self._ids

    def row_of_id(self, sample_id: int) -> int:
        """The row showing ``sample_id`` or -1; a dict built once per result set keeps this O(1)."""
        if self._rows is None:
            self._rows = {sample_id: row for row, sample_id in enumerate(self._ids)}
        return self._rows.get(sample_id, -1)

    def sample(self, row: int) -> SampleView | None:
        page = self._pages.get(row // PAGE_SIZE)
        return page[row % PAGE_SIZE] if page is not None else None

    def invalidate_ids(self, changed: set[int]) -> None:
        """Drop cached pages holding changed samples and reload them soon."""
        for number, page in list(self._pages.items()):
            if any(s is not None and s.id in changed for s in page):
                del self._pages[number]
                self._wanted.add(number)
        if self._wanted:
            self._timer.start()

    # -- lazy loading -------------------------------------------------------------------
    def _request(self, page: int) -> None:
        if page not in self._wanted:
            self._wanted.add(page)
            self._timer.start()

    def fetch_pending(self) -> None:
        wanted, self._wanted = sorted(self._wanted), set()
        for number in wanted:
            if number in self._pages:
                continue
            ids = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
            if not ids:
                continue
            by_id = {s.id: s for s in self._load(ids)}
            self._pages[number] = [by_id.get(i) for i in ids]
            self.pages_loaded += 1
            while len(self._pages) > MAX_CACHED_PAGES:
                oldest = next(iter(self._pages))
                if oldest == number:
                    break
                del self._pages[oldest]
            first = number * PAGE_SIZE
            self.dataChanged.emit(self.index(first, 0), self.index(first + len(ids) - 1, len(COLUMNS) - 1))

    # -- Qt model interface ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911  (one branch per role)
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, SAMPLE_ROLE):
            return None
        number = index.row() // PAGE_SIZE
        page = self._pages.get(number)
        if page is None:
            self._request(number)
            return "…" if role != SAMPLE_ROLE else None
        sample = page[index.row() % PAGE_SIZE]
        if sample is None:
            return None
        if role == SAMPLE_ROLE:
            return sample
        column = COLUMNS[index.column()]
        text = column.text(sample)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{_(column.title)}: {text or _('none')}"
        return text

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section].title) if 0 <= section < len(COLUMNS) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [SAMPLES_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        rows = sorted({i.row() for i in indexes if i.isValid()})
        samples = [self.sample(r) for r in rows]
        return encode_samples([(s.barcode, None) for s in samples if s is not None])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column].sort_key
        if key is not None:
            self.sort_requested.emit(key, order == Qt.SortOrder.DescendingOrder)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._pages = {}
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))
