"""Physical models of storage units, stepped in simulated seconds.

Lumped single-mass models, tuned for plausible behaviour rather than accuracy:
heat leaks in at a rate proportional to the difference from the room, the door
multiplies the leak, a compressor with on/off hysteresis removes heat at a rate
scaled by its remaining capacity. A degrading compressor loses capacity slowly:
its duty cycle rises for weeks while the controller still holds the band, and
only when capacity falls below the leak does the temperature move.

Alarm codes are the text of ``AlarmCode`` for compressor units and the vendor's
codes (``HTA``, ``LL``, ...) for LN2 controllers, as each device reports them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

SUBSTEP_S = 5.0


@dataclass(frozen=True, slots=True)
class CabinetParams:
    setpoint: float
    hysteresis: float  #: compressor starts at setpoint + hysteresis, stops at setpoint
    ambient: float
    leak_per_s: float  #: fraction of (ambient - air) gained per second, door shut
    nominal_duty: float  #: share of time the healthy compressor runs at setpoint
    door_leak_factor: float
    high_offset: float  #: high alarm at setpoint + offset
    low_offset: float  #: low alarm at setpoint - offset
    alarm_delay_s: float
    door_alarm_s: float
    product_tau_s: float  #: probe 2 sits in product simulant: a slow follower of the air
    defrost_every_s: float | None = None
    defrost_for_s: float = 0.0


KINDS: dict[str, CabinetParams] = {
    "-80": CabinetParams(-80.0, 3.0, 22.0, 3.3e-5, 0.4, 20.0, 10.0, 10.0, 600.0, 180.0, 3600.0),
    "-20": CabinetParams(-20.0, 2.0, 22.0, 1.0e-4, 0.35, 15.0, 5.0, 8.0, 600.0, 180.0, 2400.0, 6 * 3600.0, 1200.0),
    "+4": CabinetParams(4.0, 2.0, 22.0, 2.0e-4, 0.3, 10.0, 4.0, 3.0, 600.0, 180.0, 1800.0, 6 * 3600.0, 900.0),
}


@dataclass(slots=True)
class ProbeFault:
    kind: str = "ok"  #: ok | stuck | drift | failed | absent
    value: float = 0.0  #: the stuck value
    offset: float = 0.0  #: accumulated drift, °C
    rate_c_per_s: float = 0.0


def probe_event(fault: ProbeFault, event: str, params: dict[str, Any], true_value: float) -> ProbeFault:
    """The probe's fault state after ``event`` (stuck at the present value, drifting, failed, repaired)."""
    if event == "probe_stuck":
        return ProbeFault("stuck", value=round(true_value, 1))
    if event == "probe_drift":
        return ProbeFault("drift", offset=fault.offset, rate_c_per_s=float(params.get("rate_c_per_h", 1.0)) / 3600.0)
    if event == "probe_fail":
        return ProbeFault("failed")
    if event == "probe_repair":
        return ProbeFault()
    raise ValueError(f"unknown probe event {event!r}")


@dataclass(slots=True)
class Transition:
    t: float
    unit_id: str
    code: str
    raised: bool


class UnitModel:
    """What every simulated unit offers the servers and the scenario runner."""

    unit_id: str
    kind: str
    t: float
    transitions: list[Transition]

    def advance(self, dt: float) -> None:
        raise NotImplementedError

    def alarms(self) -> frozenset[str]:
        raise NotImplementedError

    def apply(self, event: str, params: dict[str, Any]) -> None:
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        raise NotImplementedError

    def _track_alarms(self, previous: frozenset[str]) -> frozenset[str]:
        current = self.alarms()
        for code in sorted(current - previous):
            self.transitions.append(Transition(self.t, self.unit_id, code, True))
        for code in sorted(previous - current):
            self.transitions.append(Transition(self.t, self.unit_id, code, False))
        return current


class CabinetUnit(UnitModel):
    """A compressor-cooled freezer or fridge (-80, -20, +4) with a Dixell-style controller."""

    def __init__(self, unit_id: str, kind: str, rng: random.Random, *, probes: int = 2, **overrides: Any) -> None:
        base = KINDS[kind]
        fields = {name: overrides.pop(name) for name in list(overrides) if name in CabinetParams.__slots__}
        if overrides:
            raise ValueError(f"unknown unit settings: {sorted(overrides)}")
        self.params = CabinetParams(**{**{n: getattr(base, n) for n in CabinetParams.__slots__}, **fields})
        self.unit_id = unit_id
        self.kind = kind
        self.rng = rng
        self.t = 0.0
        p = self.params
        self.setpoint = p.setpoint
        self.air = p.setpoint + rng.uniform(0.0, p.hysteresis)
        self.product = self.air
        self.compressor_on = rng.random() < p.nominal_duty
        self.capacity = 1.0
        self.capacity_loss_per_s = 0.0
        self.powered = True
        self.power_latch = False  #: "power failure since last read" (cleared when the status is read)
        self.door_open = False
        self.door_open_since = 0.0
        self.door_close_at: float | None = None
        self.power_back_at: float | None = None
        self.defrost = False
        self.defrost_until = 0.0
        self.next_defrost = p.defrost_every_s if p.defrost_every_s else None
        self.defrost_ended: float | None = None
        self.on_seconds = 0.0
        self.duty = p.nominal_duty  #: exponentially averaged over ~6 h
        self.high_since: float | None = None
        self.low_since: float | None = None
        self.probe_faults = [ProbeFault() for _ in range(3)]
        for index in range(probes, 3):
            self.probe_faults[index].kind = "absent"
        self.noise = [0.0, 0.0, 0.0]
        self.transitions = []
        self._alarms = self.alarms()

    @property
    def cooling_per_s(self) -> float:
        """Full-capacity cooling rate: the leak at setpoint divided by the nominal duty."""
        p = self.params
        return p.leak_per_s * (p.ambient - p.setpoint) / p.nominal_duty

    def true_probe(self, index: int) -> float:
        return self.air if index != 1 else self.product

    def probe(self, index: int) -> float | None:
        """What probe ``index`` (0-based) reports, ``None`` when absent or failed."""
        fault = self.probe_faults[index]
        if fault.kind in ("failed", "absent"):
            return None
        if fault.kind == "stuck":
            return fault.value
        return self.true_probe(index) + fault.offset + self.noise[index]

    def advance(self, dt: float) -> None:
        while dt > 1e-9:
            step = min(dt, SUBSTEP_S)
            self._step(step)
            dt -= step

    def _step(self, dt: float) -> None:
        p = self.params
        self.t += dt
        if self.door_close_at is not None and self.t >= self.door_close_at:
            self.door_open, self.door_close_at = False, None
        if self.power_back_at is not None and self.t >= self.power_back_at:
            self.powered, self.power_back_at = True, None
        if self.next_defrost is not None and self.t >= self.next_defrost:
            self.defrost, self.defrost_until = True, self.t + p.defrost_for_s
            self.next_defrost += p.defrost_every_s or 0.0
        if self.defrost and self.t >= self.defrost_until:
            self.defrost = False
        self.capacity = max(0.0, self.capacity - self.capacity_loss_per_s * dt)

        control = self.probe(0)
        if control is None:
            control = self.air  # a failed control probe: the controller falls back to its internal sensor
        if not self.powered or self.defrost:
            self.compressor_on = False
        elif control >= self.setpoint + p.hysteresis:
            self.compressor_on = True
        elif control <= self.setpoint:
            self.compressor_on = False

        leak = p.leak_per_s * (p.door_leak_factor if self.door_open else 1.0) * (p.ambient - self.air)
        heat = leak
        cool = self.cooling_per_s * self.capacity if self.compressor_on else 0.0
        self.air += (heat - cool) * dt
        self.product += (self.air - self.product) * min(1.0, dt / p.product_tau_s)
        on = 1.0 if self.compressor_on else 0.0
        self.on_seconds += on * dt
        self.duty += (on - self.duty) * min(1.0, dt / 21600.0)
        for index, fault in enumerate(self.probe_faults):
            if fault.kind == "drift":
                fault.offset += fault.rate_c_per_s * dt
            self.noise[index] = self.rng.gauss(0.0, 0.05)

        reported = self.probe(0)
        if self.defrost:
            self.defrost_ended = self.t
        recovering = self.defrost_ended is not None and self.t - self.defrost_ended < 1800.0
        # Like real controllers, no high-temperature alarm during a defrost and its recovery.
        high = reported is not None and reported >= self.setpoint + p.high_offset and not recovering
        low = reported is not None and reported <= self.setpoint - p.low_offset
        self.high_since = (self.high_since if self.high_since is not None else self.t) if high else None
        self.low_since = (self.low_since if self.low_since is not None else self.t) if low else None
        self._alarms = self._track_alarms(self._alarms)

    def alarms(self) -> frozenset[str]:
        p = self.params
        codes: set[str] = set()
        if self.high_since is not None and self.t - self.high_since >= p.alarm_delay_s:
            codes.add("high_temperature")
        if self.low_since is not None and self.t - self.low_since >= p.alarm_delay_s:
            codes.add("low_temperature")
        if self.probe_faults[0].kind == "failed":
            codes.add("probe_failure")
        if self.door_open and self.t - self.door_open_since >= p.door_alarm_s:
            codes.add("door_open_too_long")
        if not self.powered:
            codes.add("power_failure")
        return frozenset(codes)

    def apply(self, event: str, params: dict[str, Any]) -> None:
        duration = params.get("duration_s")
        if event == "door_open":
            if not self.door_open:
                self.door_open_since = self.t
            self.door_open = True
            self.door_close_at = self.t + float(duration) if duration is not None else None
        elif event == "door_close":
            self.door_open, self.door_close_at = False, None
        elif event == "power_fail":
            self.powered, self.power_latch = False, True
            self.power_back_at = self.t + float(duration) if duration is not None else None
        elif event == "power_restore":
            self.powered, self.power_back_at = True, None
        elif event == "compressor_degradation":
            self.capacity_loss_per_s = float(params.get("capacity_loss_per_day", 0.02)) / 86400.0
        elif event == "compressor_fail":
            self.capacity, self.capacity_loss_per_s = 0.0, 0.0
        elif event == "setpoint":
            self.setpoint = float(params["value"])
        elif event.startswith("probe_"):
            index = int(params.get("probe", 1)) - 1
            self.probe_faults[index] = probe_event(self.probe_faults[index], event, params, self.true_probe(index))
        else:
            raise ValueError(f"unknown event {event!r} for a {self.kind} unit")
        self._alarms = self._track_alarms(self._alarms)

    def snapshot(self) -> dict[str, Any]:
        probes = [self.probe(i) for i in range(3)]
        return {
            "air": round(self.air, 3),
            "product": round(self.product, 3),
            "probes": [None if v is None else round(v, 2) for v in probes],
            "setpoint": self.setpoint,
            "compressor_on": self.compressor_on,
            "door_open": self.door_open,
            "defrost": self.defrost,
            "powered": self.powered,
            "capacity": round(self.capacity, 4),
            "duty": round(self.duty, 4),
            "on_seconds": round(self.on_seconds, 1),
            "alarms": sorted(self.alarms()),
        }


class Ln2Unit(UnitModel):
    """A liquid-nitrogen vapour-phase freezer with an auto-fill controller."""

    def __init__(
        self,
        unit_id: str,
        rng: random.Random,
        *,
        level_mm: float = 150.0,
        fill_low_mm: float = 110.0,
        fill_high_mm: float = 170.0,
        alarm_low_mm: float = 80.0,
        alarm_high_mm: float = 200.0,
        evaporation_mm_per_h: float = 1.2,
        fill_mm_per_s: float = 0.5,
        fill_timeout_s: float = 1800.0,
        high_temp_a: float = -150.0,
    ) -> None:
        self.unit_id = unit_id
        self.kind = "ln2"
        self.rng = rng
        self.t = 0.0
        self.level = level_mm
        self.fill_low, self.fill_high = fill_low_mm, fill_high_mm
        self.alarm_low, self.alarm_high = alarm_low_mm, alarm_high_mm
        self.evaporation_per_s = evaporation_mm_per_h / 3600.0
        self.fill_per_s = fill_mm_per_s
        self.fill_timeout = fill_timeout_s
        self.high_temp_a = high_temp_a
        self.filling = False
        self.fill_started = 0.0
        self.supply_ok = True
        self.powered = True
        self.power_back_at: float | None = None
        self.lid_open = False
        self.lid_close_at: float | None = None
        self.temp_a = self._target_a()
        self.temp_b = -195.8
        self.probe_faults = [ProbeFault(), ProbeFault()]
        self.noise = [0.0, 0.0]
        self.fills = 0
        self.transitions = []
        self._alarms = self.alarms()

    def _target_a(self) -> float:
        target = -193.0 + 0.15 * max(0.0, 200.0 - self.level)
        return target + (60.0 if self.lid_open else 0.0)

    def probe(self, index: int) -> float | None:
        fault = self.probe_faults[index]
        if fault.kind in ("failed", "absent"):
            return None
        if fault.kind == "stuck":
            return fault.value
        true = self.temp_a if index == 0 else self.temp_b
        return true + fault.offset + self.noise[index]

    def advance(self, dt: float) -> None:
        while dt > 1e-9:
            step = min(dt, SUBSTEP_S)
            self._step(step)
            dt -= step

    def _step(self, dt: float) -> None:
        self.t += dt
        if self.lid_close_at is not None and self.t >= self.lid_close_at:
            self.lid_open, self.lid_close_at = False, None
        if self.power_back_at is not None and self.t >= self.power_back_at:
            self.powered, self.power_back_at = True, None
        evaporation = self.evaporation_per_s * (15.0 if self.lid_open else 1.0)
        self.level = max(0.0, self.level - evaporation * dt)
        if not self.filling and self.powered and self.level <= self.fill_low:
            self.filling, self.fill_started = True, self.t
            self.fills += 1
        if self.filling and (not self.powered or self.level >= self.fill_high):
            self.filling = False
        if self.filling and self.supply_ok:
            self.level += self.fill_per_s * dt
        self.temp_a += (self._target_a() - self.temp_a) * min(1.0, dt / 600.0)
        target_b = -195.8 if self.level > 20.0 else -195.8 + (20.0 - self.level) * 2.0
        self.temp_b += (target_b - self.temp_b) * min(1.0, dt / 900.0)
        for index, fault in enumerate(self.probe_faults):
            if fault.kind == "drift":
                fault.offset += fault.rate_c_per_s * dt
            self.noise[index] = self.rng.gauss(0.0, 0.03)
        self._alarms = self._track_alarms(self._alarms)

    def alarms(self) -> frozenset[str]:
        codes: set[str] = set()
        a = self.probe(0)
        if a is not None and a >= self.high_temp_a:
            codes.add("HTA")
        if self.probe_faults[0].kind == "failed":
            codes.add("TAF")
        if self.probe_faults[1].kind == "failed":
            codes.add("TBF")
        if self.level <= self.alarm_low:
            codes.add("LL")
        if self.level >= self.alarm_high:
            codes.add("HL")
        if self.filling and self.t - self.fill_started >= self.fill_timeout:
            codes.add("FT")
        if not self.powered:
            codes.add("PF")
        if self.lid_open:
            codes.add("LO")
        return frozenset(codes)

    def apply(self, event: str, params: dict[str, Any]) -> None:
        duration = params.get("duration_s")
        if event in ("lid_open", "door_open"):
            self.lid_open = True
            self.lid_close_at = self.t + float(duration) if duration is not None else None
        elif event in ("lid_close", "door_close"):
            self.lid_open, self.lid_close_at = False, None
        elif event == "power_fail":
            self.powered = False
            self.power_back_at = self.t + float(duration) if duration is not None else None
        elif event == "power_restore":
            self.powered, self.power_back_at = True, None
        elif event == "ln2_supply_empty":
            self.supply_ok = False
        elif event == "ln2_supply_restored":
            self.supply_ok = True
        elif event == "fill":
            if self.powered:
                self.filling, self.fill_started = True, self.t
        elif event == "fill_stop":
            self.filling = False
        elif event.startswith("probe_"):
            index = int(params.get("probe", 1)) - 1
            true = self.temp_a if index == 0 else self.temp_b
            self.probe_faults[index] = probe_event(self.probe_faults[index], event, params, true)
        else:
            raise ValueError(f"unknown event {event!r} for an LN2 unit")
        self._alarms = self._track_alarms(self._alarms)

    def snapshot(self) -> dict[str, Any]:
        probes = [self.probe(i) for i in range(2)]
        return {
            "temp_a": round(self.temp_a, 3),
            "temp_b": round(self.temp_b, 3),
            "probes": [None if v is None else round(v, 2) for v in probes],
            "ln2_level_mm": round(self.level, 2),
            "filling": self.filling,
            "supply_ok": self.supply_ok,
            "lid_open": self.lid_open,
            "powered": self.powered,
            "fills": self.fills,
            "alarms": sorted(self.alarms()),
        }


@dataclass(slots=True)
class UnitSpec:
    """One unit of a scenario: id, kind (-80, -20, +4, ln2), bus address, model settings."""

    unit_id: str
    kind: str
    address: int = 1
    settings: dict[str, Any] = field(default_factory=dict)


def build_unit(spec: UnitSpec, rng: random.Random) -> UnitModel:
    if spec.kind == "ln2":
        return Ln2Unit(spec.unit_id, rng, **spec.settings)
    if spec.kind in KINDS:
        return CabinetUnit(spec.unit_id, spec.kind, rng, **spec.settings)
    raise ValueError(f"unknown unit kind {spec.kind!r}")
