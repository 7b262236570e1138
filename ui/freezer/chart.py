"""The chart of one unit: preset periods, zoom and pan in time, limit lines, shaded excursions, and a table.

Data come from ``load_chart`` on the window's workers. The services downsample
long periods (hourly and daily rollups); when the user zooms in past what the
loaded resolution shows, the visible window is reloaded in finer detail after a
short pause. pyqtgraph's own peak downsampling and clip-to-view keep dense
windows fast. Mouse zoom and pan act on time; the temperature axis fits the
visible values and the limits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.i18n import _, format_number, ngettext
from ui.freezer.chartdata import ChartData, ChartRange, ChartTableModel
from ui.freezer.text import celsius

#: A loader runs ``load_chart`` for (unit, since, until) off the GUI thread and calls back with the data.
ChartLoader = Callable[[str, datetime, datetime, Callable[[ChartData], None]], None]

INK = "#1b1b1b"
LINE = "#0b4f8a"  # 8:1 on white
BAND = (11, 79, 138, 60)
HIGH = "#8b0000"
LOW = "#1f4e9a"
EXCURSION = (139, 0, 0, 90)
DETAIL_RELOAD_MS = 350
MIN_VISIBLE_POINTS = 240  #: fewer points than this in view: load the window in finer detail


class ChartPanel(QWidget):
    """Chart and table of the selected unit; ``loaded(ChartData | None)`` after each change of data."""

    loaded = Signal(object)  #: ChartData shown

    def __init__(self, loader: ChartLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self.unit: str | None = None
        self.chart_range = ChartRange.HOUR
        self.data: ChartData | None = None
        self.following = True  #: the view ends at "now" and moves with new readings
        self._request = 0
        self._setting_view = False
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        ranges = self._build_buttons()
        self._build_plot()
        self.table_model = ChartTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.table_model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.plot, "")
        self.tabs.addTab(self.table, "")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addLayout(ranges)
        layout.addWidget(self.tabs, 1)
        self.range_buttons[self.chart_range].setChecked(True)
        self._enable(False)
        self.retranslate()

    def _build_buttons(self) -> QHBoxLayout:
        self.range_buttons: dict[ChartRange, QPushButton] = {}
        self.range_group = QButtonGroup(self)
        self.range_group.setExclusive(True)
        ranges = QHBoxLayout()
        for chart_range in ChartRange:
            button = QPushButton(self)
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, r=chart_range: self.set_range(r))
            self.range_group.addButton(button)
            self.range_buttons[chart_range] = button
            ranges.addWidget(button)
        ranges.addSpacing(12)
        self.zoom_in = QPushButton(self)
        self.zoom_out = QPushButton(self)
        self.pan_back = QPushButton(self)
        self.pan_forward = QPushButton(self)
        self.reset = QPushButton(self)
        for button, slot in (
            (self.zoom_in, lambda: self.zoom(0.5)),
            (self.zoom_out, lambda: self.zoom(2.0)),
            (self.pan_back, lambda: self.pan(-0.25)),
            (self.pan_forward, lambda: self.pan(0.25)),
            (self.reset, lambda: self.set_range(self.chart_range)),
        ):
            button.clicked.connect(lambda _c=False, s=slot: s())
            ranges.addWidget(button)
        ranges.addStretch(1)

        return ranges

    def _build_plot(self) -> None:
        # No context menus: the view box is made without its menu, and pyqtgraph's plot-options menu
        # (made anyway) is given to the chart, with its settings group: pyqtgraph leaves both parentless,
        # for Python's garbage collector to destroy after the window, on whatever thread it happens to run.
        self.plot = pg.PlotWidget(
            self, viewBox=pg.ViewBox(enableMenu=False), axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}
        )
        self.plot.setMinimumHeight(180)
        self.plot.setBackground("w")
        item = self.plot.getPlotItem()
        item.ctrlMenu.setParent(self.plot, item.ctrlMenu.windowFlags())
        item.stateGroup.setParent(self.plot)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(INK))
            axis.setTextPen(pg.mkPen(INK))
        # No grid: pyqtgraph paints it through the axes at several milliseconds a frame; the ticks and the
        # labelled limit lines carry the scale.
        item.setMenuEnabled(False)
        item.hideButtons()
        # Set on the plot, which applies them to every curve it holds (per-curve settings are overridden).
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.view_box = item.getViewBox()
        self.view_box.setMouseEnabled(x=True, y=False)
        self.view_box.disableAutoRange()
        self.curve = pg.PlotDataItem(pen=pg.mkPen(LINE, width=2))
        self.low_curve = pg.PlotDataItem(pen=pg.mkPen(None))
        self.high_curve = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.low_curve, self.high_curve, brush=pg.mkBrush(*BAND))
        item.addItem(self.band)
        item.addItem(self.curve)
        item.addItem(self.low_curve)
        item.addItem(self.high_curve)
        self.high_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            pen=pg.mkPen(HIGH, width=2, style=Qt.PenStyle.DashLine),
            label="",
            labelOpts={"position": 0.02, "color": HIGH, "fill": (255, 255, 255, 220), "anchors": [(0, 1), (0, 1)]},
        )
        self.low_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            pen=pg.mkPen(LOW, width=2, style=Qt.PenStyle.DotLine),
            label="",
            labelOpts={"position": 0.02, "color": LOW, "fill": (255, 255, 255, 220), "anchors": [(0, 0), (0, 0)]},
        )
        item.addItem(self.high_line)
        item.addItem(self.low_line)
        self._regions: list[pg.LinearRegionItem] = []
        self._region_labels: list[pg.TextItem] = []
        self.view_box.sigXRangeChanged.connect(self._on_view_x_changed)
        self._stopped = False
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(DETAIL_RELOAD_MS)
        self._detail_timer.timeout.connect(self._load_visible_detail)

    # -- what to show ------------------------------------------------------------------

    def show_unit(self, unit: str | None) -> None:
        self.unit = unit
        self.set_range(self.chart_range)

    def set_range(self, chart_range: ChartRange) -> None:
        """Show the preset period ending now (and follow new readings)."""
        self.chart_range = chart_range
        self.range_buttons[chart_range].setChecked(True)
        self.following = True
        if self.unit is None:
            self.set_data(None)
            return
        until = datetime.now(UTC)
        since = datetime.fromtimestamp(until.timestamp() - chart_range.seconds, UTC)
        self._set_x(since.timestamp(), until.timestamp())
        self._load(since, until)

    def zoom(self, factor: float) -> None:
        """Zoom in time around the middle of the view (factor < 1 zooms in)."""
        left, right = self.view_box.viewRange()[0]
        middle, half = (left + right) / 2, (right - left) / 2 * factor
        self.following = False
        self.view_box.setXRange(middle - half, middle + half, padding=0)

    def pan(self, fraction: float) -> None:
        left, right = self.view_box.viewRange()[0]
        shift = (right - left) * fraction
        self.following = False
        self.view_box.setXRange(left + shift, right + shift, padding=0)

    def add_reading(self, reading: Reading) -> None:
        """A live reading of the unit shown: appended to single-reading charts, the view follows it."""
        data = self.data
        if data is None or reading.unit_id != self.unit:
            return
        if data.append(reading):
            self.table_model.appended()
            self._draw_series()
            for region, excursion in zip(self._regions, data.excursions, strict=True):
                if excursion.end is None:  # still going on: the shading follows the newest reading
                    region.setRegion((excursion.start, data.until))
            if self.following:
                self._follow_view()
            self._fit_y()
            self._update_caption()

    def stop(self) -> None:
        """The window is closing: no reload is pending any more, nor started by a late change of view."""
        self._stopped = True
        self._detail_timer.stop()

    def refresh(self) -> None:
        """Reload what is in view (new alarms, limits, or readings a bucketed chart cannot append)."""
        if self.unit is None:
            return
        if self.following:
            self.set_range(self.chart_range)
        else:
            left, right = self.view_box.viewRange()[0]
            self._load(datetime.fromtimestamp(left, UTC), datetime.fromtimestamp(right, UTC))

    # -- loading -----------------------------------------------------------------------

    def _load(self, since: datetime, until: datetime) -> None:
        unit = self.unit
        if unit is None:
            return
        self._request += 1
        request = self._request
        self._loader(unit, since, until, lambda data: self._on_loaded(request, data))

    def _on_loaded(self, request: int, data: ChartData) -> None:
        if request != self._request or data.unit != self.unit:
            return  # a newer request or another unit took over
        self.set_data(data)

    def set_data(self, data: ChartData | None) -> None:
        self.data = data
        self.table_model.set_chart(data)
        self._enable(data is not None)
        if data is not None and self.following:
            self._follow_view()
        self._draw_series()
        self._draw_limits()
        self._draw_excursions()
        self._fit_y()
        self._update_caption()
        self.loaded.emit(data)

    def _draw_series(self) -> None:
        data = self.data
        if data is None or not len(data):
            for curve in (self.curve, self.low_curve, self.high_curve):
                curve.setData([], [])
            return
        self.curve.setData(data.at, data.mean, connect="finite")
        if data.bucketed:
            self.low_curve.setData(data.at, data.low, connect="finite")
            self.high_curve.setData(data.at, data.high, connect="finite")
            self.band.show()
        else:
            self.low_curve.setData([], [])
            self.high_curve.setData([], [])
            self.band.hide()

    def _draw_limits(self) -> None:
        data = self.data
        for line, value, text in (
            (self.high_line, data.high_limit if data else None, _("High limit {value}")),
            (self.low_line, data.low_limit if data else None, _("Low limit {value}")),
        ):
            if value is None:
                line.hide()
                continue
            line.setValue(value)
            line.show()  # the label only updates its text while visible
            line.label.setFormat(text.format(value=celsius(value)).replace("{", "{{").replace("}", "}}"))

    def _draw_excursions(self) -> None:
        item = self.plot.getPlotItem()
        for region in self._regions:
            item.removeItem(region)
        for label in self._region_labels:
            item.removeItem(label)
        self._regions, self._region_labels = [], []
        data = self.data
        if data is None:
            return
        brush = QBrush(QColor(*EXCURSION), Qt.BrushStyle.BDiagPattern)  # hatched: not colour alone
        for excursion in data.excursions:
            end = excursion.end if excursion.end is not None else max(data.until, excursion.start)
            region = pg.LinearRegionItem(
                values=(excursion.start, end), movable=False, brush=brush, pen=pg.mkPen(HIGH, width=1)
            )
            region.setZValue(-10)
            item.addItem(region)
            self._regions.append(region)
            label = pg.TextItem(_("{mark} {title}").format(mark="⚠", title=excursion.title), color=HIGH, anchor=(0, 0))
            label.setPos(excursion.start, 0)
            item.addItem(label, ignoreBounds=True)
            self._region_labels.append(label)

    # -- view --------------------------------------------------------------------------

    def _follow_view(self) -> None:
        """The preset period up to the newest data, without the empty stretch before the first reading."""
        data = self.data
        span = self.chart_range.seconds
        right = data.until if data is not None else datetime.now(UTC).timestamp()
        if data is not None and len(data):
            right = max(right, float(data.at[-1]))
        left = right - span
        if data is not None and len(data) and float(data.at[0]) > left + span * 0.1:
            first = float(data.at[0])
            left = first - max((right - first) * 0.05, 1.0)
        self._set_x(left, right)

    def _set_x(self, left: float, right: float) -> None:
        self._setting_view = True
        try:
            self.view_box.setXRange(left, right, padding=0)
        finally:
            self._setting_view = False

    @Slot(object, object)
    def _on_view_x_changed(self, _view: object, _range: object) -> None:
        if not self._setting_view:
            self.following = False
            if not self._stopped:
                self._detail_timer.start()
        self._fit_y()

    def _fit_y(self) -> None:
        data = self.data
        left, right = self.view_box.viewRange()[0]
        values: list[float] = []
        if data is not None and len(data):
            first, last = np.searchsorted(data.at, [left, right])
            first = max(0, first - 1)
            for array in (data.low, data.high) if data.bucketed else (data.mean,):
                window = array[first : last + 1]
                if window.size:  # fmin/fmax skip NaN gaps without copying the window
                    low_value, high_value = float(np.fmin.reduce(window)), float(np.fmax.reduce(window))
                    if math.isfinite(low_value):
                        values += [low_value, high_value]
            for limit in (data.high_limit, data.low_limit):
                if limit is not None:
                    values.append(limit)
        if not values:
            return
        low, high = min(values), max(values)
        pad = max((high - low) * 0.08, 0.5)
        self.view_box.setYRange(low - pad, high + pad, padding=0)
        for label in self._region_labels:
            label.setPos(label.pos().x(), high + pad)

    @Slot()
    def _load_visible_detail(self) -> None:
        """After a zoom or pan: reload the view if the data do not cover it or are too coarse for it."""
        data = self.data
        if data is None or self.unit is None:
            return
        left, right = self.view_box.viewRange()[0]
        now = datetime.now(UTC).timestamp()
        right = min(right, now)
        if right <= left:
            return
        covered = data.since <= left + 1 and data.until >= right - max(data.resolution_s, 60.0)
        first, last = np.searchsorted(data.at, [left, right])
        coarse = data.bucketed and (last - first) < MIN_VISIBLE_POINTS
        if covered and not coarse:
            return
        self._load(datetime.fromtimestamp(left, UTC), datetime.fromtimestamp(right, UTC))

    def visible_points(self) -> int:
        """Points of the loaded series inside the view (tests and benchmark)."""
        if self.data is None:
            return 0
        left, right = self.view_box.viewRange()[0]
        first, last = np.searchsorted(self.data.at, [left, right])
        return int(last - first)

    # -- words -------------------------------------------------------------------------

    def _enable(self, enabled: bool) -> None:
        for button in (self.zoom_in, self.zoom_out, self.pan_back, self.pan_forward, self.reset):
            button.setEnabled(enabled)

    def _update_caption(self) -> None:
        data = self.data
        if self.unit is None:
            self.caption.setText(_("Pick a unit to see its temperatures."))
        elif data is None:
            self.caption.setText(_("Loading the temperatures of {unit}…").format(unit=self.unit))
        elif not len(data):
            self.caption.setText(_("{unit}: no readings in this period.").format(unit=self.unit))
        else:
            if data.bucketed:
                detail = _("{count} points, each the minimum, mean and maximum of {minutes} minutes").format(
                    count=format_number(len(data)), minutes=format_number(data.resolution_s / 60, 1)
                )
            else:
                detail = _("{count} readings").format(count=format_number(len(data)))
            latest = float(data.mean[-1])
            self.caption.setText(
                _("{unit}: {detail}. Latest {value}; {excursions}.").format(
                    unit=data.unit,
                    detail=detail,
                    value=celsius(None if math.isnan(latest) else latest),
                    excursions=_("no excursion in this period")
                    if not data.excursions
                    else ngettext("{count} excursion shaded", "{count} excursions shaded", len(data.excursions)).format(
                        count=len(data.excursions)
                    ),
                )
            )
        self.plot.setAccessibleDescription(self.caption.text())

    def retranslate(self) -> None:
        for chart_range, button in self.range_buttons.items():
            button.setText(chart_range.title)
            button.setAccessibleName(_("Chart period: {period}").format(period=chart_range.title))
        for button, text, name in (
            (self.zoom_in, _("Zoom in"), _("Zoom in on the time axis")),
            (self.zoom_out, _("Zoom out"), _("Zoom out on the time axis")),
            (self.pan_back, _("◀ Earlier"), _("Move the chart to earlier times")),
            (self.pan_forward, _("Later ▶"), _("Move the chart to later times")),
            (self.reset, _("Reset"), _("Back to the whole period, following new readings")),
        ):
            button.setText(text)
            button.setAccessibleName(name)
        self.tabs.setTabText(0, _("Chart"))
        self.tabs.setTabText(1, _("Table"))
        self.tabs.tabBar().setAccessibleName(_("Chart or table"))
        self.plot.setAccessibleName(_("Temperature chart"))
        self.table.setAccessibleName(_("Chart values as a table"))
        self.plot.getPlotItem().setLabel("left", _("Temperature (°C)"))
        self.table_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.table_model.columnCount() - 1)
        self._draw_limits()
        self._draw_excursions()
        self._update_caption()
