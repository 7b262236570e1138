"""Scenario files: which units on which ports, and what happens to them when.

JSON or TOML. All times are simulated seconds from the start; ``time_scale``
simulated seconds pass per real second. Example (JSON)::

    {"seed": 7, "time_scale": 60, "snapshot_every_s": 60,
     "ports": [{"name": "bus-a", "protocol": "modbus-dixell",
                "units": [{"id": "ULT-1", "kind": "-80", "address": 1}]}],
     "events": [{"at_s": 600, "unit": "ULT-1", "type": "door_open", "duration_s": 120},
                {"at_s": 900, "port": "bus-a", "type": "crc", "count": 2}]}

Unit events: door_open, door_close, lid_open, power_fail, power_restore,
compressor_degradation (capacity_loss_per_day), compressor_fail, setpoint (value),
probe_stuck / probe_drift (rate_c_per_h) / probe_fail / probe_repair (probe),
ln2_supply_empty, ln2_supply_restored, fill, fill_stop.
Port faults: crc, garble, truncate, exception, silence (count answers, or
duration_s for silence), unplug (duration_s, then replug).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.freezer.sim.model import UnitSpec
from hardware.freezer.sim.responders import FAULTS

PORT_EVENTS = (*FAULTS, "unplug", "replug")
PROTOCOLS = ("modbus-dixell", "ascii-ln2", "modbus-ascii-thermo")


@dataclass(frozen=True, slots=True)
class PortSpec:
    name: str
    protocol: str
    units: tuple[UnitSpec, ...]


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    at_s: float
    type: str
    unit: str | None = None
    port: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scenario:
    seed: int
    time_scale: float
    ports: tuple[PortSpec, ...]
    events: tuple[ScheduledEvent, ...] = ()
    snapshot_every_s: float = 60.0
    duration_s: float | None = None  #: simulated seconds; ``None`` runs until stopped
    name: str = "scenario"

    def unit_specs(self) -> list[tuple[PortSpec, UnitSpec]]:
        return [(port, unit) for port in self.ports for unit in port.units]


def parse_scenario(data: dict[str, Any], name: str = "scenario") -> Scenario:
    ports: list[PortSpec] = []
    unit_ids: set[str] = set()
    for raw_port in data["ports"]:
        protocol = str(raw_port["protocol"])
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}")
        units = []
        for raw_unit in raw_port["units"]:
            settings = {k: v for k, v in raw_unit.items() if k not in ("id", "kind", "address")}
            unit = UnitSpec(str(raw_unit["id"]), str(raw_unit["kind"]), int(raw_unit.get("address", 1)), settings)
            if unit.unit_id in unit_ids:
                raise ValueError(f"unit {unit.unit_id!r} appears twice")
            unit_ids.add(unit.unit_id)
            units.append(unit)
        ports.append(PortSpec(str(raw_port["name"]), protocol, tuple(units)))
    port_names = {port.name for port in ports}
    events = []
    for raw in data.get("events", []):
        params = {k: v for k, v in raw.items() if k not in ("at_s", "type", "unit", "port")}
        event = ScheduledEvent(float(raw["at_s"]), str(raw["type"]), raw.get("unit"), raw.get("port"), params)
        if event.type in PORT_EVENTS:
            if event.port not in port_names:
                raise ValueError(f"event {event.type!r} at {event.at_s}: unknown port {event.port!r}")
        elif event.unit not in unit_ids:
            raise ValueError(f"event {event.type!r} at {event.at_s}: unknown unit {event.unit!r}")
        events.append(event)
    events.sort(key=lambda e: e.at_s)
    duration = data.get("duration_s")
    return Scenario(
        seed=int(data.get("seed", 0)),
        time_scale=float(data.get("time_scale", 1.0)),
        ports=tuple(ports),
        events=tuple(events),
        snapshot_every_s=float(data.get("snapshot_every_s", 60.0)),
        duration_s=float(duration) if duration is not None else None,
        name=str(data.get("name", name)),
    )


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    return parse_scenario(data, name=path.stem)
