"""The simulator: unit models, their controllers on ports, scheduled events and faults.

Everything runs on one background thread (models, ports, faults), so the models
need no locks; other threads change things through :meth:`Simulator.call`.
Ground truth goes to a JSONL file: one object per line with the simulated time
``t`` (seconds), the wall-clock time ``wall`` (UTC) and a ``type``: start,
event, fault, fault_applied, unplug, replug, alarm, state, stop.
"""

from __future__ import annotations

import json
import random
import select
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from hardware.freezer.sim.endpoints import Endpoint, PtyEndpoint, TcpEndpoint
from hardware.freezer.sim.model import UnitModel, build_unit
from hardware.freezer.sim.responders import FAULTS, Responder, build_responder
from hardware.freezer.sim.scenario import PortSpec, Scenario, ScheduledEvent
from tracseq_desktop.domain.monitoring import DeviceLink, DeviceProtocol

_T = TypeVar("_T")
IDLE_RESET_S = 0.5  #: a partial request older than this is dropped (the RTU inter-frame gap, generously)


@dataclass
class PortServer:
    """One port: an endpoint, the responder for its protocol and pending faults."""

    spec: PortSpec
    endpoint: Endpoint
    responder: Responder
    pending: list[str] = field(default_factory=list)  #: faults for the next answers, in order
    silent_until: float = -1.0  #: simulated time
    replug_at: float | None = None
    last_rx: float = 0.0

    @property
    def name(self) -> str:
        return self.spec.name


class Simulator:
    """Runs a scenario on pseudo-terminals (``transport="pty"``) or TCP sockets."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        transport: Literal["pty", "tcp"] = "pty",
        tcp_port: int = 0,
        truth_path: str | Path | None = None,
        time_scale: float | None = None,
        seed: int | None = None,
        run_dir: str | Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.time_scale = time_scale if time_scale is not None else scenario.time_scale
        self.seed = seed if seed is not None else scenario.seed
        self._own_run_dir = run_dir is None
        self.run_dir = Path(run_dir) if run_dir is not None else Path(tempfile.mkdtemp(prefix="tracseq-sim-"))
        self.units: dict[str, UnitModel] = {}
        self.ports: dict[str, PortServer] = {}
        for index, port in enumerate(scenario.ports):
            by_address: dict[int, UnitModel] = {}
            for spec in port.units:
                unit = build_unit(spec, random.Random(f"{self.seed}:{spec.unit_id}"))
                self.units[spec.unit_id] = unit
                by_address[spec.address] = unit
            endpoint: Endpoint = (
                PtyEndpoint(self.run_dir / port.name)
                if transport == "pty"
                else TcpEndpoint(tcp_port + index if tcp_port else 0)
            )
            self.ports[port.name] = PortServer(port, endpoint, build_responder(port.protocol, by_address))
        self._events = list(scenario.events)
        self._next_snapshot = 0.0
        self._sim_time = 0.0
        self._truth: IO[str] | None = open(truth_path, "w", encoding="utf-8") if truth_path else None  # noqa: SIM115
        self._calls: list[tuple[Callable[[], Any], _Result]] = []
        self._calls_lock = threading.Lock()
        self._stop = threading.Event()
        self.finished = threading.Event()  #: set when the scenario's duration has passed
        self._thread: threading.Thread | None = None
        self.exchanges = 0

    # -- public, any thread -----------------------------------------------------------

    @property
    def sim_time(self) -> float:
        return self._sim_time

    def url(self, port: str) -> str:
        return self.ports[port].endpoint.url

    def links(self, *, poll_interval_s: float = 10.0, timeout_s: float = 1.0, retries: int = 2) -> list[DeviceLink]:
        """A link for every simulated unit, pointing at its port."""
        return [
            DeviceLink(
                unit_id=unit.unit_id,
                port=self.url(port.name),
                protocol=DeviceProtocol(port.protocol),
                address=unit.address,
                poll_interval_s=poll_interval_s,
                timeout_s=timeout_s,
                retries=retries,
            )
            for port in self.scenario.ports
            for unit in port.units
        ]

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        for port in self.ports.values():
            port.endpoint.open()
        self._record(
            "start",
            scenario=self.scenario.name,
            seed=self.seed,
            time_scale=self.time_scale,
            ports={name: {"url": p.endpoint.url, "protocol": p.spec.protocol} for name, p in self.ports.items()},
            units={
                u.unit_id: {"kind": u.kind, "port": p.name, "address": u.address}
                for p in self.scenario.ports
                for u in p.units
            },
        )
        self._advance_to(0.0)
        self._thread = threading.Thread(target=self._run, name="tracseq-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        for port in self.ports.values():
            port.endpoint.close()
        if self._truth is not None:
            self._record("stop")
            self._truth.close()
            self._truth = None
        if self._own_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def call(self, fn: Callable[[], _T], timeout: float = 5.0) -> _T:
        """Run ``fn`` on the simulator thread (between requests) and return its result."""
        if self._thread is None or not self._thread.is_alive():
            return fn()
        result: _Result = _Result()
        with self._calls_lock:
            self._calls.append((fn, result))
        if not result.done.wait(timeout):
            raise TimeoutError("simulator thread did not answer")
        if result.error is not None:
            raise result.error
        value: _T = result.value
        return value

    def apply(self, unit_id: str, event: str, **params: Any) -> None:
        """Apply a unit event now (as a scenario event would)."""
        self.call(lambda: self._apply(ScheduledEvent(self._sim_time, event, unit=unit_id, params=params)))

    def inject(self, port: str, fault: str, *, count: int = 1, duration_s: float | None = None) -> None:
        """Damage the next ``count`` answers on ``port`` (or stay silent for ``duration_s``)."""
        params: dict[str, Any] = {"count": count}
        if duration_s is not None:
            params["duration_s"] = duration_s
        self.call(lambda: self._apply(ScheduledEvent(self._sim_time, fault, port=port, params=params)))

    def unplug(self, port: str, duration_s: float | None = None) -> None:
        params = {"duration_s": duration_s} if duration_s is not None else {}
        self.call(lambda: self._apply(ScheduledEvent(self._sim_time, "unplug", port=port, params=params)))

    def replug(self, port: str) -> None:
        self.call(lambda: self._apply(ScheduledEvent(self._sim_time, "replug", port=port)))

    def snapshot(self, unit_id: str) -> dict[str, Any]:
        """The unit's state now (taken on the simulator thread)."""
        return self.call(self.units[unit_id].snapshot)

    # -- the simulator thread --------------------------------------------------------

    def _run(self) -> None:
        started = time.monotonic()
        offset = self._sim_time
        while not self._stop.is_set():
            self._run_calls()
            self._advance_to(offset + (time.monotonic() - started) * self.time_scale)
            fds = {fd: port for port in self.ports.values() for fd in port.endpoint.fds()}
            try:
                ready, _w, _x = select.select(list(fds), [], [], 0.02)
            except (OSError, ValueError):
                continue  # an fd closed under us by an unplug: rebuild the list
            if ready:
                self._advance_to(offset + (time.monotonic() - started) * self.time_scale)
            for fd in ready:
                self._serve(fds[fd], fd)

    def _run_calls(self) -> None:
        with self._calls_lock:
            calls, self._calls = self._calls, []
        for fn, result in calls:
            try:
                result.value = fn()
            except BaseException as exc:  # handed back to the calling thread
                result.error = exc
            result.done.set()

    def _serve(self, port: PortServer, fd: int) -> None:
        data = port.endpoint.receive(fd)
        if not data:
            return
        now = time.monotonic()
        if now - port.last_rx > IDLE_RESET_S:
            port.responder.reset()
        port.last_rx = now
        for exchange in port.responder.feed(data):
            self.exchanges += 1
            reply = exchange.reply
            if reply is None:
                continue
            fault = None
            if self._sim_time < port.silent_until:
                fault = "silence"
            elif port.pending:
                fault = port.pending.pop(0)
            if fault is not None:
                reply = port.responder.damage(reply, fault, exchange.unit_id)
                self._record(
                    "fault_applied", port=port.name, fault=fault, unit=exchange.unit_id, request=exchange.request
                )
            if reply:
                port.endpoint.send(reply)

    def _advance_to(self, target: float) -> None:
        end = self.scenario.duration_s
        while True:
            marks = [self._next_snapshot]
            if self._events:
                marks.append(self._events[0].at_s)
            marks.extend(p.replug_at for p in self.ports.values() if p.replug_at is not None)
            if end is not None and not self.finished.is_set():
                marks.append(end)
            mark = min(marks)
            if mark > target:
                break
            self._step_units(mark)
            while self._events and self._events[0].at_s <= mark:
                self._apply(self._events.pop(0))
            for port in self.ports.values():
                if port.replug_at is not None and port.replug_at <= mark:
                    self._replug(port)
            if self._next_snapshot <= mark:
                self._snapshot_all()
                self._next_snapshot += self.scenario.snapshot_every_s
            if end is not None and mark >= end and not self.finished.is_set():
                self.finished.set()
        self._step_units(target)

    def _step_units(self, target: float) -> None:
        if target <= self._sim_time:
            return
        for unit in self.units.values():
            unit.advance(target - unit.t)
            for transition in unit.transitions:
                self._record(
                    "alarm",
                    t=transition.t,
                    unit=transition.unit_id,
                    code=transition.code,
                    state="raised" if transition.raised else "cleared",
                )
            unit.transitions.clear()
        self._sim_time = target

    def _snapshot_all(self) -> None:
        for unit_id, unit in self.units.items():
            self._record("state", unit=unit_id, kind=unit.kind, **unit.snapshot())

    def _apply(self, event: ScheduledEvent) -> None:
        if event.port is not None:
            port = self.ports[event.port]
            self._record(
                "fault" if event.type in FAULTS else event.type, port=port.name, fault=event.type, **event.params
            )
            if event.type == "unplug":
                port.endpoint.close()
                port.responder.reset()
                duration = event.params.get("duration_s")
                port.replug_at = self._sim_time + float(duration) if duration is not None else None
            elif event.type == "replug":
                self._replug(port)
            elif event.type == "silence" and "duration_s" in event.params:
                port.silent_until = self._sim_time + float(event.params["duration_s"])
            else:
                port.pending.extend([event.type] * int(event.params.get("count", 1)))
            return
        assert event.unit is not None
        unit = self.units[event.unit]
        self._record("event", unit=event.unit, event=event.type, **event.params)
        unit.apply(event.type, event.params)
        for transition in unit.transitions:
            self._record(
                "alarm",
                t=transition.t,
                unit=transition.unit_id,
                code=transition.code,
                state="raised" if transition.raised else "cleared",
            )
        unit.transitions.clear()

    def _replug(self, port: PortServer) -> None:
        port.replug_at = None
        port.endpoint.open()
        port.responder.reset()
        self._record("replug", port=port.name, url=port.endpoint.url, device=port.endpoint.device)

    def _record(self, record_type: str, *, t: float | None = None, **data: Any) -> None:
        if self._truth is None:
            return
        line = {
            "t": round(self._sim_time if t is None else t, 3),
            "wall": datetime.now(UTC).isoformat(),
            "type": record_type,
        }
        line.update(data)
        self._truth.write(json.dumps(line) + "\n")
        self._truth.flush()


class _Result:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
