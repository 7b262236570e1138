"""`make run`: TracSeq Desktop on the demo database with simulated freezers, on the real display or a virtual one.

1. Starts the freezer simulator (`tracseq-sim`, the demo scenario on pseudo-terminals
   under `<db dir>/sim`) as a child process and waits for it to say READY.
2. Links demo storage units of the matching temperature class (-80 ULT, -20, fridge,
   LN2 dewar) to the simulated controllers, marked as simulated. Done once: a unit
   already linked to a simulated port and address is left as it is on later runs.
   The simulator runs faster than real time, so newly linked units get alarm delays
   shortened by the same factor (a 5-minute delay would otherwise outlast the demo).
3. Starts `tracseq-desktop --db DB --simulate`, and stops the simulator when it exits.

On a machine without a display (a server, a container) it starts Xvfb so the
window still opens, and says so; take a screenshot with
`tracseq-desktop --db PATH --screenshot FILE.png` to see it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "resources" / "scenarios" / "demo.json"
POLL_INTERVAL_S = 2.0  #: the demo polls every 2 s so tiles visibly move
READY_TIMEOUT_S = 30.0
#: Simulator unit kinds -> the temperature class of the storage units they stand in for.
KIND_CLASSES = {"-80": "-80C", "-20": "-20C", "+4": "+4C", "ln2": "LN2"}


@dataclass(frozen=True)
class SimLink:
    sim_unit: str
    port: str
    protocol: str
    address: int
    baud: int
    kind: str


@dataclass(frozen=True)
class Linked:
    unit: str  #: the storage unit in the database
    sim_unit: str
    new: bool  #: linked by this run (False: it already was)


def _virtual_display() -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print("No display and no Xvfb: install xvfb or run on a desktop.", file=sys.stderr)
        sys.exit(1)
    for number in range(99, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            break
    # Its own session: Ctrl-C in the terminal reaches the window, which closes cleanly, not the display under it.
    proc = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"], start_new_session=True
    )
    os.environ["DISPLAY"] = f":{number}"
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.1)
    print(f"No display found: TracSeq Desktop runs on the virtual display :{number} (Xvfb).", file=sys.stderr)
    return proc


# -- the simulator --------------------------------------------------------------------------


@dataclass
class SimProcess:
    """The running `tracseq-sim`: its process, its PORT lines, and the thread draining its output."""

    proc: subprocess.Popen[str]
    ports: list[str]
    reader: threading.Thread

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.reader.join(5)  # it closes the pipe at end of output


def start_simulator(scenario: Path, run_dir: Path, links_json: Path, *, time_scale: float | None = None) -> SimProcess:
    """Start `tracseq-sim` on pseudo-terminals and wait until it is READY."""
    run_dir.mkdir(parents=True, exist_ok=True)
    links_json.unlink(missing_ok=True)
    command = [
        str(BIN / "tracseq-sim"),
        str(scenario),
        "--pty",
        "--run-dir",
        str(run_dir),
        "--links-json",
        str(links_json),
    ]
    if time_scale is not None:
        command += ["--time-scale", str(time_scale)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:  # keeps draining stdout after READY so the simulator never blocks on a full pipe
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                if not ready.is_set():
                    if line.strip() == "READY":
                        ready.set()
                    else:
                        lines.append(line.strip())
        ready.set()

    reader = threading.Thread(target=read, name="tracseq-sim output", daemon=True)
    reader.start()
    sim = SimProcess(proc, [], reader)
    if not ready.wait(READY_TIMEOUT_S) or proc.poll() is not None or not links_json.exists():
        sim.stop()
        raise RuntimeError(f"tracseq-sim did not start (exit code {proc.returncode}): {' / '.join(lines)}")
    sim.ports = [line for line in lines if line.startswith("PORT ")]
    return sim


# -- linking ------------------------------------------------------------------------------


def simulated_links(links_json: Path, scenario: Path) -> tuple[list[SimLink], float]:
    """The simulator's links with each unit's kind, and the scenario's time scale."""
    data: dict[str, Any] = json.loads(scenario.read_text(encoding="utf-8"))
    kinds = {unit["id"]: unit["kind"] for port in data["ports"] for unit in port["units"]}
    links = [
        SimLink(
            sim_unit=item["unit_id"],
            port=item["port"],
            protocol=item["protocol"],
            address=int(item["address"]),
            baud=int(item.get("baud", 9600)),
            kind=kinds[item["unit_id"]],
        )
        for item in json.loads(links_json.read_text(encoding="utf-8"))
    ]
    return links, float(data.get("time_scale", 1.0))


def link_simulated_units(
    db: Path, links: list[SimLink], *, time_scale: float = 1.0, poll_interval_s: float = POLL_INTERVAL_S
) -> list[Linked]:
    """Link a free storage unit of the matching temperature class to each simulated controller (idempotent)."""
    from tracseq_desktop.services.facade import open_services
    from tracseq_desktop.services.monitoring import monitoring_for

    services = open_services(db)
    try:
        monitoring = monitoring_for(services)
        views = monitoring.links(linked_only=False)
        by_address = {(v.port, v.address): v.unit for v in views if v.port is not None}
        free = [v for v in views if v.port is None]
        done: list[Linked] = []
        for link in links:
            existing = by_address.get((link.port, link.address))
            if existing is not None:
                done.append(Linked(existing, link.sim_unit, new=False))
                continue
            wanted = KIND_CLASSES.get(link.kind)
            unit = next((v for v in free if v.temperature_class == wanted), None)
            if unit is None:
                continue
            free.remove(unit)
            monitoring.link(
                unit.unit,
                port=link.port,
                protocol=link.protocol,
                address=link.address,
                baud=link.baud,
                poll_interval_s=poll_interval_s,
                simulated=True,
            )
            if unit.default_limits and time_scale > 1:
                s = unit.settings
                monitoring.set_limits(
                    unit.unit, delay_s=s.delay_s / time_scale, door_delay_s=s.door_delay_s / time_scale
                )
            done.append(Linked(unit.unit, link.sim_unit, new=True))
        return done
    finally:
        services.close()


# -- screenshots ----------------------------------------------------------------------------


def take_screenshots(db: Path, scenario: Path, out: Path, *, timeout_s: float = 300.0, min_s: float = 150.0) -> int:
    """The dashboard with live simulated data and an active alarm, rendered offscreen (docs/screenshots)."""
    import tempfile

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tracseq_desktop.services.facade import open_services
    from ui.settings import SettingsStore
    from ui.theme import apply_theme
    from ui.window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tracseq-shots-") as tmp:
        copy = Path(tmp) / "demo.db"
        shutil.copy(db, copy)
        sim = start_simulator(scenario, Path(tmp) / "sim", Path(tmp) / "sim" / "links.json")
        app = QApplication.instance() or QApplication([])
        assert isinstance(app, QApplication)
        apply_theme(app)
        services = open_services(copy)
        window = None
        try:
            links, time_scale = simulated_links(Path(tmp) / "sim" / "links.json", scenario)
            link_simulated_units(copy, links, time_scale=time_scale)
            settings = SettingsStore(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
            window = MainWindow(services, settings)
            window.freezers.simulate = True
            window.resize(1600, 1050)
            window.show()
            window.start()
            alarm = _wait_for_alarm(app, window, timeout_s, min_s)
            if alarm is None:
                print("No alarm came up in time; no screenshots taken.", file=sys.stderr)
                return 1
            _capture(app, window, alarm, out)
            return 0
        finally:
            if window is not None:
                window.close()
            services.close()
            sim.stop()


def _wait_for_alarm(app: Any, window: Any, timeout_s: float, min_s: float) -> Any:
    """The first active, unacknowledged alarm once ``min_s`` of live data are in (None after ``timeout_s``)."""
    dashboard = window.freezers.dashboard
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        app.processEvents()
        time.sleep(0.02)
        alarm = next((a for a in dashboard.alarms if a.active and not a.acknowledged), None)
        if alarm is not None and time.monotonic() - started >= min_s:
            return alarm
    return None


def _capture(app: Any, window: Any, alarm: Any, out: Path) -> None:
    from PySide6.QtCore import Qt

    from ui.freezer.chartdata import ChartRange

    dashboard = window.freezers.dashboard
    window.resizeDocks([window.freezers.dock], [660], Qt.Orientation.Vertical)
    dashboard.show_unit(alarm.unit)
    dashboard.alarm_list.select(alarm.id)
    dashboard.chart.set_range(ChartRange.HOUR)
    _settle(app, window, 3.0)
    window.grab().save(str(out / "freezer-window.png"))
    window.freezers.dock.grab().save(str(out / "freezer-dashboard.png"))
    dialog = dashboard.open_acknowledge(alarm)
    dialog.comment.setPlainText("Compressor checked: running hot. Samples moved to UNIT-006; service called.")
    _settle(app, window, 0.5)
    dialog.grab().save(str(out / "freezer-acknowledge.png"))
    dialog.reject()


def _settle(app: Any, window: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or window.tasks.busy:
        app.processEvents()
        time.sleep(0.02)


# -- main -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="TracSeq Desktop on the demo database with simulated freezers.")
    parser.add_argument("--db", required=True, type=Path, help="the demo database")
    parser.add_argument("--scenario", type=Path, default=SCENARIO, help="simulator scenario")
    parser.add_argument("--no-sim", action="store_true", help="start the window without simulated freezers")
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="instead of opening the window: run the demo offscreen on a copy of the database until an alarm is up,"
        " and save freezer-*.png screenshots to DIR",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args, rest = build_parser().parse_known_args(argv)
    # A terminated launcher still stops its children (simulator, window, Xvfb) on the way out.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    db: Path = args.db.resolve()
    if args.screenshots is not None:
        return take_screenshots(db, args.scenario, args.screenshots)
    sim: SimProcess | None = None
    xvfb = None
    try:
        desktop = [str(BIN / "tracseq-desktop"), "--db", str(db), *rest]
        if not args.no_sim:
            run_dir = db.parent / "sim"
            links_json = run_dir / "links.json"
            sim = start_simulator(args.scenario, run_dir, links_json)
            links, time_scale = simulated_links(links_json, args.scenario)
            linked = link_simulated_units(db, links, time_scale=time_scale)
            for item in linked:
                state = "linked" if item.new else "already linked"
                print(f"{item.unit} {state} to simulated {item.sim_unit}", file=sys.stderr)
            print(f"Simulated freezers on {len(sim.ports)} ports; {len(linked)} units monitored.", file=sys.stderr)
            desktop.append("--simulate")
        xvfb = _virtual_display()
        os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
        window = subprocess.Popen(desktop)
        try:
            return window.wait()
        except KeyboardInterrupt:  # the window got Ctrl-C too and is closing: let it finish
            return window.wait(timeout=30) or 130
    except KeyboardInterrupt:
        return 130
    finally:
        if sim is not None:
            sim.stop()
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
