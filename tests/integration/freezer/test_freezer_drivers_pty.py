"""Drivers against the simulator over real pseudo-terminals: values, and every line fault."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hardware.freezer.drivers import Driver, make_driver
from hardware.freezer.ln2ascii import Ln2AsciiDriver
from hardware.freezer.sim.simulator import Simulator
from tracseq_desktop.domain.monitoring import (
    AlarmCode,
    ChecksumError,
    DeviceDisconnected,
    DeviceLink,
    DeviceRejected,
    DeviceTimeout,
    GarbledAnswer,
    Reading,
)

SimFactory = Callable[..., Simulator]


def link_for(sim: Simulator, unit_id: str) -> DeviceLink:
    return next(link for link in sim.links(timeout_s=0.3) if link.unit_id == unit_id)


@contextmanager
def opened(link: DeviceLink) -> Iterator[Driver]:
    driver = make_driver(link)
    driver.open()
    try:
        yield driver
    finally:
        driver.close()


def assert_matches_truth(reading: Reading, truth: dict[str, object]) -> None:
    probes = truth["probes"]
    assert isinstance(probes, list)
    count = len(reading.probes)
    assert all(extra is None for extra in probes[count:])  # the map reads fewer probes than the model has
    for got, expected in zip(reading.probes, probes[:count], strict=True):
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected, abs=0.25)


def test_port_is_a_real_pseudo_terminal(make_sim: SimFactory) -> None:
    sim = make_sim()
    device = sim.ports["bus"].endpoint.device
    assert device.startswith("/dev/pts/")
    assert os.path.realpath(sim.url("bus")) == device


def test_dixell_bus_reads_two_units_with_their_own_values(make_sim: SimFactory) -> None:
    sim = make_sim()
    sim.apply("FRG-2", "door_open")
    sim.apply("FRG-2", "probe_fail", probe=1)
    with opened(link_for(sim, "ULT-1")) as ult:
        cold = ult.read()
        truth = sim.snapshot("ULT-1")
    assert cold.unit_id == "ULT-1"
    assert cold.setpoint == pytest.approx(-80.0)
    assert cold.probes[2] is None  # no third probe fitted: the -32768 sentinel
    assert_matches_truth(cold, truth)
    assert cold.compressor_on is truth["compressor_on"]
    assert cold.door_open is False
    assert cold.alarms == frozenset()

    with opened(link_for(sim, "FRG-2")) as fridge:
        warm = fridge.read()
    assert warm.setpoint == pytest.approx(4.0)
    assert warm.probes[0] is None
    assert warm.door_open is True
    assert AlarmCode.PROBE_FAILURE in warm.alarms


def test_power_failure_flag_is_latched_until_read(make_sim: SimFactory) -> None:
    sim = make_sim()
    sim.apply("ULT-1", "power_fail", duration_s=0.2)
    with opened(link_for(sim, "ULT-1")) as driver:
        during = driver.read()
        assert during.power_failure is True
        assert AlarmCode.POWER_FAILURE in during.alarms
        sim.call(lambda: sim.units["ULT-1"].advance(1.0))  # power is back in the model
        after = driver.read()
        assert after.power_failure is True  # "since last read": the latch survives one read
        assert AlarmCode.POWER_FAILURE not in after.alarms
        assert driver.read().power_failure is False


def test_ln2_controller_reads_level_temperatures_and_vendor_alarms(make_sim: SimFactory) -> None:
    sim = make_sim()
    sim.apply("LN2-1", "lid_open")
    with opened(link_for(sim, "LN2-1")) as driver:
        reading = driver.read()
        truth = sim.snapshot("LN2-1")
    assert reading.ln2_level_mm == pytest.approx(truth["ln2_level_mm"], abs=1.0)
    assert reading.ln2_filling is False
    assert reading.probes[0] == pytest.approx(-185.0, abs=10.0)
    assert_matches_truth(reading, truth)
    assert reading.alarms == frozenset({"ln2:LO"})  # lid open: a vendor code without a common meaning


def test_ln2_set_command_gets_no_answer_and_changes_state(make_sim: SimFactory) -> None:
    sim = make_sim()
    with opened(link_for(sim, "LN2-1")) as driver:
        assert isinstance(driver, Ln2AsciiDriver)
        driver.send("FILL 1")
        assert driver.read().ln2_filling is True
        driver.send("FILL 0")
        assert driver.read().ln2_filling is False


def test_ln2_unknown_query_is_rejected(make_sim: SimFactory) -> None:
    sim = make_sim()
    with opened(link_for(sim, "LN2-1")) as driver:
        assert isinstance(driver, Ln2AsciiDriver)
        with pytest.raises(DeviceRejected):
            driver.query("BOGUS?")


def test_modbus_ascii_thermo_7e1(make_sim: SimFactory) -> None:
    sim = make_sim()
    link = link_for(sim, "TSX-1")
    with opened(link) as driver:
        reading = driver.read()
        truth = sim.snapshot("TSX-1")
    assert driver.line.bytesize == 7
    assert driver.line.parity == "E"
    assert reading.setpoint == pytest.approx(-80.0)
    assert_matches_truth(reading, truth)


MODBUS_FAULTS = [
    ("crc", ChecksumError),
    ("garble", ChecksumError),
    ("truncate", GarbledAnswer),
    ("exception", DeviceRejected),
    ("silence", DeviceTimeout),
]
LN2_FAULTS = [
    ("crc", GarbledAnswer),
    ("garble", GarbledAnswer),
    ("truncate", GarbledAnswer),
    ("exception", DeviceRejected),
    ("silence", DeviceTimeout),
]


@pytest.mark.parametrize(("port", "unit"), [("bus", "ULT-1"), ("ln2", "LN2-1"), ("thermo", "TSX-1")])
def test_every_fault_raises_a_clear_error_and_the_next_read_is_right(
    make_sim: SimFactory, tmp_path: Path, port: str, unit: str
) -> None:
    sim = make_sim()
    faults = LN2_FAULTS if port == "ln2" else MODBUS_FAULTS
    with opened(link_for(sim, unit)) as driver:
        for fault, expected in faults:
            sim.inject(port, fault)
            with pytest.raises(expected) as caught:
                driver.read()
            assert str(caught.value)  # a sentence for people
            reading = driver.read()
            assert_matches_truth(reading, sim.snapshot(unit))
    sim.stop()
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    applied = [line["fault"] for line in truth if line["type"] == "fault_applied"]
    assert applied == [fault for fault, _error in faults]


def test_unplug_then_replug(make_sim: SimFactory) -> None:
    sim = make_sim()
    link = link_for(sim, "ULT-1")
    driver = make_driver(link)
    driver.open()
    first_device = sim.ports["bus"].endpoint.device
    try:
        assert driver.read().setpoint == pytest.approx(-80.0)
        sim.unplug("bus")
        with pytest.raises(DeviceDisconnected):
            driver.read()
        with pytest.raises(DeviceDisconnected):
            driver.open()  # the port is gone
        sim.replug("bus")
        driver.open()
        assert driver.read().setpoint == pytest.approx(-80.0)
        assert os.path.realpath(sim.url("bus")) == sim.ports["bus"].endpoint.device
    finally:
        driver.close()
    assert first_device.startswith("/dev/pts/")


def test_wrong_address_times_out_and_does_not_borrow_another_answer(make_sim: SimFactory) -> None:
    sim = make_sim()
    link = link_for(sim, "ULT-1")
    stray = DeviceLink("nobody", link.port, link.protocol, address=9, timeout_s=0.2)
    with opened(stray) as driver, pytest.raises(DeviceTimeout):
        driver.read()
