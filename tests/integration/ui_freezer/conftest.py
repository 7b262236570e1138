"""The main window with freezer monitoring against a real simulator on pseudo-terminals.

The small test lab (root conftest) has FRZ-80, FRIDGE-4 and DEWAR-1; they are
linked to a -80 and a +4 controller on one Modbus line and an LN2 controller on an
ASCII line, polled every 0.3 s.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hardware.freezer.sim.scenario import parse_scenario
from hardware.freezer.sim.simulator import Simulator
from tests.support.qtleaks import watch_qt_leaks
from tracseq_desktop.i18n import set_language
from tracseq_desktop.services.facade import Services
from tracseq_desktop.services.monitoring import MonitoringService, monitoring_for
from ui.freezer.runner import HOUSEKEEPING_THREAD
from ui.settings import SettingsStore
from ui.theme import apply_theme
from ui.window import MainWindow

POLL_S = 0.3
SCENARIO = {
    "name": "ui-test",
    "seed": 7,
    "time_scale": 30.0,
    "ports": [
        {
            "name": "bus",
            "protocol": "modbus-dixell",
            "units": [{"id": "ULT-1", "kind": "-80", "address": 1}, {"id": "FRG-2", "kind": "+4", "address": 2}],
        },
        {"name": "ln2", "protocol": "ascii-ln2", "units": [{"id": "LN2-1", "kind": "ln2", "address": 1}]},
    ],
}


def monitoring_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("freezer-port", HOUSEKEEPING_THREAD))]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    (tmp_path / "sim").mkdir()
    simulator = Simulator(parse_scenario(SCENARIO), run_dir=tmp_path / "sim")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def monitoring(services: Services) -> MonitoringService:
    return monitoring_for(services)


@pytest.fixture
def linked(monitoring: MonitoringService, sim: Simulator) -> MonitoringService:
    """The three lab units linked to the simulator; the fridge's high limit below its +4 °C, without delay."""
    bus, ln2 = sim.url("bus"), sim.url("ln2")
    for unit, port, protocol, address in (
        ("FRZ-80", bus, "modbus-dixell", 1),
        ("FRIDGE-4", bus, "modbus-dixell", 2),
        ("DEWAR-1", ln2, "ascii-ln2", 1),
    ):
        monitoring.link(unit, port=port, protocol=protocol, address=address, poll_interval_s=POLL_S, simulated=True)
    monitoring.set_limits("FRIDGE-4", high_c=3.0, low_c=-2.0, delay_s=0.0)
    return monitoring


WindowFactory = Callable[..., MainWindow]


def _make_window(services: Services, tmp_path: Path, *, simulate: bool = True) -> MainWindow:
    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    settings = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(services, settings)
    settings.setParent(win)  # the test's settings go with its window
    win.camera.panel.cache_dir = tmp_path / "cache"
    win.freezers.simulate = simulate
    return win


@pytest.fixture
def make_window(services: Services, tmp_path: Path) -> WindowFactory:
    """A main window on the test lab (not shown, not started); ``simulate`` polls simulated links."""
    return lambda simulate=True: _make_window(services, tmp_path, simulate=simulate)


@pytest.fixture
def live_threads() -> Callable[[], list[threading.Thread]]:
    return monitoring_threads


@pytest.fixture
def window(qtbot: QtBot, services: Services, linked: MonitoringService, tmp_path: Path) -> Iterator[MainWindow]:
    win = _make_window(services, tmp_path)
    qtbot.addWidget(win)
    win.resize(1500, 1000)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: win.freezers.runner.running and bool(win.freezers.dashboard.tiles.tiles), timeout=10_000)
    yield win
    win.close()
    assert win.tasks.wait(5_000), "a worker job was still running after the window closed"
    assert not monitoring_threads(), f"monitoring threads outlived the window: {monitoring_threads()}"


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads, pool jobs or timers behind (see tests/support/qtleaks.py)."""
    yield from watch_qt_leaks(request.node)


@pytest.fixture(autouse=True)
def _english_again(_qt_leaks: None) -> Iterator[None]:
    """A test that switched the language leaves English for the next one (before the leak check)."""
    yield
    set_language("en")
