"""The port worker against the simulator: retries, loss counting, reconnect after an unplug, cancel."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from hardware.freezer.poller import Poller, PortWorker
from hardware.freezer.sim.simulator import Simulator
from tracseq_desktop.domain.monitoring import (
    DeviceDisconnected,
    DeviceLink,
    DeviceRejected,
    DeviceTimeout,
    PollFailure,
    Reading,
)

SimFactory = Callable[..., Simulator]


class Collector:
    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.failures: list[PollFailure] = []
        self.changed = threading.Condition()

    def on_reading(self, reading: Reading) -> None:
        with self.changed:
            self.readings.append(reading)
            self.changed.notify_all()

    def on_failure(self, failure: PollFailure) -> None:
        with self.changed:
            self.failures.append(failure)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), "condition not reached in time"


@contextmanager
def running(links: list[DeviceLink], collector: Collector, **kwargs: object) -> Iterator[PortWorker]:
    worker = PortWorker(links, on_reading=collector.on_reading, on_failure=collector.on_failure, **kwargs)  # type: ignore[arg-type]
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
    assert not worker.running


def bus_links(sim: Simulator, interval: float = 0.1) -> list[DeviceLink]:
    return [link for link in sim.links(poll_interval_s=interval, timeout_s=0.15) if link.port == sim.url("bus")]


def plausible(reading: Reading) -> bool:
    """A Dixell reading from the test bus: nothing bogus slipped through."""
    expected = {"ULT-1": -80.0, "FRG-2": 4.0}[reading.unit_id]
    first = reading.probes[0]
    return reading.setpoint == expected and first is not None and abs(first - expected) < 6


def test_polls_every_unit_on_a_bus_at_its_interval(make_sim: SimFactory) -> None:
    sim = make_sim()
    collector = Collector()
    with running(bus_links(sim), collector) as worker:
        collector.wait_for(lambda: len(collector.readings) >= 12)
    units = [r.unit_id for r in collector.readings]
    assert units.count("ULT-1") >= 5
    assert units.count("FRG-2") >= 5
    assert all(plausible(r) for r in collector.readings)
    assert collector.failures == []
    assert worker.stats.readings == len(collector.readings)
    assert max(worker.stats.latencies_s) < 0.5


def test_single_bad_answers_are_retried_without_a_failure(make_sim: SimFactory) -> None:
    sim = make_sim()
    collector = Collector()
    with running(bus_links(sim, interval=0.2)[:1], collector) as worker:
        collector.wait_for(lambda: len(collector.readings) >= 1)
        for fault in ("crc", "garble", "truncate", "silence"):
            sim.inject("bus", fault)
            count = len(collector.readings)
            collector.wait_for(lambda count=count: len(collector.readings) >= count + 2)  # type: ignore[misc]
    assert collector.failures == []
    assert worker.stats.retries >= 4
    assert all(plausible(r) for r in collector.readings)


def test_exception_response_is_reported_not_retried(make_sim: SimFactory) -> None:
    sim = make_sim()
    collector = Collector()
    with running(bus_links(sim, interval=0.2)[:1], collector):
        collector.wait_for(lambda: len(collector.readings) >= 1)
        sim.inject("bus", "exception")
        collector.wait_for(lambda: len(collector.failures) >= 1)
        count = len(collector.readings)
        collector.wait_for(lambda: len(collector.readings) > count)
    failure = collector.failures[0]
    assert isinstance(failure.error, DeviceRejected)
    assert failure.missed == 1
    assert not failure.lost
    assert all(plausible(r) for r in collector.readings)


def test_silence_counts_missed_polls_until_lost_then_recovers(make_sim: SimFactory) -> None:
    sim = make_sim()
    collector = Collector()
    link = dataclasses.replace(bus_links(sim, interval=0.1)[0], retries=0, timeout_s=0.1)
    with running([link], collector, lost_after=3) as worker:
        collector.wait_for(lambda: len(collector.readings) >= 1)
        sim.inject("bus", "silence", count=1000)
        collector.wait_for(lambda: len(collector.failures) >= 4, timeout=10.0)
        assert worker.missed("ULT-1") >= 4
        sim.call(sim.ports["bus"].pending.clear)
        count = len(collector.readings)
        collector.wait_for(lambda: len(collector.readings) > count)
        assert worker.missed("ULT-1") == 0
    first = collector.failures[:4]
    assert [f.missed for f in first] == [1, 2, 3, 4]
    assert [f.lost for f in first] == [False, False, True, True]
    assert all(isinstance(f.error, DeviceTimeout) for f in first)
    assert all(f.link.unit_id == "ULT-1" for f in first)


def test_reconnects_after_unplug_and_replug(make_sim: SimFactory) -> None:
    sim = make_sim()
    collector = Collector()
    links = bus_links(sim, interval=0.1)
    with running(links, collector, reconnect_backoff_s=(0.05, 0.2)) as worker:
        collector.wait_for(lambda: len(collector.readings) >= 2)
        sim.unplug("bus")
        collector.wait_for(lambda: len(collector.failures) >= 4)
        sim.replug("bus")
        count = len(collector.readings)
        collector.wait_for(lambda: {r.unit_id for r in collector.readings[count:]} == {"ULT-1", "FRG-2"})
    assert all(isinstance(f.error, DeviceDisconnected) for f in collector.failures)
    assert worker.stats.reconnects == 1
    assert all(plausible(r) for r in collector.readings)


def test_a_failing_callback_does_not_kill_the_worker(make_sim: SimFactory, caplog: pytest.LogCaptureFixture) -> None:
    sim = make_sim()
    calls: list[Reading] = []

    def explode(reading: Reading) -> None:
        calls.append(reading)
        raise RuntimeError("storage is down")

    worker = PortWorker(bus_links(sim, interval=0.05)[:1], on_reading=explode, on_failure=lambda f: None)
    worker.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert worker.running
    worker.stop()
    assert len(calls) >= 3
    assert "callback failed" in caplog.text


def test_stop_is_prompt_even_with_a_long_interval(make_sim: SimFactory) -> None:
    sim = make_sim()
    collector = Collector()
    poller = Poller(
        sim.links(poll_interval_s=60.0, timeout_s=0.2), on_reading=collector.on_reading, on_failure=collector.on_failure
    )
    assert len(poller.workers) == 3  # one per port: bus, ln2, thermo
    poller.start()
    collector.wait_for(lambda: {r.unit_id for r in collector.readings} == {"ULT-1", "FRG-2", "LN2-1", "TSX-1"})
    started = time.monotonic()
    poller.stop()
    assert time.monotonic() - started < 1.0
    assert not any(worker.running for worker in poller.workers)
