"""The reconciliation of a box scan as a table: one row per well, the acceptable ones checkable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from tracseq_desktop.domain.scanning import Outcome, Reconciliation
from tracseq_desktop.i18n import N_, _
from tracseq_desktop.services.boxscans import QaFlag, QaKind

Index = QModelIndex | QPersistentModelIndex

#: A symbol with every outcome, so the list never relies on colour.
OUTCOME_SYMBOLS = {
    Outcome.MATCH: "=",
    Outcome.MOVED: "→",
    Outcome.MISSING: "✗",
    Outcome.UNKNOWN: "?",
    Outcome.EMPTY: "○",
    Outcome.UNREADABLE: "⚠",
    Outcome.DUPLICATE: "2×",
}
#: Light backgrounds under dark text (>= 4.5:1 with CELL_TEXT).
OUTCOME_BACKGROUNDS = {
    Outcome.MATCH: "#e4f4e8",
    Outcome.MOVED: "#fff0c2",
    Outcome.MISSING: "#fbdad6",
    Outcome.UNKNOWN: "#e8def8",
    Outcome.EMPTY: "#f1f1f1",
    Outcome.UNREADABLE: "#ffd9b3",
    Outcome.DUPLICATE: "#fbdad6",
}
CELL_TEXT = "#1b1b1b"
COLUMNS = (N_("Position"), N_("Result"), N_("Code read"), N_("Recorded here"), N_("Recorded at"), N_("Camera check"))


@dataclass(frozen=True, slots=True)
class WellRow:
    position: str
    outcome: Outcome
    seen: str | None
    recorded: str | None
    recorded_at: str
    checks: tuple[str, ...]
    acceptable: bool

    @property
    def result_text(self) -> str:
        return f"{OUTCOME_SYMBOLS[self.outcome]} {self.outcome.display_name}"

    def accessible_text(self) -> str:
        parts = [f"{self.position}: {self.outcome.display_name}"]
        if self.seen:
            parts.append(_("read {code}").format(code=self.seen))
        if self.recorded:
            parts.append(_("recorded here: {code}").format(code=self.recorded))
        if self.recorded_at:
            parts.append(_("recorded at {place}").format(place=self.recorded_at))
        parts += [_("camera check: {check}").format(check=c) for c in self.checks]
        return "; ".join(parts)


def rows_for(rec: Reconciliation, flags: list[QaFlag], *, only_differences: bool) -> list[WellRow]:
    checks: dict[str, list[QaFlag]] = {}
    for flag in flags:
        checks.setdefault(flag.position, []).append(flag)
    rows = []
    for well in rec.wells:
        here = checks.get(well.position, [])
        checked_out = any(f.kind == QaKind.CHECKED_OUT for f in here)
        if only_differences and well.outcome in (Outcome.MATCH, Outcome.EMPTY) and not here:
            continue
        place = ""
        if well.recorded_at is not None:
            place = well.recorded_at.box or _("no place yet")
            if well.recorded_at.position:
                place = f"{place}:{well.recorded_at.position}"
        rows.append(
            WellRow(
                well.position,
                well.outcome,
                well.seen,
                well.recorded,
                place,
                tuple(f.message for f in here),
                well.outcome is Outcome.MOVED or (well.outcome is Outcome.MATCH and checked_out),
            )
        )
    return rows


class ReconciliationModel(QAbstractTableModel):
    """Wells of one reconciliation; acceptable rows carry a check box (checked by default)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[WellRow] = []
        self._checked: set[str] = set()

    def set_rows(self, rows: list[WellRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._checked = {r.position for r in rows if r.acceptable}
        self.endResetModel()

    def row_at(self, row: int) -> WellRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, position: str) -> int:
        for index, row in enumerate(self._rows):
            if row.position == position:
                return index
        return -1

    def checked_positions(self) -> list[str]:
        return [r.position for r in self._rows if r.acceptable and r.position in self._checked]

    def acceptable_positions(self) -> list[str]:
        return [r.position for r in self._rows if r.acceptable]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return _(COLUMNS[section])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0 and self._rows[index.row()].acceptable:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (row.position, row.result_text, row.seen or "", row.recorded or "", row.recorded_at)
            return values[column] if column < len(values) else "; ".join(row.checks)
        if role == Qt.ItemDataRole.CheckStateRole and column == 0 and row.acceptable:
            return Qt.CheckState.Checked if row.position in self._checked else Qt.CheckState.Unchecked
        styled = {
            int(Qt.ItemDataRole.BackgroundRole): lambda: QColor(OUTCOME_BACKGROUNDS[row.outcome]),
            int(Qt.ItemDataRole.ForegroundRole): lambda: QColor(CELL_TEXT),
            int(Qt.ItemDataRole.AccessibleTextRole): row.accessible_text,
            int(Qt.ItemDataRole.ToolTipRole): row.accessible_text,
        }
        maker = styled.get(int(role))
        return maker() if maker is not None else None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        row = self._rows[index.row()]
        if not row.acceptable:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if checked:
            self._checked.add(row.position)
        else:
            self._checked.discard(row.position)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True
