"""Freezer dashboard benchmark: reading-to-screen latency and chart frame rate.

    python bench/dashboard.py                      # both parts: 50 units for 30 s, a year of one unit
    python bench/dashboard.py --part latency --units 50 --seconds 30
    python bench/dashboard.py --part chart --days 365

Latency: ``tracseq-sim`` serves 50 simulated controllers on 50 pseudo-terminals (a
child process); the desktop window (offscreen) polls them every second through its
own monitoring threads, stores each reading and runs the alarms. Measured per reading:
commit announced -> tile updated (the slot ran), and commit announced -> tile painted
(the tile's temperature label repainted into the window's backing store), plus
reading taken -> painted (includes the poll and the database write). Target: <= 200 ms.

Chart: a year of 10-second readings of one unit (3.15 M) is written through the
storage fast path, then the dashboard chart is panned and zoomed step by step, each
step repainted synchronously: frames per second for the year view (daily rollups),
30 days (hourly rollups), a day of readings, and the worst case of all 3.15 M raw
points handed to pyqtgraph (its peak downsampling and clip-to-view only). Target:
>= 30 frames per second.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Python puts this directory first on the path, where bench/ui.py would shadow the ui package.
sys.path.remove(os.path.dirname(os.path.abspath(__file__)))

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication

from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.monitoring import monitoring_for
from tracseq_desktop.services.readings import store_bulk
from tracseq_desktop.services.unit_links import get_unit
from tracseq_desktop.store import readings as packing
from ui.freezer.chart import ChartPanel
from ui.freezer.chartdata import ChartData, ChartRange, load_chart
from ui.settings import SettingsStore
from ui.theme import apply_theme
from ui.window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, verdict
from monitoring import scenario
from readings import PER_HOUR, unit_year

BIN = Path(sys.executable).parent
LATENCY_TARGET_MS = 200.0
FPS_TARGET = 30.0
KINDS = {"-80": "freezer-80", "-20": "freezer-20", "+4": "fridge", "ln2": "ln2-dewar"}


def app() -> QApplication:
    instance = QApplication.instance() or QApplication([])
    assert isinstance(instance, QApplication)
    apply_theme(instance)
    return instance


def pump(qapp: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.002)


# -- latency ------------------------------------------------------------------------------


class PaintClock(QObject):
    """Records, for each tile, the first paint of its temperature after a new reading."""

    def __init__(self, tiles: dict[str, Any]) -> None:
        super().__init__()
        self.tiles = tiles
        self.seen: dict[str, float] = {}
        self.announced_to_paint: list[float] = []
        self.taken_to_paint: list[float] = []
        self._label_unit = {}
        for unit, tile in tiles.items():
            tile.temperature.installEventFilter(self)
            self._label_unit[id(tile.temperature)] = unit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            unit = self._label_unit.get(id(watched))
            tile = self.tiles.get(unit) if unit else None
            if tile is not None and tile.reading is not None and tile.updated_at > self.seen.get(unit, 0.0):
                self.seen[unit] = tile.updated_at
                now = time.perf_counter()
                self.announced_to_paint.append((now - tile.announced_at) * 1000)
                age = datetime.now(UTC) - tile.reading.taken_at
                self.taken_to_paint.append(age.total_seconds() * 1000)
        return False


def start_sim(units: int, workdir: Path) -> tuple[Any, list[dict[str, Any]]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
    from launch import start_simulator

    data = scenario(units)
    path = workdir / "bench.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sim = start_simulator(path, workdir / "ports", workdir / "ports" / "links.json")
    kinds = {u["id"]: u["kind"] for port in data["ports"] for u in port["units"]}
    links = json.loads((workdir / "ports" / "links.json").read_text(encoding="utf-8"))
    for link in links:
        link["kind"] = kinds[link["unit_id"]]
    return sim, links


def latency(units: int, seconds: float, interval: float) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="tracseq-bench-dash-"))
    sim, links = start_sim(units, workdir)
    services = open_services(workdir / "bench.db", actor=Actor("bench", "bench"), create=True)
    window: MainWindow | None = None
    try:
        loc = services.locations
        loc.create("site", "BENCH")
        loc.create("room", "BENCH-ROOM", parent="BENCH")
        monitoring = monitoring_for(services)
        for link in links:
            loc.create("unit", link["unit_id"], parent="BENCH-ROOM", unit_type=KINDS[link["kind"]])
            monitoring.link(
                link["unit_id"],
                port=link["port"],
                protocol=link["protocol"],
                address=link["address"],
                poll_interval_s=interval,
                simulated=True,
            )
        qapp = app()
        settings = SettingsStore(QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(services, settings)
        window.freezers.simulate = True
        window.resize(1600, 1000)
        window.show()
        window.start()
        dashboard = window.freezers.dashboard
        deadline = time.monotonic() + 20
        while len(dashboard.tiles.tiles) < units and time.monotonic() < deadline:
            pump(qapp, 0.05)
        pump(qapp, 3.0)  # first polls, ports opened
        clock = PaintClock(dashboard.tiles.tiles)
        dashboard.latencies_ms.clear()
        cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        pump(qapp, seconds)
        cpu1, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - wall0
        cpu_pct = 100 * ((cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)) / wall
        slot = list(dashboard.latencies_ms)
        painted = clock.announced_to_paint
        expected = units * seconds / interval
        print(
            f"\nReading to screen: {units} units on {units} pseudo-terminals, polled every {interval:g} s, {seconds:g} s"
        )
        print(f"  readings shown: {len(slot)} of ~{expected:.0f} polls due ({100 * len(slot) / expected:.0f}%)")
        for name, values in (
            ("commit -> tile updated", slot),
            ("commit -> tile painted", painted),
            ("reading taken -> tile painted", clock.taken_to_paint),
        ):
            if values:
                print(
                    f"  {name}: median {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms,"
                    f" p99 {percentile(values, 99):.1f} ms, max {max(values):.1f} ms"
                )
        print(f"  CPU of the whole app process (GUI + pollers + SQLite): {cpu_pct:.0f}% of one core")
        ok = bool(painted) and percentile(painted, 95) <= LATENCY_TARGET_MS
        print(f"  target p95 commit -> painted <= {LATENCY_TARGET_MS:.0f} ms: {verdict(ok)}")
        return ok
    finally:
        if window is not None:
            window.close()
        services.close()
        sim.stop()


# -- chart --------------------------------------------------------------------------------


def write_year(services: Services, days: int, seed: int = 3) -> tuple[str, int]:
    """One -80 unit with ``days`` of 10-second readings ending now (the storage fast path)."""
    loc = services.locations
    loc.create("site", "BENCH")
    loc.create("room", "BENCH-ROOM", parent="BENCH")
    label = "ULT-YEAR"
    loc.create("unit", label, parent="BENCH-ROOM", unit_type="freezer-80")
    layout = packing.Layout(nprobes=3, probe_mask=0b011, setpoint=True, level=False)
    hours = days * 24
    first = packing.hour_of(datetime.now(UTC) - timedelta(days=days))
    cols = unit_year(np.random.default_rng(seed), hours)
    names = ("offsets", "flags", "p1", "p2", "setpoint")
    as_lists = {name: cols[name].tolist() for name in names}
    with services.db.writing() as session:
        unit_id = get_unit(session, label).id
        batch = []
        for h in range(hours):
            sl = slice(h * PER_HOUR, (h + 1) * PER_HOUR)
            batch.append((first + h, packing.seal_columns(layout, [as_lists[name][sl] for name in names])))
            if len(batch) == 24 * 30:
                store_bulk(session, unit_id, batch)
                batch = []
        if batch:
            store_bulk(session, unit_id, batch)
    return label, hours * PER_HOUR


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def frames(qapp: QApplication, chart: ChartPanel, steps: int) -> list[float]:
    """Milliseconds per frame: alternate pans and zooms, as a drag or the wheel would, each painted before the next.

    The move schedules a repaint like a mouse event does; processing the events paints it (counted, so a
    frame that painted nothing cannot pass for a fast one).
    """
    counter = PaintCounter()
    chart.plot.viewport().installEventFilter(counter)
    times = []
    moves = [lambda: chart.pan(0.03), lambda: chart.zoom(0.94), lambda: chart.pan(-0.03), lambda: chart.zoom(1 / 0.94)]
    for i in range(steps):
        start = time.perf_counter()
        moves[i % len(moves)]()
        qapp.processEvents()
        times.append((time.perf_counter() - start) * 1000)
    chart.plot.viewport().removeEventFilter(counter)
    assert counter.count >= steps, f"only {counter.count} paints for {steps} frames"
    return times


def fps_line(name: str, times: list[float], points: int) -> bool:
    fps = 1000 / statistics.median(times)
    worst = 1000 / percentile(times, 95)
    ok = worst >= FPS_TARGET
    print(
        f"  {name} ({points:,} points): median {fps:.0f} fps, p95 frame {percentile(times, 95):.1f} ms"
        f" ({worst:.0f} fps) {verdict(ok)}"
    )
    return ok


def chart(days: int, steps: int) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="tracseq-bench-chart-"))
    services = open_services(workdir / "year.db", actor=Actor("bench", "bench"), create=True)
    try:
        began = time.perf_counter()
        unit, total = write_year(services, days)
        print(
            f"\nChart: {total:,} readings of {unit} ({days} days at 10 s) written in {time.perf_counter() - began:.0f} s"
        )
        monitoring = monitoring_for(services)
        qapp = app()
        loads: dict[str, float] = {}

        def loader(unit_: str, since: datetime, until: datetime, done: Any) -> None:
            start = time.perf_counter()
            data = load_chart(monitoring, unit_, since, until)
            loads[f"{(until - since).total_seconds() / 86400:.1f} d"] = (time.perf_counter() - start) * 1000
            done(data)

        panel = ChartPanel(loader)
        panel.resize(1400, 600)
        panel.show()
        panel.show_unit(unit)
        ok = True
        for chart_range in (ChartRange.YEAR, ChartRange.MONTH, ChartRange.DAY):
            panel.set_range(chart_range)
            pump(qapp, 0.2)
            data = panel.data
            assert data is not None
            ok &= fps_line(f"{chart_range.title}, {data.source}", frames(qapp, panel, steps), len(data))
            pump(qapp, 0.5)  # let the detail reload after the last zoom run
        print("  chart queries: " + ", ".join(f"{k} {v:.0f} ms" for k, v in loads.items()))
        # The worst case: every raw reading of the year given to pyqtgraph at once.
        raw = monitoring.reading_columns(unit, datetime.now(UTC) - timedelta(days=days + 1))
        at = np.asarray(raw.at_s, dtype=np.float64)
        temps = np.asarray([np.nan if t is None else t for t in raw.temperature], dtype=np.float64)
        full = ChartData(
            unit,
            float(at[0]),
            float(at[-1]),
            0.0,
            "readings",
            at,
            temps,
            temps,
            temps,
            np.full(len(at), np.nan),
            np.ones(len(at), dtype=np.int64),
        )
        panel.set_data(full)
        panel._detail_timer.blockSignals(True)  # measure pyqtgraph alone: no reloads
        panel._set_x(float(at[0]), float(at[-1]))
        pump(qapp, 0.2)
        print("  reference, not the dashboard's path (it never hands pyqtgraph more than the services' points):")
        fps_line("raw year in pyqtgraph, whole year in view", frames(qapp, panel, steps), len(at))
        panel._set_x(float(at[-1]) - 7 * 86400, float(at[-1]))
        pump(qapp, 0.2)
        fps_line("raw year in pyqtgraph, a week in view", frames(qapp, panel, steps), len(at))
        panel.close()
        return ok
    finally:
        services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["latency", "chart", "both"], default="both")
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--steps", type=int, default=120)
    args = parser.parse_args()
    print(machine())
    ok = True
    if args.part in ("latency", "both"):
        ok &= latency(args.units, args.seconds, args.interval)
    if args.part in ("chart", "both"):
        ok &= chart(args.days, args.steps)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
