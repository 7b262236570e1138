"""The monitoring commands as subprocesses, and ``tracseq monitor`` against ``tracseq-sim`` on pseudo-terminals."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hardware.freezer.devicemaps import RESOURCES
from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.lab import build_small_lab
from tracseq_desktop.services.monitoring import monitoring_for

BIN = Path(sys.executable).parent


def tracseq(db: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACSEQ_LANG": "en", "TRACSEQ_USER": "operator"}
    return subprocess.run(
        [str(BIN / "tracseq"), "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.fixture
def lab_with_an_excursion(db_path: Path) -> Path:
    services = open_services(db_path, actor=Actor("tester", "ws"))
    build_small_lab(services)
    monitoring = monitoring_for(services)
    monitoring.set_limits("FRZ-80", delay_s=0.0)
    now = datetime.now(UTC) - timedelta(minutes=30)
    for i in range(60):
        temp = -80.0 if i < 20 or i >= 40 else -60.0
        monitoring.record_reading(Reading("FRZ-80", now + timedelta(seconds=10 * i), (temp, temp), setpoint=-80.0))
    services.close()
    return db_path


def test_cli_lists_acknowledges_and_queries(lab_with_an_excursion: Path) -> None:
    db = lab_with_an_excursion
    done = tracseq(db, "alarms", "--json")
    assert done.returncode == 0, done.stderr
    [alarm] = json.loads(done.stdout)
    assert (alarm["unit"], alarm["kind"], alarm["active"], alarm["peak"]) == (
        "FRZ-80",
        "high_temperature",
        False,
        -60.0,
    )

    done = tracseq(db, "ack", str(alarm["id"]))
    assert done.returncode == 2 and "--comment" in done.stderr
    done = tracseq(db, "ack", "999", "--comment", "x")
    assert (done.returncode, done.stderr.strip()) == (1, "tracseq: No alarm #999.")
    done = tracseq(db, "ack", f"#{alarm['id']}", "--comment", "Compressor restarted")
    assert done.returncode == 0, done.stderr
    assert "acknowledged by operator: Compressor restarted" in done.stdout
    assert tracseq(db, "alarms").stdout.strip() == "No open alarms."
    closed = json.loads(tracseq(db, "alarms", "--all", "--json").stdout)
    assert closed[0]["acknowledged_by"] == "operator"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT action, actor, reason FROM audit_entry WHERE entity_type = 'alarm'").fetchall()
    assert rows == [("acknowledge", "operator", "Compressor restarted")]

    done = tracseq(db, "readings", "FRZ-80", "--since", "1h", "--json")
    assert done.returncode == 0, done.stderr
    series = json.loads(done.stdout)
    assert series["source"] == "readings" and len(series["points"]) == 60
    assert max(p["max"] for p in series["points"]) == -60.0
    done = tracseq(db, "readings", "FRZ-80", "--since", "soon")
    assert done.returncode == 1 and done.stderr.count("\n") == 1

    exposure = json.loads(tracseq(db, "exposure", "TS-001", "--json").stdout)
    assert [(e["barcode"], e["id"]) for e in exposure] == [("TS-001", alarm["id"])]
    assert "no temperature excursion" in tracseq(db, "exposure", "TS-004").stdout
    assert tracseq(db, "exposure", "NOPE-1").returncode == 1


def test_cli_links_and_thresholds(db_path: Path) -> None:
    services = open_services(db_path, actor=Actor("tester", "ws"))
    build_small_lab(services)
    services.close()
    done = tracseq(db_path, "unit", "link", "DEWAR-1", "--port", "socket://127.0.0.1:5021", "--protocol", "ascii-ln2")
    assert done.returncode == 0, done.stderr
    done = tracseq(db_path, "unit", "thresholds", "DEWAR-1", "--high", "-160", "--low", "none", "--ln2-low", "90")
    assert done.returncode == 0, done.stderr
    [link] = json.loads(tracseq(db_path, "unit", "links", "--json").stdout)
    assert (link["unit"], link["protocol"], link["poll_interval_s"], link["simulated"]) == (
        "DEWAR-1",
        "ascii-ln2",
        10.0,
        False,
    )
    assert link["limits"]["high_c"] == -160.0 and link["limits"]["low_c"] is None
    assert link["limits"]["ln2_level_low_mm"] == 90.0
    done = tracseq(db_path, "unit", "thresholds", "BOX-A", "--high", "1", "--low", "0")
    assert done.returncode == 1 and "not a storage unit" in done.stderr
    done = tracseq(db_path, "unit", "link", "FRZ-80", "--port", "x", "--protocol", "carrier-pigeon")
    assert done.returncode == 2


# -- end to end: simulator on pseudo-terminals, monitoring service, acknowledgement --------------


@pytest.fixture
def sim_run_dir(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[str]]]]:
    started: list[subprocess.Popen[str]] = []
    yield tmp_path / "run", started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


def with_units(db_path: Path, *units: tuple[str, str]) -> Services:
    """Services on ``db_path`` with site S, room R and the given (label, unit type) storage units."""
    services = open_services(db_path, actor=Actor("tester", "ws"))
    services.locations.create("site", "S")
    services.locations.create("room", "R", parent="S")
    for label, unit_type in units:
        services.locations.create("unit", label, parent="R", unit_type=unit_type)
    return services


def start_simulator(run_dir: Path, started: list[subprocess.Popen[str]], *options: str) -> None:
    """``tracseq-sim`` on the demo scenario, its pseudo-terminals in ``run_dir``; returns once it is ready."""
    sim = subprocess.Popen(
        [str(BIN / "tracseq-sim"), str(RESOURCES / "scenarios" / "demo.json"), "--pty", *options,
         "--run-dir", str(run_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    started.append(sim)
    assert sim.stdout is not None
    assert any(line.strip() == "READY" for line in sim.stdout)


def test_monitor_service_against_the_demo_scenario(
    db_path: Path, sim_run_dir: tuple[Path, list[subprocess.Popen[str]]]
) -> None:
    run_dir, started = sim_run_dir
    services = with_units(db_path, ("ULT-01", "freezer-80"), ("ULT-02", "freezer-80"), ("LN2-01", "ln2-dewar"))
    monitoring = monitoring_for(services)
    # The simulator's pseudo-terminals appear as run_dir/<port name>; link before it starts.
    monitoring.link("ULT-01", port=str(run_dir / "bus-a"), protocol="modbus-dixell", address=1, poll_interval_s=0.3)
    services.close()
    done = tracseq(db_path, "unit", "link", "ULT-02", "--port", str(run_dir / "bus-a"), "--protocol", "modbus-dixell",
                   "--address", "2", "--interval", "0.3", "--simulated")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = tracseq(db_path, "unit", "link", "LN2-01", "--port", str(run_dir / "ln2-a"), "--protocol", "ascii-ln2",
                   "--interval", "0.3", "--simulated")  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Real time is compressed 3000x in the simulator; the alarm delay is real time, so shorten it.
    done = tracseq(db_path, "unit", "thresholds", "ULT-02", "--high", "-65", "--low", "-95", "--delay", "1")
    assert done.returncode == 0, done.stderr

    start_simulator(run_dir, started, "--time-scale", "3000")

    done = tracseq(db_path, "monitor", "--for", "8", timeout=40)
    assert done.returncode == 0, done.stderr
    assert "Monitoring 3 units on 2 ports." in done.stdout
    assert "ULT-02: high temperature raised" in done.stdout
    stored = int(done.stdout.split("Stopped: ")[1].split(" readings")[0])
    assert stored > 40

    alarms = json.loads(tracseq(db_path, "alarms", "--json").stdout)
    high = [a for a in alarms if (a["unit"], a["kind"]) == ("ULT-02", "high_temperature")]
    assert len(high) == 1 and high[0]["peak"] > -65.0 and high[0]["limit"] == -65.0
    assert not any(a["unit"] == "ULT-01" and a["kind"] == "high_temperature" for a in alarms)
    readings = json.loads(tracseq(db_path, "readings", "ULT-02", "--since", "2m", "--raw", "--json").stdout)
    assert len(readings) > 10
    assert readings[-1]["probes"][0] > -65.0 and readings[0]["setpoint"] == -80.0
    ln2 = json.loads(tracseq(db_path, "readings", "LN2-01", "--since", "2m", "--json").stdout)
    assert ln2["points"] and all(p["level_mm"] is not None for p in ln2["points"])

    done = tracseq(db_path, "ack", str(high[0]["id"]), "--comment", "Service engineer called")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT action, entity_key, actor, reason FROM audit_entry WHERE entity_type = 'alarm'"
        ).fetchall()
        assert rows == [("acknowledge", str(high[0]["id"]), "operator", "Service engineer called")]
        blocks = conn.execute("SELECT count(*) FROM reading_block").fetchone()[0]
    assert blocks >= 3
    assert tracseq(db_path, "audit", "verify").returncode == 0


def test_monitor_restarted_inside_the_delay_raises_when_the_first_delay_ends(
    db_path: Path, sim_run_dir: tuple[Path, list[subprocess.Popen[str]]]
) -> None:
    """``tracseq monitor`` stopped and started again while a unit is out of range keeps counting the delay."""
    run_dir, started = sim_run_dir
    services = with_units(db_path, ("ULT-01", "freezer-80"))
    monitoring_for(services).link(
        "ULT-01", port=str(run_dir / "bus-a"), protocol="modbus-dixell", address=1, poll_interval_s=0.3
    )
    services.close()
    # The unit sits near -80 °C: with a high limit of -85 °C it is out of range from its first reading.
    delay = 6.0
    done = tracseq(db_path, "unit", "thresholds", "ULT-01", "--high", "-85", "--low", "-95", "--delay", f"{delay:g}")
    assert done.returncode == 0, done.stderr
    start_simulator(run_dir, started)

    # First run: shorter than the delay, nothing raised.
    first = tracseq(db_path, "monitor", "--for", "3", "--json", timeout=40)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    # Second run: also shorter than the delay. A delay restarted by the restart could not end within it.
    second = tracseq(db_path, "monitor", "--for", "5", "--json", timeout=40)
    assert second.returncode == 0, second.stderr
    events = [json.loads(line) for line in second.stdout.splitlines()]
    assert [(e["type"], e["kind"]) for e in events] == [("raised", "high_temperature")]
    [raised] = events

    readings = json.loads(tracseq(db_path, "readings", "ULT-01", "--since", "5m", "--raw", "--json").stdout)
    times = [datetime.fromisoformat(r["taken_at"]) for r in readings]
    assert all(r["probes"][0] > -85.0 for r in readings)
    started_at = datetime.fromisoformat(raised["started_at"])
    raised_at = datetime.fromisoformat(raised["at"])
    # The excursion began with the very first reading of the first run ...
    assert abs((started_at - times[0]).total_seconds()) <= 0.1  # stored times: a tenth of a second
    # ... and the alarm came, in the second run, with the first reading once the delay had passed since
    # then: no sooner, and within one poll (0.3 s) of it. Stored reading times are kept to a tenth of a
    # second, so which stored reading that is cannot be told more closely than the poll.
    assert delay <= (raised_at - started_at).total_seconds() < delay + 0.3 + 0.15
    assert any(abs((raised_at - t).total_seconds()) <= 0.1 for t in times)  # on a reading, stored
    [alarm] = json.loads(tracseq(db_path, "alarms", "--json").stdout)
    assert (alarm["id"], alarm["started_at"]) == (raised["alarm_id"], raised["started_at"])
