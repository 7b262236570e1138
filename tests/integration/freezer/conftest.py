"""Simulators on real pseudo-terminals for the freezer integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.freezer.sim.scenario import parse_scenario
from hardware.freezer.sim.simulator import Simulator

SimFactory = Callable[..., Simulator]

BUS = {
    "name": "bus",
    "protocol": "modbus-dixell",
    "units": [{"id": "ULT-1", "kind": "-80", "address": 1}, {"id": "FRG-2", "kind": "+4", "address": 2}],
}
LN2 = {"name": "ln2", "protocol": "ascii-ln2", "units": [{"id": "LN2-1", "kind": "ln2", "address": 1}]}
THERMO = {"name": "thermo", "protocol": "modbus-ascii-thermo", "units": [{"id": "TSX-1", "kind": "-80", "address": 7}]}


@pytest.fixture
def make_sim(tmp_path: Path) -> Iterator[SimFactory]:
    """Start simulators (stopped again after the test); ``truth`` lands in ``tmp_path/truth.jsonl``."""
    started: list[Simulator] = []

    def factory(ports: list[dict[str, Any]] | None = None, **scenario: Any) -> Simulator:
        data = {"seed": 1, "time_scale": 1.0, "ports": ports or [BUS, LN2, THERMO], **scenario}
        sim = Simulator(parse_scenario(data), truth_path=tmp_path / "truth.jsonl")
        sim.start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()
