"""Puts freezer monitoring into the main window: the dashboard dock, the status-bar count, the pollers.

The window calls :func:`install_freezers` once, ``start()`` when it is up and
``shutdown()`` when it closes; everything else is wired here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QDialog, QDockWidget

from tracseq_desktop.i18n import _
from tracseq_desktop.services.monitoring import AlarmView, monitoring_for
from ui.freezer.chartdata import ChartData, load_chart
from ui.freezer.dashboard import FreezerDashboard
from ui.freezer.notify import AlarmNotifier
from ui.freezer.runner import DashboardState, MonitorRunner, load_state

if TYPE_CHECKING:
    from ui.window import MainWindow


class FreezerDock(QObject):
    """Owns the dock, the dashboard, the notifier and the monitoring runner."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.monitoring = monitoring_for(window.services)
        self.runner = MonitorRunner(self.monitoring, parent=self)
        self.dashboard = FreezerDashboard(self._load_chart, self._acknowledge, window)
        self.notifier = AlarmNotifier(self.dashboard.banner, self)
        self.dock = QDockWidget(window)
        self.dock.setObjectName("freezer_dock")
        self.dock.setWidget(self.dashboard)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.state: DashboardState | None = None
        self.started = False
        self._closed = False
        runner = self.runner
        runner.readings_arrived.connect(self.dashboard.on_readings)
        runner.alarms_loaded.connect(self.dashboard.set_alarms)
        runner.events_arrived.connect(self.notifier.on_events)
        runner.links_changed.connect(self.reload)
        runner.polling_changed.connect(self.dashboard.set_polled)
        self.dashboard.alarm_count_changed.connect(self._on_alarm_count_changed)
        self.dashboard.acknowledge_opened.connect(self._on_acknowledge_opened)
        self.notifier.activated.connect(self.show_panel)
        self.notifier.notified.connect(self._on_notified)
        window.status.alarms_clicked.connect(self.show_panel)
        actions = window.actions_
        if "freezers" in actions.actions:
            actions.connect("freezers", self.show_panel)
        window.language.language_changed.connect(self._on_language_changed)
        self.retranslate()

    @property
    def simulate(self) -> bool:
        """Poll links to simulated devices too (``tracseq-desktop --simulate``)."""
        return self.runner.include_simulated

    @simulate.setter
    def simulate(self, value: bool) -> None:
        self.runner.include_simulated = value

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Load the dashboard; start monitoring if units are linked (the window calls this once it is up)."""
        if self.started or self._closed:
            return
        self.started = True
        self.reload()

    @Slot()
    def reload(self) -> None:
        if self._closed:
            return
        monitoring = self.monitoring
        self._window.tasks.submit(
            _("Loading freezer monitoring"), lambda _state: load_state(monitoring), self._on_state
        )

    def _on_state(self, state: DashboardState) -> None:
        if self._closed:
            return
        first = self.state is None
        self.state = state
        self.dashboard.apply_state(state)
        if not state.links:
            self._window.status.set_alarm_count(None)
            return
        self._window.status.set_alarm_count(self.dashboard.alarm_list.model.open_count)
        if not self.runner.running:
            self.runner.start()
        if first:
            self.dock.show()

    def shutdown(self) -> bool:
        """Stop the pollers and the notifier; True when every monitoring thread ended."""
        if self._closed:
            return True
        self._closed = True
        stopped = self.runner.shutdown()
        self.notifier.shutdown()
        self.dashboard.stop()
        return stopped

    # -- workers --------------------------------------------------------------------------

    def _load_chart(self, unit: str, since: datetime, until: datetime, done: Callable[[ChartData], None]) -> None:
        monitoring = self.monitoring
        self._window.tasks.submit(
            _("Loading the chart of {unit}").format(unit=unit),
            lambda _state: load_chart(monitoring, unit, since, until),
            done,
            lambda message: self._window.status.showMessage(message, 8000),
        )

    def _acknowledge(
        self, alarm_id: int, comment: str, done: Callable[[AlarmView], None], failed: Callable[[str], None]
    ) -> None:
        monitoring = self.monitoring
        self._window.tasks.submit(
            _("Acknowledging alarm #{id}").format(id=alarm_id),
            lambda _state: monitoring.acknowledge(alarm_id, comment),
            done,
            failed,
        )

    # -- reactions ------------------------------------------------------------------------

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.dashboard.alarm_list.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot(str, str)
    def _on_notified(self, _title: str, _message: str) -> None:
        if not self.dock.isVisible():
            self.dock.show()  # an alarm is worth the space; the focus stays where it was

    @Slot(int)
    def _on_alarm_count_changed(self, count: int) -> None:
        if self.state is not None and self.state.links:
            self._window.status.set_alarm_count(count)

    @Slot(object)
    def _on_acknowledge_opened(self, dialog: QDialog) -> None:
        self._window._open_dialog(dialog)

    @Slot(str)
    def _on_language_changed(self, _lang: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.dock.setWindowTitle(_("Freezers"))
        self.dashboard.retranslate()


def install_freezers(window: MainWindow) -> FreezerDock:
    return FreezerDock(window)
