"""The chart of one unit: preset periods from readings and rollups, limit lines, shaded excursions, zoom and pan,
live appends, detail reloads, and the table model screen readers use."""

from __future__ import annotations

import time
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.freezer.chart import LINE, ChartPanel
from ui.freezer.chartdata import ChartRange
from ui.window import MainWindow


def line_pixels(chart: ChartPanel) -> int:
    """Pixels of the temperature line's colour in a rendering of the plot."""
    image = chart.plot.grab().toImage()
    target = QColor(LINE)
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - target.red()) + abs(c.green() - target.green()) + abs(c.blue() - target.blue()) < 40:
                count += 1
    return count


def shows(chart: ChartPanel, source: str, seconds: float) -> bool:
    data = chart.data
    return data is not None and data.source == source and abs((data.until - data.since) - seconds) < 5


def show_fridge(qtbot: QtBot, window: MainWindow) -> ChartPanel:
    dashboard = window.freezers.dashboard
    tile = dashboard.tiles.tiles["FRIDGE-4"]
    QTest.mouseClick(tile.show_chart, Qt.MouseButton.LeftButton)
    chart = dashboard.chart
    assert dashboard.unit == "FRIDGE-4" and tile.show_chart.isChecked()
    assert not dashboard.tiles.tiles["FRZ-80"].show_chart.isChecked()
    # The alarm (limit 3 °C, no delay) is raised on the first reading; its excursion gets shaded.
    qtbot.waitUntil(
        lambda: (
            chart.data is not None
            and chart.data.unit == "FRIDGE-4"
            and bool(chart.data.excursions)
            and not dashboard._alarm_refresh.isActive()  # no reload for the new alarm still to come
            and not window.tasks.busy
        ),
        timeout=10_000,
    )
    return chart


def test_hour_chart_limits_excursion_and_live_readings(qtbot: QtBot, window: MainWindow) -> None:
    chart = show_fridge(qtbot, window)
    data = chart.data
    assert data is not None
    assert chart.chart_range is ChartRange.HOUR and chart.range_buttons[ChartRange.HOUR].isChecked()
    assert data.source == "readings" and not data.bucketed and len(data) >= 1
    assert (data.high_limit, data.low_limit) == (3.0, -2.0)
    assert chart.high_line.isVisible() and chart.high_line.value() == 3.0
    assert chart.low_line.isVisible() and chart.low_line.value() == -2.0
    assert "High limit" in chart.high_line.label.toPlainText() and "3" in chart.high_line.label.toPlainText()
    assert len(chart._regions) == len(data.excursions) >= 1
    excursion = data.excursions[0]
    assert excursion.title == "high temperature" and excursion.end is None  # still active: shaded up to now
    assert chart._regions[0].getRegion()[0] == excursion.start
    # Readings keep arriving: appended to the same series and table, the view follows.
    before = len(data)
    qtbot.waitUntil(lambda: chart.data is data and len(data) >= before + 2, timeout=10_000)
    assert chart.table_model.rowCount() == len(data)
    # Less than an hour of readings so far: the view spans them (not the empty part of the hour) up to the newest.
    left, right = chart.view_box.viewRange()[0]
    assert left < data.at[0] and right - left < 3600 and abs(right - data.at[-1]) < 2
    # The mean line is drawn within the visible range and the temperature axis fits the values and limits.
    low, high = chart.view_box.viewRange()[1]
    assert low < -2.0 and high > max(3.0, float(data.mean.max()))
    assert line_pixels(chart) > 0
    # The table says which rows fall in the excursion.
    last = chart.table_model.rowCount() - 1
    assert chart.table_model.index(last, 6).data() == "high temperature"
    assert chart.table_model.index(last, 1).data() != ""
    assert "FRIDGE-4" in chart.caption.text() and "excursion" in chart.caption.text()


def test_each_period_loads_its_source_and_zoom_and_pan_move_the_view(qtbot: QtBot, window: MainWindow) -> None:
    chart = show_fridge(qtbot, window)
    for chart_range, source in (
        (ChartRange.DAY, "readings"),
        (ChartRange.MONTH, "hourly"),
        (ChartRange.YEAR, "daily"),
        (ChartRange.HOUR, "readings"),
    ):
        QTest.mouseClick(chart.range_buttons[chart_range], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(partial(shows, chart, source, chart_range.seconds), timeout=10_000)
        assert chart.data is not None
        assert chart.chart_range is chart_range and chart.range_buttons[chart_range].isChecked()
        left, right = chart.view_box.viewRange()[0]
        assert left < chart.data.at[0] and right - left <= chart_range.seconds + 5 and right >= chart.data.at[-1]
        assert len(chart.data) >= 1 and chart.table_model.rowCount() == len(chart.data)
        xs, _ys = chart.curve.getData()
        assert xs is not None and len(xs) == len(chart.data)
        assert chart.high_line.isVisible()
    QTest.mouseClick(chart.range_buttons[ChartRange.DAY], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chart.data is not None and chart.data.until - chart.data.since > 80_000, timeout=10_000)
    left, right = chart.view_box.viewRange()[0]
    QTest.mouseClick(chart.zoom_in, Qt.MouseButton.LeftButton)
    zl, zr = chart.view_box.viewRange()[0]
    assert abs((zr - zl) - (right - left) / 2) < 1 and abs((zl + zr) - (left + right)) < 1
    assert not chart.following
    QTest.mouseClick(chart.pan_back, Qt.MouseButton.LeftButton)
    pl, pr = chart.view_box.viewRange()[0]
    assert pl < zl and abs((pr - pl) - (zr - zl)) < 1
    QTest.mouseClick(chart.zoom_out, Qt.MouseButton.LeftButton)
    ol, orr = chart.view_box.viewRange()[0]
    assert abs((orr - ol) - 2 * (pr - pl)) < 1
    QTest.mouseClick(chart.reset, Qt.MouseButton.LeftButton)
    assert chart.following
    rl, rr = chart.view_box.viewRange()[0]
    assert chart.data is not None and rl < chart.data.at[0] and abs(rr - time.time()) < 5


def test_zooming_into_a_year_loads_the_visible_hour_in_detail(qtbot: QtBot, window: MainWindow) -> None:
    chart = show_fridge(qtbot, window)
    QTest.mouseClick(chart.range_buttons[ChartRange.YEAR], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chart.data is not None and chart.data.source == "daily", timeout=10_000)
    now = time.time()
    chart.view_box.setXRange(now - 3600, now, padding=0)  # as a mouse-wheel zoom would
    qtbot.waitUntil(lambda: chart.data is not None and chart.data.source == "readings", timeout=10_000)
    assert chart.data is not None and abs(chart.data.since - (now - 3600)) < 2
    assert chart.visible_points() >= 1


def test_chart_table_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, window: MainWindow
) -> None:
    chart = show_fridge(qtbot, window)
    qtmodeltester.check(chart.table_model)  # type: ignore[no-untyped-call]
    data = chart.data
    assert data is not None
    before = len(data)
    qtbot.waitUntil(lambda: chart.data is data and len(data) > before, timeout=10_000)  # appended rows
    QTest.mouseClick(chart.range_buttons[ChartRange.MONTH], Qt.MouseButton.LeftButton)  # reset to hourly rows
    qtbot.waitUntil(lambda: chart.data is not None and chart.data.source == "hourly", timeout=10_000)
    model = chart.table_model
    assert model.columnCount() == 7 and model.headerData(1, Qt.Orientation.Horizontal) == "Temperature (°C)"
    assert model.index(0, 4).data() != "" and model.index(0, 0).data() != ""
    assert model.index(0, 6).data() == "high temperature"  # the hour bucket holds the excursion
