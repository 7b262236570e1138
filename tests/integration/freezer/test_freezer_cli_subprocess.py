"""``tracseq monitor --once`` as a subprocess against ``tracseq-sim`` as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SCENARIO = {
    "seed": 5,
    "time_scale": 60,
    "ports": [
        {"name": "bus", "protocol": "modbus-dixell", "units": [{"id": "ULT-1", "kind": "-80", "address": 3}]},
        {"name": "ln2", "protocol": "ascii-ln2", "units": [{"id": "LN2-1", "kind": "ln2", "address": 1}]},
    ],
}


class SimProcess:
    def __init__(self, process: subprocess.Popen[str], ports: dict[str, str], devices: dict[str, str]) -> None:
        self.process = process
        self.ports = ports
        self.devices = devices


def start_sim(tmp_path: Path, *extra: str) -> SimProcess:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    process = subprocess.Popen(
        [str(BIN / "tracseq-sim"), str(scenario), "--truth", str(tmp_path / "truth.jsonl"), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ports: dict[str, str] = {}
    devices: dict[str, str] = {}
    for line in process.stdout:
        if line.strip() == "READY":
            break
        word, name, _protocol, url, device, _units = line.split()
        assert word == "PORT"
        ports[name], devices[name] = url, device
    else:
        raise AssertionError(f"tracseq-sim ended early: {process.stderr.read() if process.stderr else ''}")
    return SimProcess(process, ports, devices)


@pytest.fixture(params=["--pty", "--tcp"])
def sim(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SimProcess]:
    extra = ["--pty"] if request.param == "--pty" else ["--tcp", "0"]
    started = start_sim(tmp_path, *extra)
    yield started
    finish(started.process)


def finish(process: subprocess.Popen[str]) -> int:
    """Stop the simulator as a service manager would, and close its pipes."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.communicate(timeout=10)
    return process.returncode


def monitor(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACSEQ_LANG": "en"}
    return subprocess.run(
        [str(BIN / "tracseq"), "monitor", *args], capture_output=True, text=True, timeout=30, env=env, check=False
    )


def test_monitor_once_json_reads_both_protocols(sim: SimProcess) -> None:
    if "/" in sim.ports["bus"] and not sim.ports["bus"].startswith("socket://"):
        assert sim.devices["bus"].startswith("/dev/pts/")
    else:
        assert sim.ports["bus"].startswith("socket://127.0.0.1:")
    done = monitor("--port", sim.ports["bus"], "--protocol", "modbus-dixell", "--address", "3", "--once", "--json")
    assert done.returncode == 0, done.stderr
    reading = json.loads(done.stdout)
    assert reading["setpoint"] == -80.0
    assert -90.0 < reading["probes"][0] < -70.0
    assert reading["probes"][2] is None
    assert reading["alarms"] == []
    assert reading["compressor_on"] in (True, False)

    done = monitor("--port", sim.ports["ln2"], "--protocol", "ascii-ln2", "--once", "--json")
    assert done.returncode == 0, done.stderr
    reading = json.loads(done.stdout)
    assert 100.0 < reading["ln2_level_mm"] < 200.0
    assert reading["probes"][1] == pytest.approx(-195.8, abs=1.0)


def test_monitor_once_fails_in_one_line_when_nobody_answers(sim: SimProcess) -> None:
    done = monitor("--port", sim.ports["bus"], "--address", "9", "--timeout", "0.2", "--retries", "0", "--once")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "No answer from device 9" in done.stderr


def test_sim_stops_cleanly_and_writes_its_truth(tmp_path: Path) -> None:
    started = start_sim(tmp_path, "--pty")
    done = monitor("--port", started.ports["bus"], "--address", "3", "--once")
    assert done.returncode == 0, done.stderr
    assert "setpoint: -80.0 °C" in done.stdout
    assert finish(started.process) == 0
    lines = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert lines[0]["type"] == "start"
    assert lines[-1]["type"] == "stop"
    assert not Path(started.ports["bus"]).exists()  # the port symlink went with the simulator


def test_monitor_without_once_is_a_usage_error() -> None:
    done = monitor("--port", "/dev/null")
    assert done.returncode == 2
    assert "--once" in done.stderr


def test_monitor_on_a_missing_port_fails_in_one_line(tmp_path: Path) -> None:
    done = monitor("--port", str(tmp_path / "ttyUSB9"), "--once")
    assert done.returncode == 1
    assert done.stderr.startswith("tracseq: Cannot open")
