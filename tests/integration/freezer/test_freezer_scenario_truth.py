"""Scenario runs: scheduled events and faults happen when the file says, the ground truth records them,
and what the driver reads agrees with it."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardware.freezer.devicemaps import RESOURCES
from hardware.freezer.poller import PortWorker
from hardware.freezer.sim.scenario import load_scenario, parse_scenario
from hardware.freezer.sim.simulator import Simulator
from tracseq_desktop.domain.monitoring import AlarmCode, PollFailure, Reading

SCENARIO = {
    "name": "truth-test",
    "seed": 3,
    "time_scale": 600,
    "snapshot_every_s": 60,
    "duration_s": 900,
    "ports": [
        {
            "name": "bus",
            "protocol": "modbus-dixell",
            "units": [{"id": "ULT-1", "kind": "-80", "address": 1}, {"id": "ULT-2", "kind": "-80", "address": 2}],
        }
    ],
    "events": [
        {"at_s": 60, "unit": "ULT-1", "type": "door_open", "duration_s": 300},
        {"at_s": 120, "port": "bus", "type": "crc", "count": 1},
        {"at_s": 500, "unit": "ULT-2", "type": "probe_fail", "probe": 1},
    ],
}


def read_truth(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_ground_truth_of_a_run_and_readings_that_agree(tmp_path: Path) -> None:
    truth_path = tmp_path / "truth.jsonl"
    sim = Simulator(parse_scenario(SCENARIO), truth_path=truth_path)
    readings: list[Reading] = []
    failures: list[PollFailure] = []
    sim.start()
    worker = PortWorker(
        sim.links(poll_interval_s=0.05, timeout_s=0.2), on_reading=readings.append, on_failure=failures.append
    )
    worker.start()
    try:
        assert sim.finished.wait(10.0)
    finally:
        worker.stop()
        sim.stop()
    truth = read_truth(truth_path)
    assert truth[0]["type"] == "start"
    assert truth[0]["seed"] == 3
    assert truth[-1]["type"] == "stop"

    events = [(line["t"], line["event"]) for line in truth if line["type"] == "event"]
    assert events == [(60.0, "door_open"), (500.0, "probe_fail")]
    faults = [line for line in truth if line["type"] == "fault"]
    assert [(f["t"], f["fault"], f["count"]) for f in faults] == [(120.0, "crc", 1)]
    applied = [line for line in truth if line["type"] == "fault_applied"]
    assert len(applied) == 1
    assert applied[0]["t"] >= 120.0

    alarms = [(line["unit"], line["code"], line["state"], line["t"]) for line in truth if line["type"] == "alarm"]
    door = [a for a in alarms if a[1] == "door_open_too_long"]
    assert [a[2] for a in door] == ["raised", "cleared"]
    assert door[0][3] == pytest.approx(240.0, abs=5.0)  # open at 60 s, alarm after 180 s
    assert door[1][3] == pytest.approx(360.0, abs=5.0)  # closed at 360 s
    assert ("ULT-2", "probe_failure", "raised", 500.0) in alarms

    states = [line for line in truth if line["type"] == "state" and line["unit"] == "ULT-1"]
    assert [s["t"] for s in states] == [60.0 * i for i in range(16)]
    assert max(s["air"] for s in states if 60 < s["t"] <= 360) > -70.0  # the open door warmed it

    # The retried CRC error cost no poll; every reading matches the truth around its time.
    assert failures == []
    slack = timedelta(seconds=0.1)  # a reading is stamped just after its answer left the simulator
    door_window = (_wall(truth, "event", 60.0), _wall(truth, "alarm", 360.0) + slack)
    assert any(r.door_open for r in readings if r.unit_id == "ULT-1")
    for reading in readings:
        if reading.door_open:
            assert reading.unit_id == "ULT-1"
            assert door_window[0] <= reading.taken_at <= door_window[1]
        if reading.unit_id == "ULT-2" and reading.taken_at > _wall(truth, "event", 500.0):
            assert reading.probes[0] is None
            assert AlarmCode.PROBE_FAILURE in reading.alarms


def _wall(truth: list[dict[str, Any]], kind: str, t: float) -> datetime:
    line = next(line for line in truth if line["type"] == kind and line["t"] == t)
    return datetime.fromisoformat(line["wall"])


def test_demo_scenario_reaches_a_high_temperature_alarm_within_minutes(tmp_path: Path) -> None:
    scenario = load_scenario(RESOURCES / "scenarios" / "demo.json")
    assert len([unit for _port, unit in scenario.unit_specs()]) >= 3
    truth_path = tmp_path / "truth.jsonl"
    # Three real minutes at the demo's own time scale, compressed here to about a second.
    sim_seconds = 180 * scenario.time_scale
    sim = Simulator(scenario, truth_path=truth_path, time_scale=sim_seconds / 1.0)
    sim.start()
    deadline = time.monotonic() + 10
    while sim.sim_time < sim_seconds and time.monotonic() < deadline:
        time.sleep(0.05)
    sim.stop()
    raised = [
        line
        for line in read_truth(truth_path)
        if line["type"] == "alarm" and line["code"] == "high_temperature" and line["state"] == "raised"
    ]
    assert raised, "no unit reached a high-temperature alarm"
    assert raised[0]["t"] <= sim_seconds
    assert raised[0]["unit"] == "ULT-02"


@pytest.mark.parametrize("name", ["demo.json", "faults.toml", "compressor-failing.json"])
def test_shipped_scenarios_load(name: str) -> None:
    scenario = load_scenario(RESOURCES / "scenarios" / name)
    assert scenario.ports
    assert scenario.time_scale > 0
