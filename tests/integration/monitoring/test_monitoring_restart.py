"""Alarm delays and active alarms across restarts: a new service object on the same SQLite file.

Each restart closes the services and opens new ones on the file, so the only thing
carried over is what the database holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracseq_desktop.domain.alarms import AlarmEvent, AlarmEventType
from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.lab import build_small_lab
from tracseq_desktop.services.monitoring import MonitoringChange, MonitoringService, monitoring_for

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
RAISED, CLEARED, ANNOUNCE = AlarmEventType.RAISED, AlarmEventType.CLEARED, AlarmEventType.ANNOUNCE
HIGH = "high_temperature"


def ult(at_s: float, temp: float, *, second: float | None = -79.6, **values: object) -> Reading:
    """FRZ-80 (limits -65/-95, delay 300 s, door delay 120 s unless a test sets others) at T0 + ``at_s``."""
    return Reading("FRZ-80", T0 + timedelta(seconds=at_s), (temp, second), setpoint=-80.0, **values)  # type: ignore[arg-type]


class App:
    """The monitoring side of one application run; ``restart`` stops it and starts a new one on the file."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.services: Services = open_services(db_path, actor=Actor("tester", "test-ws"))
        self.notified: list[AlarmEvent] = []  #: what listeners (notifications, the dashboard) were told
        self.monitoring = self._monitoring()

    def _monitoring(self) -> MonitoringService:
        monitoring = monitoring_for(self.services)
        monitoring.add_listener(self._on_change)
        return monitoring

    def _on_change(self, change: MonitoringChange) -> None:
        self.notified.extend(change.events)

    def restart(self) -> None:
        self.services.close()
        self.services = open_services(self.db_path, actor=Actor("tester", "test-ws"))
        self.monitoring = self._monitoring()

    def feed(self, *readings: Reading) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        for reading in readings:
            events += self.monitoring.record_reading(reading)
        return events

    def alarm_rows(self) -> list[tuple[str, str, str, str | None]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute("SELECT kind, started_at, raised_at, cleared_at FROM alarm ORDER BY id").fetchall()


@pytest.fixture
def app(db_path: Path) -> Iterator[App]:
    first = open_services(db_path, actor=Actor("tester", "test-ws"))
    build_small_lab(first)
    first.close()
    running = App(db_path)
    yield running
    running.services.close()


def kinds(events: list[AlarmEvent]) -> list[tuple[AlarmEventType, str]]:
    return [(e.type, e.kind) for e in events]


def test_restarts_inside_the_delay_do_not_restart_it(app: App) -> None:
    """The crash loop of the bug report: a 5-minute delay, a restart every 2 minutes or less."""
    assert app.feed(ult(-10, -80.0), ult(0, -60.0), ult(10, -55.0)) == []  # out of range from T0, peak -55
    for start, stop in ((20, 120), (120, 240), (240, 290)):  # a run, then a restart
        assert app.feed(*(ult(s, -60.0) for s in range(start, stop, 10))) == []
        app.restart()
    assert app.feed(ult(290, -61.0)) == []  # 290 s since the excursion began: not yet
    [raised] = app.feed(ult(300, -62.0))  # exactly when the original delay has passed
    assert (raised.type, raised.kind) == (RAISED, "high_temperature")
    assert raised.started_at == T0 and raised.at == T0 + timedelta(seconds=300)
    assert raised.peak == -55.0  # the worst value before the restarts counts
    [stored] = app.monitoring.alarms()
    assert (stored.id, stored.started_at, stored.raised_at, stored.peak) == (raised.alarm_id, T0, raised.at, -55.0)
    assert kinds(app.notified) == [(RAISED, "high_temperature")]


def test_an_excursion_that_ended_before_the_restart_is_not_carried_over(app: App) -> None:
    app.feed(ult(0, -60.0), ult(100, -60.0), ult(110, -80.0))  # over after 110 s
    app.restart()
    assert app.feed(ult(120, -60.0), ult(410, -60.0)) == []  # a new excursion from 120 s: not 300 s long yet
    [raised] = app.feed(ult(420, -60.0))
    assert raised.started_at == T0 + timedelta(seconds=120)


def test_an_active_alarm_survives_a_restart_without_being_raised_or_announced_again(app: App) -> None:
    app.monitoring.set_limits("FRZ-80", delay_s=60.0)
    app.feed(*(ult(s, -60.0) for s in range(0, 60, 10)))
    [raised] = app.feed(ult(60, -58.0))
    assert (raised.type, raised.started_at) == (RAISED, T0)
    app.restart()
    [before] = app.monitoring.alarms()
    assert before.id == raised.alarm_id and before.active and not before.acknowledged

    # Still out of range after the restart: the stored alarm carries on, nothing is raised twice.
    assert app.feed(*(ult(s, -57.0 + (s == 200)) for s in range(70, 600, 10))) == []
    assert app.monitoring.tick(T0 + timedelta(seconds=900)) == []  # re-announcing counts from the stored time
    app.restart()
    [announce] = app.monitoring.tick(T0 + timedelta(seconds=960))  # 15 min after raising
    assert (announce.type, announce.alarm_id) == (ANNOUNCE, raised.alarm_id)
    [after] = app.monitoring.alarms()
    assert (after.id, after.peak, after.started_at) == (raised.alarm_id, -56.0, T0)

    [cleared] = app.feed(ult(1000, -80.0))
    assert (cleared.type, cleared.alarm_id) == (CLEARED, raised.alarm_id)
    assert len(app.alarm_rows()) == 1
    assert kinds(app.notified) == [(RAISED, HIGH), (ANNOUNCE, HIGH), (CLEARED, HIGH)]


def test_a_failed_probe_stays_in_alarm_across_a_restart(app: App) -> None:
    """The engine must remember the probe worked: otherwise the first reading after a restart clears the alarm."""
    app.feed(ult(0, -80.0))
    [raised] = app.feed(ult(10, -80.0, second=None))
    assert (raised.type, raised.kind) == (RAISED, "probe_failure")
    app.restart()
    assert app.feed(ult(20, -80.0, second=None), ult(30, -80.0, second=None)) == []
    [still] = app.monitoring.alarms()
    assert (still.id, still.active) == (raised.alarm_id, True)
    [back] = app.feed(ult(40, -80.0))
    assert (back.type, back.alarm_id) == (CLEARED, raised.alarm_id)
    assert kinds(app.notified) == [(RAISED, "probe_failure"), (CLEARED, "probe_failure")]


def test_the_door_delay_survives_a_restart(app: App) -> None:
    app.feed(ult(0, -80.0, door_open=False))
    assert app.feed(*(ult(s, -78.0, door_open=True) for s in range(10, 100, 10))) == []  # door open from 10 s
    app.restart()
    assert app.feed(ult(120, -77.0, door_open=True)) == []  # 110 s open: the door delay is 120 s
    [raised] = app.feed(ult(130, -77.0, door_open=True))
    assert (raised.kind, raised.started_at) == ("door_open_too_long", T0 + timedelta(seconds=10))
    app.restart()  # and once raised, the door alarm is the stored one
    assert app.feed(ult(140, -76.0, door_open=True)) == []
    [closed] = app.feed(ult(150, -79.0, door_open=False))
    assert (closed.type, closed.alarm_id) == (CLEARED, raised.alarm_id)
    assert [row[0] for row in app.alarm_rows()] == ["door_open_too_long"]


def test_a_long_gap_does_not_reset_a_condition(app: App) -> None:
    """The rule: a condition counts from its first reading until a reading shows it ended, gap or not."""
    app.feed(ult(0, -80.0), ult(10, -60.0), ult(20, -59.0))
    app.restart()  # the application is away for six hours
    [raised] = app.feed(ult(6 * 3600, -61.0))  # still out of range at the first reading: raised at once
    assert (raised.kind, raised.started_at, raised.at) == (
        "high_temperature",
        T0 + timedelta(seconds=10),
        T0 + timedelta(hours=6),
    )
    assert raised.peak == -59.0


def test_a_long_gap_ending_in_range_raises_nothing(app: App) -> None:
    app.feed(ult(0, -60.0), ult(10, -60.0))
    app.restart()
    assert app.feed(ult(6 * 3600, -80.0)) == []  # back in range: the condition has ended
    assert app.feed(ult(6 * 3600 + 10, -60.0), ult(6 * 3600 + 300, -60.0)) == []  # a new one, from its own start
    [raised] = app.feed(ult(6 * 3600 + 310, -60.0))
    assert raised.started_at == T0 + timedelta(hours=6, seconds=10)


def test_missed_polls_keep_counting_across_a_restart(app: App) -> None:
    app.feed(ult(0, -80.0))
    assert app.monitoring.record_poll_failure("FRZ-80", "No answer", T0 + timedelta(seconds=10)) == []
    assert app.monitoring.record_poll_failure("FRZ-80", "No answer", T0 + timedelta(seconds=20)) == []
    app.restart()
    [lost] = app.monitoring.record_poll_failure("FRZ-80", "No answer", T0 + timedelta(seconds=30))
    assert (lost.type, lost.kind, lost.started_at) == (RAISED, "communication", T0 + timedelta(seconds=10))
    app.restart()
    assert app.monitoring.record_poll_failure("FRZ-80", "No answer", T0 + timedelta(seconds=40)) == []
    [back] = app.feed(ult(50, -80.0))
    assert (back.type, back.alarm_id) == (CLEARED, lost.alarm_id)
    assert [row[0] for row in app.alarm_rows()] == ["communication"]


def test_the_state_is_written_with_the_reading_that_changed_it(app: App) -> None:
    with sqlite3.connect(app.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM alarm_engine_state").fetchone() == (0,)
    app.feed(ult(0, -60.0), ult(10, -58.0))
    with sqlite3.connect(app.db_path) as conn:
        pending, seen, missed = conn.execute(
            "SELECT pending, seen_probes, missed_polls FROM alarm_engine_state"
        ).fetchone()
    assert pending == '[{"kind":"high_temperature","peak":-58.0,"since":"2026-03-01T06:00:00.000000Z"}]'
    assert (seen, missed) == (0b11, 0)
    app.feed(ult(20, -80.0))
    with sqlite3.connect(app.db_path) as conn:
        assert conn.execute("SELECT pending FROM alarm_engine_state").fetchone() == ("[]",)
