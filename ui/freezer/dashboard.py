"""The freezer dashboard: alarm banner, unit tiles, the chart of the chosen unit, and the alarm list.

It only shows what it is given: the dock feeds it the loaded state, live readings
and alarm lists (already on the GUI thread), and gives it two runners for the
work that must not block the GUI thread: chart loads and acknowledgements.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.i18n import _
from tracseq_desktop.services.monitoring import AlarmView
from ui.freezer.ackdialog import AcknowledgeDialog, AcknowledgeRunner
from ui.freezer.alarms import AlarmListPanel
from ui.freezer.chart import ChartLoader, ChartPanel
from ui.freezer.notify import AlarmBanner
from ui.freezer.runner import DashboardState
from ui.freezer.tiles import TileGrid

TILE_WIDTH = 250
CHART_REFRESH_MS = 60_000  #: bucketed charts (day and longer) reload at most this often while new readings come in


class FreezerDashboard(QWidget):
    """Panels of the dashboard; ``unit`` is the unit in the chart."""

    acknowledge_opened = Signal(object)  #: the AcknowledgeDialog, for the window to show
    alarm_count_changed = Signal(int)

    def __init__(
        self,
        load_chart: ChartLoader,
        acknowledge: AcknowledgeRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._acknowledge = acknowledge
        self.unit: str | None = None
        self.alarms: list[AlarmView] = []
        self.latencies_ms: deque[float] = deque(maxlen=5000)  #: commit announced -> tile updated
        self.banner = AlarmBanner(self)
        self.tiles = TileGrid(self)
        self.tile_area = QScrollArea(self)
        self.tile_area.setWidget(self.tiles)
        self.tile_area.setWidgetResizable(True)
        self.tile_area.setFrameShape(QFrame.Shape.NoFrame)
        self.tile_area.setMinimumHeight(150)
        self.chart = ChartPanel(load_chart, self)
        self.alarm_list = AlarmListPanel(self)
        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(self.chart)
        lower.addWidget(self.alarm_list)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([900, 620])
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.tile_area)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self._chart_stale = False
        self._stopped = False
        self._chart_timer = QTimer(self)
        self._chart_timer.setInterval(CHART_REFRESH_MS)
        self._chart_timer.timeout.connect(self._on_chart_timer)
        self._chart_timer.start()
        self._alarm_refresh = QTimer(self)
        self._alarm_refresh.setSingleShot(True)
        self._alarm_refresh.setInterval(500)
        self._alarm_refresh.timeout.connect(self.chart.refresh)
        self.tiles.chosen.connect(self.show_unit)
        self.alarm_list.unit_chosen.connect(self._on_alarm_unit_chosen)
        self.alarm_list.acknowledge_requested.connect(self.open_acknowledge)
        self.banner.show_requested.connect(self._on_banner_show)
        self.retranslate()

    # -- input from the dock (GUI thread) --------------------------------------------------

    def apply_state(self, state: DashboardState) -> None:
        self.tiles.set_links(state.links)
        self.tile_area.setMinimumHeight(min(self.tiles.row_height(), 320))
        for unit, reading in state.latest.items():
            tile = self.tiles.tiles.get(unit)
            if tile is not None:
                tile.set_reading(reading)
        self.set_alarms(list(state.alarms))
        if self.unit not in self.tiles.tiles:
            self.unit = None
        if self.unit is None and self.tiles.tiles:
            first_alarm = next((a.unit for a in self.alarms if a.active and a.unit in self.tiles.tiles), None)
            self.show_unit(first_alarm or sorted(self.tiles.tiles)[0])
        elif self.unit is None:
            self.chart.show_unit(None)

    @Slot(object, float)
    def on_readings(self, latest: dict[str, Reading], announced: float) -> None:
        for unit, reading in latest.items():
            tile = self.tiles.tiles.get(unit)
            if tile is not None:
                tile.announced_at = announced
                tile.set_reading(reading)
                self.latencies_ms.append((time.perf_counter() - announced) * 1000)
            if unit == self.unit:
                if self.chart.data is not None and not self.chart.data.bucketed:
                    self.chart.add_reading(reading)
                else:
                    self._chart_stale = True

    @Slot(object)
    def set_alarms(self, alarms: list[AlarmView]) -> None:
        before = {(a.id, a.cleared_at) for a in self.alarms if a.unit == self.unit and a.excursion}
        self.alarms = alarms
        self.alarm_list.set_alarms(alarms)
        by_unit: dict[str, list[AlarmView]] = {}
        for alarm in alarms:
            if alarm.open:
                by_unit.setdefault(alarm.unit, []).append(alarm)
        for unit, tile in self.tiles.tiles.items():
            tile.set_alarms(by_unit.get(unit, []))
        after = {(a.id, a.cleared_at) for a in alarms if a.unit == self.unit and a.excursion}
        if before != after and not self._stopped:
            self._alarm_refresh.start()  # new or cleared excursions: shade them
        self.alarm_count_changed.emit(self.alarm_list.model.open_count)

    def set_polled(self, units: frozenset[str]) -> None:
        for unit, tile in self.tiles.tiles.items():
            tile.set_polled(unit in units)

    # -- user actions ----------------------------------------------------------------------

    @Slot(str)
    def show_unit(self, unit: str) -> None:
        if unit not in self.tiles.tiles:
            return
        changed = unit != self.unit
        self.unit = unit
        for name, tile in self.tiles.tiles.items():
            tile.set_selected(name == unit)
        if changed or self.chart.data is None:
            self._chart_stale = False
            self.chart.show_unit(unit)

    @Slot(object)
    def open_acknowledge(self, alarm: AlarmView) -> AcknowledgeDialog:
        dialog = AcknowledgeDialog(alarm, self._acknowledge, self)
        self.acknowledge_opened.emit(dialog)
        return dialog

    @Slot(str)
    def _on_alarm_unit_chosen(self, unit: str) -> None:
        self.show_unit(unit)

    @Slot()
    def _on_banner_show(self) -> None:
        open_alarm = next((a for a in self.alarms if a.open), None)
        if open_alarm is not None:
            self.alarm_list.select(open_alarm.id)
        self.alarm_list.view.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_chart_timer(self) -> None:
        if self._chart_stale and self.chart.following:
            self._chart_stale = False
            self.chart.refresh()

    def stop(self) -> None:
        """The window is closing: the periodic chart refresh and any pending reload stop with it.

        Alarm lists already queued by the monitoring threads may still arrive; they start nothing.
        """
        self._stopped = True
        self._chart_timer.stop()
        self._alarm_refresh.stop()
        self.chart.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.tiles.set_columns(max(1, (self.tile_area.viewport().width() - 8) // TILE_WIDTH))

    def retranslate(self) -> None:
        self.tiles.retranslate()
        self.chart.retranslate()
        self.alarm_list.retranslate()
        self.banner.retranslate()
        self.tile_area.verticalScrollBar().setAccessibleName(_("Scroll the unit tiles up and down"))
        self.tile_area.horizontalScrollBar().setAccessibleName(_("Scroll the unit tiles sideways"))
