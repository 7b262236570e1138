"""The simulator's physical models, stepped directly in simulated time with fixed seeds."""

from __future__ import annotations

import itertools
import random

import pytest

from hardware.freezer.sim.model import CabinetUnit, Ln2Unit
from hardware.freezer.sim.scenario import parse_scenario

DAY = 86400.0


def settled(kind: str, seed: int = 1) -> CabinetUnit:
    unit = CabinetUnit("u", kind, random.Random(seed))
    unit.advance(DAY)
    return unit


def sample(unit: CabinetUnit, seconds: float, step: float = 10.0) -> list[float]:
    values = []
    for _ in range(int(seconds / step)):
        unit.advance(step)
        value = unit.probe(0)
        assert value is not None
        values.append(value)
    return values


@pytest.mark.parametrize("kind", ["-80", "-20", "+4"])
def test_hysteresis_keeps_the_band_and_the_compressor_cycles(kind: str) -> None:
    unit = settled(kind)
    starts = 0
    was_on = unit.compressor_on
    values = []
    for _ in range(int(DAY / 10)):
        unit.advance(10)
        if not unit.defrost and unit.t - (unit.defrost_ended or -1e9) > 3600:
            values.append(unit.air)
        starts += unit.compressor_on and not was_on
        was_on = unit.compressor_on
    sp, band = unit.params.setpoint, unit.params.hysteresis
    assert min(values) > sp - 0.5
    assert max(values) < sp + band + 0.5
    assert starts > 10  # cycles, not stuck on or off
    assert 0.2 < unit.duty < 0.6
    assert not unit.alarms()


def test_door_open_warms_and_the_unit_recovers() -> None:
    unit = settled("-80")
    before = unit.air
    unit.apply("door_open", {"duration_s": 300})
    unit.advance(290)
    assert unit.air > before + 10  # five minutes open: well above the band
    assert "door_open_too_long" in unit.alarms()  # open longer than 180 s
    unit.advance(20)
    assert not unit.door_open
    assert "door_open_too_long" not in unit.alarms()
    unit.advance(3 * 3600)
    assert unit.air < -76.0
    codes = [(t.code, t.raised) for t in unit.transitions]
    assert ("door_open_too_long", True) in codes
    assert ("door_open_too_long", False) in codes


def test_failing_compressor_duty_creeps_for_weeks_before_the_temperature_moves() -> None:
    unit = settled("-80", seed=5)
    unit.apply("compressor_degradation", {"capacity_loss_per_day": 0.6 / 28})
    duties, maxima = [], []
    for _ in range(35):
        on_before = unit.on_seconds
        values = sample(unit, DAY, step=20.0)
        duties.append((unit.on_seconds - on_before) / DAY)
        maxima.append(max(values))
    # Week 1 and week 3: the band is held, yet the compressor runs clearly longer.
    assert max(maxima[:21]) < -76.0
    assert duties[20] > duties[0] + 0.2
    assert all(later >= earlier - 0.03 for earlier, later in itertools.pairwise(duties))
    # By week 5 capacity is below the leak: the compressor runs flat out and the temperature climbs.
    assert duties[-1] > 0.99
    assert maxima[-1] > -70.0
    assert any(t.code == "high_temperature" and t.raised for t in unit.transitions)


def test_power_failure_stops_the_compressor_and_latches() -> None:
    unit = settled("+4")
    unit.apply("power_fail", {"duration_s": 3600})
    unit.advance(1800)
    assert not unit.compressor_on
    assert unit.power_latch
    assert "power_failure" in unit.alarms()
    assert unit.air > 8.0
    unit.advance(1900)
    assert unit.powered
    assert "power_failure" not in unit.alarms()
    assert unit.power_latch  # until someone reads the status word


def test_probe_faults() -> None:
    unit = settled("-20")
    unit.apply("probe_stuck", {"probe": 2})
    stuck = unit.probe(1)
    unit.advance(3600)
    assert unit.probe(1) == stuck
    unit.apply("probe_drift", {"probe": 1, "rate_c_per_h": 2.0})
    unit.advance(3 * 3600)
    probe = unit.probe(0)
    assert probe is not None
    assert probe - unit.air == pytest.approx(6.0, abs=0.3)
    unit.apply("probe_fail", {"probe": 1})
    assert unit.probe(0) is None
    assert "probe_failure" in unit.alarms()
    assert unit.probe(2) is None  # absent third probe
    unit.apply("probe_repair", {"probe": 1})
    assert unit.probe(0) is not None


def test_same_seed_same_history() -> None:
    def run(seed: int) -> list[float]:
        unit = CabinetUnit("u", "-80", random.Random(seed))
        unit.apply("door_open", {"duration_s": 120})
        return sample(unit, 7200, step=30.0)

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_ln2_level_falls_and_auto_fill_refills() -> None:
    unit = Ln2Unit("l", random.Random(1), level_mm=130.0, evaporation_mm_per_h=10.0)
    levels = []
    filled = False
    for _ in range(int(2 * DAY / 60)):
        unit.advance(60)
        levels.append(unit.level)
        filled = filled or unit.filling
    assert min(levels) > 105.0  # never far below the fill start (110 mm)
    assert max(levels) > 160.0  # refilled towards 170 mm
    assert unit.fills >= 2
    assert filled
    assert "LL" not in unit.alarms()


def test_ln2_empty_supply_ends_in_low_level_and_warming() -> None:
    unit = Ln2Unit("l", random.Random(1), level_mm=120.0, evaporation_mm_per_h=10.0)
    unit.apply("ln2_supply_empty", {})
    temp_before = unit.temp_a
    unit.advance(DAY)
    assert unit.level < 80.0
    assert {"LL", "FT"} <= unit.alarms()
    assert unit.temp_a > temp_before + 3.0


def test_scenario_rejects_unknown_units_and_protocols() -> None:
    base = {"ports": [{"name": "p", "protocol": "modbus-dixell", "units": [{"id": "a", "kind": "-80"}]}]}
    assert parse_scenario(base).ports[0].units[0].unit_id == "a"
    with pytest.raises(ValueError, match="unknown unit"):
        parse_scenario({**base, "events": [{"at_s": 1, "unit": "zz", "type": "door_open"}]})
    with pytest.raises(ValueError, match="unknown port"):
        parse_scenario({**base, "events": [{"at_s": 1, "port": "zz", "type": "crc"}]})
    with pytest.raises(ValueError, match="protocol"):
        parse_scenario({"ports": [{"name": "p", "protocol": "x", "units": []}]})
