"""The freezer dashboard in the main window, fed by pollers reading a simulator over pseudo-terminals."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from tracseq_desktop.services.monitoring import AlarmView, MonitoringService
from ui.accessibility import contrast_problems, unnamed_controls
from ui.freezer.ackdialog import AcknowledgeDialog
from ui.window import MainWindow

Threads = Callable[[], list[threading.Thread]]
UNITS = {"FRZ-80", "FRIDGE-4", "DEWAR-1"}


def fridge_alarm(win: MainWindow) -> AlarmView | None:
    return next(
        (a for a in win.freezers.dashboard.alarms if a.unit == "FRIDGE-4" and a.kind == "high_temperature"), None
    )


def test_tiles_show_live_readings_and_the_simulated_label(qtbot: QtBot, window: MainWindow) -> None:
    dock = window.freezers
    assert dock.dock.isVisible(), "the dashboard opens when units are linked"
    tiles = dock.dashboard.tiles.tiles
    assert set(tiles) == UNITS
    qtbot.waitUntil(lambda: all(t.reading is not None for t in tiles.values()), timeout=10_000)
    first = {unit: tile.reading.taken_at for unit, tile in tiles.items() if tile.reading is not None}
    # Live: every tile shows a newer reading a few polls later.
    qtbot.waitUntil(
        lambda: all(t.reading is not None and t.reading.taken_at > first[u] for u, t in tiles.items()), timeout=10_000
    )
    ult = tiles["FRZ-80"]
    assert ult.simulated.isVisibleTo(ult) and ult.simulated.text() == "SIMULATED"
    assert "°C" in ult.temperature.text() and ult.reading is not None and ult.reading.temperature is not None
    assert -90 < ult.reading.temperature < -60
    assert "Setpoint" in ult.setpoint.text() and "-80" in ult.setpoint.text().replace("−", "-")
    assert "Compressor" in ult.state.text() and "Door" in ult.state.text()
    assert "LN2 level" in tiles["DEWAR-1"].state.text()
    assert "SIMULATED" in ult.accessibleDescription()
    assert all(t.polled for t in tiles.values())


def test_tiles_without_simulate_do_not_poll_simulated_links(
    qtbot: QtBot, linked: MonitoringService, make_window: Callable[..., MainWindow], live_threads: Threads
) -> None:
    linked.link("FRZ-80", port=linked.link_of("FRZ-80").port or "", protocol="modbus-dixell", simulated=False)
    win = make_window(simulate=False)
    qtbot.addWidget(win)
    win.show()
    win.start()
    tiles = win.freezers.dashboard.tiles.tiles
    qtbot.waitUntil(lambda: set(tiles) == UNITS and win.freezers.runner.polled_units == {"FRZ-80"}, timeout=10_000)
    qtbot.waitUntil(lambda: tiles["FRZ-80"].reading is not None, timeout=10_000)
    assert not tiles["FRZ-80"].simulated.isVisibleTo(tiles["FRZ-80"])  # a real link carries no badge
    assert tiles["FRIDGE-4"].simulated.isVisibleTo(tiles["FRIDGE-4"])
    qtbot.waitUntil(lambda: "Not polled in this session" in tiles["FRIDGE-4"].state.text(), timeout=5_000)
    win.close()
    assert not live_threads()


def test_an_alarm_reaches_the_list_the_tile_the_status_bar_and_a_notification(qtbot: QtBot, window: MainWindow) -> None:
    dashboard = window.freezers.dashboard
    qtbot.waitUntil(lambda: fridge_alarm(window) is not None, timeout=10_000)
    alarm = fridge_alarm(window)
    assert alarm is not None and alarm.active and not alarm.acknowledged and alarm.limit == 3.0
    model = dashboard.alarm_list.model
    assert model.alarms[0].open  # open alarms first
    row = model.row_of(alarm.id)
    assert row is not None
    assert model.index(row, 0).data().endswith("Active")
    assert model.index(row, 2).data() == "high temperature"
    assert "ALARM: high temperature" in dashboard.tiles.tiles["FRIDGE-4"].alarm.text()
    assert dashboard.tiles.tiles["FRIDGE-4"].level == "alarm"
    assert dashboard.tiles.tiles["FRZ-80"].level == "ok"
    count = model.open_count
    assert window.status.alarms.accessibleName() == f"Alarms: {count} open"
    # Headless: no system tray, so the banner carries the notification.
    qtbot.waitUntil(dashboard.banner.isVisible, timeout=5_000)
    assert "FRIDGE-4" in dashboard.banner.text.text() and "high temperature" in dashboard.banner.text.text()
    assert not window.freezers.notifier.uses_tray
    # The status-bar count opens the dashboard.
    window.freezers.dock.hide()
    window.status.alarms.linkActivated.emit("#alarms")
    assert window.freezers.dock.isVisible()
    window.freezers.dock.hide()
    window.actions_["freezers"].trigger()
    assert window.freezers.dock.isVisible()


def audit_rows(db_path: Path) -> list[tuple[str, str, str, str | None]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT action, entity_key, actor, reason FROM audit_entry WHERE entity_type = 'alarm' ORDER BY id"
        ).fetchall()


def test_acknowledge_needs_a_comment_and_is_audited(qtbot: QtBot, window: MainWindow, db_path: Path) -> None:
    dashboard = window.freezers.dashboard
    qtbot.waitUntil(lambda: fridge_alarm(window) is not None, timeout=10_000)
    alarm = fridge_alarm(window)
    assert alarm is not None
    assert dashboard.alarm_list.select(alarm.id)
    assert dashboard.alarm_list.acknowledge.isEnabled()
    QTest.mouseClick(dashboard.alarm_list.acknowledge, Qt.MouseButton.LeftButton)
    dialog = window.dialog
    assert isinstance(dialog, AcknowledgeDialog) and dialog.alarm.id == alarm.id
    qtbot.waitExposed(dialog)
    assert unnamed_controls(dialog) == []
    assert contrast_problems(dialog) == []
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    QTest.keyClicks(dialog.comment, "   ")
    assert not ok.isEnabled()
    dialog.submit()  # forced past the disabled button: refused in words, nothing written
    assert dialog.message.isVisible() and "cannot be empty" in dialog.message.text()
    assert dialog.isVisible()
    assert audit_rows(db_path) == []
    dialog.comment.clear()
    QTest.keyClicks(dialog.comment, "Door was ajar; closed it, product at 4.1 C")
    assert ok.isEnabled()
    with qtbot.waitSignal(dialog.succeeded, timeout=5_000):
        QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.dialog is None, timeout=5_000)  # closed (and deleted) after the write
    assert audit_rows(db_path) == [
        ("acknowledge", str(alarm.id), "tester", "Door was ajar; closed it, product at 4.1 C")
    ]
    qtbot.waitUntil(lambda: (a := fridge_alarm(window)) is not None and a.acknowledged, timeout=5_000)
    acknowledged = fridge_alarm(window)
    assert acknowledged is not None and acknowledged.acknowledged_by == "tester"
    row = dashboard.alarm_list.model.row_of(alarm.id)
    assert row is not None
    model = dashboard.alarm_list.model
    assert model.index(row, 7).data() == "tester"
    assert model.index(row, 8).data() == "Door was ajar; closed it, product at 4.1 C"
    assert "Acknowledged, still active" in dashboard.tiles.tiles["FRIDGE-4"].alarm.text()
    assert not dashboard.alarm_list.acknowledge.isEnabled()
    # A second acknowledgement is refused by the services; the dialog stays open with the reason.
    again = dashboard.open_acknowledge(acknowledged)
    assert window.dialog is again
    QTest.keyClicks(again.comment, "again")
    again.submit()
    qtbot.waitUntil(again.message.isVisible, timeout=5_000)
    assert "already acknowledged" in again.message.text()
    again.reject()
    assert len(audit_rows(db_path)) == 1


def test_dashboard_accessibility(qtbot: QtBot, window: MainWindow) -> None:
    dashboard = window.freezers.dashboard
    qtbot.waitUntil(lambda: all(t.reading is not None for t in dashboard.tiles.tiles.values()), timeout=10_000)
    qtbot.waitUntil(lambda: fridge_alarm(window) is not None and dashboard.banner.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: dashboard.chart.data is not None, timeout=10_000)
    assert unnamed_controls(dashboard) == []
    assert contrast_problems(dashboard) == []
    dashboard.chart.tabs.setCurrentIndex(1)
    assert unnamed_controls(dashboard) == []
    assert unnamed_controls(window.statusBar()) == []


def test_monitoring_threads_end_with_the_window(
    qtbot: QtBot, linked: MonitoringService, make_window: Callable[..., MainWindow], live_threads: Threads
) -> None:
    win = make_window()
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: len(live_threads()) == 3, timeout=10_000)  # housekeeping + two ports
    names = sorted(t.name for t in live_threads())
    assert names[0] == "freezer-monitor" and all(n.startswith("freezer-port") for n in names[1:])
    win.close()
    assert live_threads() == []
    assert not win.freezers.runner.running
