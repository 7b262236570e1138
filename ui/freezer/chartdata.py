"""What one chart shows, loaded on a worker: the series as arrays, limits and excursions; and its table model.

The table model gives screen-reader users the same values as the chart, one row
per point, with the excursion a point falls in spelled out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.i18n import N_, _, format_number
from tracseq_desktop.services.monitoring import MonitoringService
from ui.freezer.text import clock

MAX_POINTS = 2000  #: points the services return for one chart (about one per horizontal pixel)
_Index = QModelIndex | QPersistentModelIndex


class ChartRange(Enum):
    """The preset periods; value = (seconds, title)."""

    HOUR = (3600.0, N_("Last hour"))
    DAY = (86400.0, N_("Day"))
    MONTH = (30 * 86400.0, N_("30 days"))
    YEAR = (365 * 86400.0, N_("Year"))

    @property
    def seconds(self) -> float:
        return self.value[0]

    @property
    def title(self) -> str:
        return _(self.value[1])


@dataclass(frozen=True, slots=True)
class Excursion:
    """A temperature alarm's span (``end`` None while it lasts), for shading and the table."""

    alarm_id: int
    title: str
    start: float  #: epoch seconds
    end: float | None
    peak: float | None
    limit: float | None


@dataclass(slots=True)
class ChartData:
    """One unit over one period: arrays for pyqtgraph (epoch seconds, °C; NaN for gaps)."""

    unit: str
    since: float
    until: float
    resolution_s: float
    source: str
    at: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: np.ndarray
    count: np.ndarray
    high_limit: float | None = None
    low_limit: float | None = None
    excursions: list[Excursion] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.at)

    @property
    def bucketed(self) -> bool:
        return self.resolution_s > 0

    def append(self, reading: Reading) -> bool:
        """Add a live reading after the last point (single readings only); False if it does not fit."""
        at = reading.taken_at.timestamp()
        if self.bucketed or (len(self.at) and at <= self.at[-1]):
            return False
        t = math.nan if reading.temperature is None else reading.temperature
        level = math.nan if reading.ln2_level_mm is None else reading.ln2_level_mm
        self.at = np.append(self.at, at)
        self.mean = np.append(self.mean, t)
        self.low = np.append(self.low, t)
        self.high = np.append(self.high, t)
        self.level = np.append(self.level, level)
        self.count = np.append(self.count, 1)
        self.until = max(self.until, at)
        return True

    def excursion_at(self, at: float) -> Excursion | None:
        for excursion in self.excursions:
            if excursion.start <= at <= (excursion.end if excursion.end is not None else math.inf):
                return excursion
        return None


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def load_chart(
    monitoring: MonitoringService, unit: str, since: datetime, until: datetime, max_points: int = MAX_POINTS
) -> ChartData:
    """Series, limits and excursions of ``unit`` (run it on a worker)."""
    series = monitoring.readings(unit, since, until, max_points=max_points)
    points = series.points
    settings = monitoring.link_of(unit).settings
    now = datetime.now(UTC).timestamp()
    excursions = [
        Excursion(
            a.id,
            a.title,
            a.started_at.timestamp(),
            None if a.cleared_at is None else a.cleared_at.timestamp(),
            a.peak,
            a.limit,
        )
        for a in monitoring.alarms(include_closed=True, unit=unit)
        if a.excursion and (a.cleared_at is None or a.cleared_at >= since) and a.started_at <= until
    ]
    return ChartData(
        unit=unit,
        since=since.timestamp(),
        until=min(until.timestamp(), now) if until.timestamp() > now - 1 else until.timestamp(),
        resolution_s=series.resolution_s,
        source=series.source,
        at=np.fromiter((p.at.timestamp() for p in points), dtype=np.float64, count=len(points)),
        mean=np.fromiter((_nan(p.mean) for p in points), dtype=np.float64, count=len(points)),
        low=np.fromiter((_nan(p.low) for p in points), dtype=np.float64, count=len(points)),
        high=np.fromiter((_nan(p.high) for p in points), dtype=np.float64, count=len(points)),
        level=np.fromiter((_nan(p.level_mm) for p in points), dtype=np.float64, count=len(points)),
        count=np.fromiter((p.n for p in points), dtype=np.int64, count=len(points)),
        high_limit=settings.high_c,
        low_limit=settings.low_c,
        excursions=sorted(excursions, key=lambda e: e.start),
    )


def period_ending_now(chart_range: ChartRange) -> tuple[datetime, datetime]:
    until = datetime.now(UTC)
    return until - timedelta(seconds=chart_range.seconds), until


_COLUMNS = (
    N_("Time"),
    N_("Temperature (°C)"),
    N_("Minimum (°C)"),
    N_("Maximum (°C)"),
    N_("Readings"),
    N_("LN2 level (mm)"),
    N_("Alarm"),
)


class ChartTableModel(QAbstractTableModel):
    """The chart's points as rows, newest last; ``data()`` only formats what is loaded."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.chart: ChartData | None = None
        self._rows = 0  #: rows announced to views (the chart may already hold more before ``appended``)

    def set_chart(self, chart: ChartData | None) -> None:
        self.beginResetModel()
        self.chart = chart
        self._rows = len(chart) if chart is not None else 0
        self.endResetModel()

    def appended(self) -> None:
        """The chart grew at the end (call after ``ChartData.append``): announce the new rows."""
        if self.chart is None or len(self.chart) <= self._rows:
            return
        self.beginInsertRows(QModelIndex(), self._rows, len(self.chart) - 1)
        self._rows = len(self.chart)
        self.endInsertRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return _(_COLUMNS[section]) if 0 <= section < len(_COLUMNS) else None
        return section + 1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        chart = self.chart
        if chart is None or not index.isValid() or not 0 <= index.row() < self._rows:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            left = index.column() in (0, 6)
            return int(
                Qt.AlignmentFlag.AlignVCenter | (Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight)
            )
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _cell(chart, index.row(), index.column())
        return None


def _cell(chart: ChartData, row: int, column: int) -> str:
    at = float(chart.at[row])
    if column == 0:
        return clock(datetime.fromtimestamp(at, UTC))
    if column in (1, 2, 3, 5):
        array = {1: chart.mean, 2: chart.low, 3: chart.high, 5: chart.level}[column]
        value = float(array[row])
        return "" if math.isnan(value) else format_number(value, 0 if column == 5 else 2)
    if column == 4:
        return format_number(int(chart.count[row]))
    excursion = chart.excursion_at(at)
    if excursion is None and chart.bucketed:
        excursion = chart.excursion_at(at + chart.resolution_s)
    return excursion.title if excursion is not None else ""
