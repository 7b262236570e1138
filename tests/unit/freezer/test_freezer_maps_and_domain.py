"""Register maps from data files, and the monitoring domain types."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hardware.freezer.devicemaps import DEVICES, load_command_set, load_register_map
from hardware.freezer.drivers import make_driver
from tracseq_desktop.domain.errors import DomainError, InvalidInput
from tracseq_desktop.domain.monitoring import (
    AlarmCode,
    DeviceError,
    DeviceLink,
    DeviceProtocol,
    DeviceTimeout,
    FreezerDriver,
    Reading,
    alarm_from_text,
)


def test_dixell_map_groups_contiguous_registers() -> None:
    reg = load_register_map("dixell")
    assert reg.probes == (256, 257, 258)
    assert reg.blocks() == [(256, 3), (768, 1), (1280, 1), (3328, 2)]
    assert reg.status_bits == {"compressor_on": 0, "door_open": 1, "defrost": 2, "power_failure": 3}
    assert reg.alarm_words[0].bits[2] == "probe_failure"


def test_values_are_signed_tenths_with_sentinels() -> None:
    reg = load_register_map("dixell")
    assert reg.value(0xFCDD) == pytest.approx(-80.3)  # -803
    assert reg.value(45) == pytest.approx(4.5)
    assert reg.value(0x8000) is None  # -32768: no probe
    assert reg.value(0x7FFF) is None  # 32767: probe failure
    assert reg.raw(-80.3) == 0xFCDD
    assert reg.raw(None) == 0x8000
    assert reg.value(reg.raw(-3276.9)) is not None  # clamped off the sentinels


def test_a_map_from_another_file_changes_addresses(tmp_path: Path) -> None:
    data = json.loads((DEVICES / "dixell.json").read_text())
    data["probes"] = [10, 11]
    data["max_block_gap"] = 5
    path = tmp_path / "other.json"
    path.write_text(json.dumps(data))
    reg = load_register_map(str(path))
    assert reg.blocks()[0] == (10, 2)
    assert reg.probes == (10, 11)


def test_incomplete_map_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"name": "x"}))
    with pytest.raises(InvalidInput):
        load_register_map(str(path))
    with pytest.raises(InvalidInput):
        load_register_map(str(tmp_path / "missing.json"))


def test_ln2_command_set() -> None:
    commands = load_command_set()
    assert commands.terminator == b"\r"
    assert commands.queries["temp_a"] == "TEMPA?"
    assert commands.alarm_codes["LL"] == "ln2_level_low"


def test_reading_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Reading(unit_id="u", taken_at=datetime(2025, 1, 1), probes=(1.0,))
    reading = Reading(
        unit_id="u",
        taken_at=datetime(2025, 1, 1, tzinfo=UTC),
        probes=(None, -79.5),
        alarms=frozenset({AlarmCode.HIGH_TEMPERATURE, "ln2:LO"}),
    )
    assert reading.temperature == -79.5
    data = reading.as_dict()
    assert data["alarms"] == ["high_temperature", "ln2:LO"]
    assert json.loads(json.dumps(data))["probes"] == [None, -79.5]


def test_alarm_codes_known_and_vendor() -> None:
    assert alarm_from_text("probe_failure") is AlarmCode.PROBE_FAILURE
    assert alarm_from_text("ln2:BO") == "ln2:BO"
    assert AlarmCode.LN2_LEVEL_LOW.display_name == "liquid nitrogen level low"


def test_device_link_validation() -> None:
    with pytest.raises(ValueError, match="address"):
        DeviceLink("u", "/dev/null", DeviceProtocol.MODBUS_DIXELL, address=1000)
    with pytest.raises(ValueError, match="positive"):
        DeviceLink("u", "/dev/null", DeviceProtocol.MODBUS_DIXELL, poll_interval_s=0)


def test_errors_are_domain_errors_with_codes() -> None:
    error = DeviceTimeout("no answer")
    assert isinstance(error, DeviceError)
    assert isinstance(error, DomainError)
    assert error.code == "device_timeout"


@pytest.mark.parametrize("protocol", list(DeviceProtocol))
def test_every_driver_is_a_freezer_driver(protocol: DeviceProtocol) -> None:
    driver = make_driver(DeviceLink("u", "/dev/null", protocol))
    assert isinstance(driver, FreezerDriver)
