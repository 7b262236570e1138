"""Monitoring services on a real SQLite file: links, readings, rollups, alarms, acknowledgement, exposure."""

from __future__ import annotations

import random
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracseq_desktop.domain.alarms import AlarmEventType
from tracseq_desktop.domain.errors import InvalidInput, InvalidState, NotFound
from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.monitoring import MonitoringChange, MonitoringService, monitoring_for, parse_since

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def ult(at: datetime, temp: float, **values: object) -> Reading:
    return Reading("FRZ-80", at, (temp, round(temp + 0.4, 2), None), setpoint=-80.0, compressor_on=True, **values)  # type: ignore[arg-type]


@pytest.fixture
def monitoring(services: Services) -> MonitoringService:
    return monitoring_for(services)


def audit_rows(db_path: Path, entity_type: str) -> list[tuple[str, str, str, str | None]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT action, entity_key, actor, reason FROM audit_entry WHERE entity_type = ? ORDER BY id",
            (entity_type,),
        ).fetchall()


def test_link_and_limits_are_stored_audited_and_listed(monitoring: MonitoringService, db_path: Path) -> None:
    changes: list[MonitoringChange] = []
    monitoring.add_listener(changes.append)
    view = monitoring.link(
        "frz-80", port="/dev/ttyUSB0", protocol="modbus-dixell", address=3, poll_interval_s=5, simulated=True
    )
    assert (view.unit, view.port, view.address, view.baud, view.simulated) == ("FRZ-80", "/dev/ttyUSB0", 3, 9600, True)
    assert view.default_limits and (view.settings.high_c, view.settings.low_c) == (-65.0, -95.0)
    link = view.device_link()
    assert link is not None and link.poll_interval_s == 5.0 and link.unit_id == "FRZ-80"

    view = monitoring.set_limits("FRZ-80", high_c=-70.0, low_c=-90.0, delay_s=60.0)
    assert (view.settings.high_c, view.settings.low_c, view.settings.delay_s) == (-70.0, -90.0, 60.0)
    assert view.settings.hysteresis_c == 2.0 and not view.default_limits
    assert [v.unit for v in monitoring.links()] == ["FRZ-80"]
    assert {v.unit for v in monitoring.links(linked_only=False)} == {"FRZ-80", "FRIDGE-4", "DEWAR-1"}
    assert monitoring.link_of("DEWAR-1").settings.ln2_level_low_mm == 80.0

    assert audit_rows(db_path, "unit_link") == [("link", "FRZ-80", "tester", None)]
    assert audit_rows(db_path, "alarm_settings") == [("set_limits", "FRZ-80", "tester", None)]
    assert [c.links for c in changes] == [True, True]

    with pytest.raises(InvalidInput, match="not a storage unit"):
        monitoring.link("BOX-A", port="/dev/ttyUSB0", protocol="modbus-dixell")
    with pytest.raises(InvalidInput, match="Unknown protocol"):
        monitoring.link("FRZ-80", port="/dev/ttyUSB0", protocol="morse")
    with pytest.raises(InvalidInput, match="low limit"):
        monitoring.set_limits("FRZ-80", high_c=-90.0, low_c=-80.0)
    assert len(audit_rows(db_path, "unit_link")) == 1  # the refused changes left nothing


def test_a_day_of_readings_comes_back_exactly(services: Services, monitoring: MonitoringService) -> None:
    rng = random.Random(4)
    written = []
    for i in range(8640):  # one day at 10 s
        temp = round(-80.0 + rng.gauss(0, 0.8), 2)
        at = T0 + timedelta(seconds=10 * i + rng.random())
        reading = ult(at, temp, door_open=i % 97 == 0, defrost=None)
        written.append(reading)
    # The bulk of the day through the fast path, the last hour through record_reading.
    for reading in written[-360:]:
        monitoring.record_reading(reading)
    with services.db.writing() as session:  # the earlier hours through the bulk path
        from tracseq_desktop.services.readings import store_bulk
        from tracseq_desktop.services.unit_links import get_unit
        from tracseq_desktop.store import readings as packing

        by_hour: dict[int, list[Reading]] = {}
        for reading in written[:-360]:
            by_hour.setdefault(packing.hour_of(reading.taken_at), []).append(reading)
        blocks = []
        for hour, group in by_hour.items():
            layout = packing.layout_of(group[0])
            blocks.append((hour, packing.seal_records(layout, [packing.record_of(layout, r, hour) for r in group])))
        store_bulk(session, get_unit(session, "FRZ-80").id, blocks)

    back = monitoring.raw_readings("FRZ-80", T0, T0 + timedelta(days=1))
    assert len(back) == 8640
    for mine, stored in zip(written, back, strict=True):
        assert stored.probes == mine.probes
        assert stored.setpoint == -80.0 and stored.compressor_on is True and stored.defrost is None
        assert stored.door_open == mine.door_open
        assert abs((stored.taken_at - mine.taken_at).total_seconds()) <= 0.05
    columns = monitoring.reading_columns("FRZ-80", T0, T0 + timedelta(days=1))
    assert len(columns) == 8640
    assert columns.probes[0] == tuple(r.probes[0] for r in written) == columns.temperature
    assert columns.probes[1] == tuple(r.probes[1] for r in written)
    assert columns.probes[2] == (None,) * 8640 and columns.setpoint == (-80.0,) * 8640
    assert columns.door_open == tuple(r.door_open for r in written)
    assert columns.at_s == tuple(r.taken_at.timestamp() for r in back)
    noon = monitoring.raw_readings("FRZ-80", T0 + timedelta(hours=12), T0 + timedelta(hours=13))
    assert len(noon) == 360 and all(T0 + timedelta(hours=12) <= r.taken_at for r in noon)
    latest = monitoring.latest("FRZ-80")
    assert latest is not None and latest.probes == written[-1].probes


def test_series_downsample_with_true_min_mean_max(monitoring: MonitoringService) -> None:
    temps = [-80.0 + (i % 12) for i in range(36 * 360)]  # 36 hours at 10 s, a saw tooth -80..-69
    for i, temp in enumerate(temps):
        if i % 360 == 0 or i > 35 * 360:
            monitoring.record_reading(ult(T0 + timedelta(seconds=10 * i), temp))
    # Through the recorded path only a subset was written; check the hourly rollups agree with it.
    series = monitoring.readings("FRZ-80", T0, T0 + timedelta(hours=36), max_points=100)
    assert series.source == "readings" and len(series.points) <= 100
    assert sum(p.n for p in series.points) == 36 + 359
    assert min(p.low for p in series.points if p.low is not None) == -80.0
    assert max(p.high for p in series.points if p.high is not None) == -69.0
    month = monitoring.readings("FRZ-80", T0 - timedelta(days=20), T0 + timedelta(days=10), max_points=500)
    assert month.source == "hourly" and month.resolution_s == 7200.0
    assert sum(p.n for p in month.points) == 395
    last = month.points[-1]
    assert last.low == -80.0 and last.high == -69.0
    year = monitoring.readings("FRZ-80", T0 - timedelta(days=300), T0 + timedelta(days=65), max_points=500)
    assert year.source == "daily" and len(year.points) == 2  # two days with readings
    assert sum(p.n for p in year.points) == 395
    assert year.points[0].mean == pytest.approx(sum(temps[i] for i in range(0, 24 * 360, 360)) / 24, abs=1e-6)


def test_alarm_raised_persisted_acknowledged_and_audited(services: Services, db_path: Path) -> None:
    monitoring = monitoring_for(services)
    monitoring.set_limits("FRZ-80", delay_s=60.0)
    events = []
    for i in range(20):
        temp = -80.0 if i < 5 else -60.0 + (i == 9)
        events += monitoring.record_reading(ult(T0 + timedelta(seconds=10 * i), temp))
    assert [(e.type, e.kind) for e in events] == [(AlarmEventType.RAISED, "high_temperature")]
    alarm_id = events[0].alarm_id
    assert alarm_id is not None
    [open_alarm] = monitoring.alarms()
    assert open_alarm.id == alarm_id and open_alarm.active and not open_alarm.acknowledged
    assert open_alarm.peak == -59.0 and open_alarm.started_at == T0 + timedelta(seconds=50)

    # A restart: a new service on the same file knows the alarm is active and does not raise it again.
    services.close()
    again = open_services(db_path, actor=Actor("nina", "ws-2"))
    restarted = monitoring_for(again)
    more = restarted.record_reading(ult(T0 + timedelta(seconds=300), -58.0))
    assert more == []
    assert restarted.alarm(alarm_id).peak == -58.0

    with pytest.raises(InvalidInput):
        restarted.acknowledge(alarm_id, "  ")
    acked = restarted.acknowledge(alarm_id, "Door found ajar, closed it")
    assert acked.acknowledged_by == "nina" and acked.comment == "Door found ajar, closed it"
    assert acked.active and acked.open  # still active: latched until it clears
    with pytest.raises(InvalidState, match="already acknowledged"):
        restarted.acknowledge(alarm_id, "again")
    with pytest.raises(NotFound):
        restarted.acknowledge(9999, "x")
    [entry] = audit_rows(db_path, "alarm")
    assert entry == ("acknowledge", str(alarm_id), "nina", "Door found ajar, closed it")

    cleared = restarted.record_reading(ult(T0 + timedelta(seconds=310), -80.0))
    assert [(e.type, e.alarm_id) for e in cleared] == [(AlarmEventType.CLEARED, alarm_id)]
    assert restarted.alarms() == []
    [closed] = restarted.alarms(include_closed=True)
    assert closed.cleared_at == T0 + timedelta(seconds=310) and not closed.open
    again.close()


def test_acknowledging_from_another_process_stops_the_re_announcing(services: Services, db_path: Path) -> None:
    monitoring = monitoring_for(services)
    monitoring.set_limits("FRZ-80", delay_s=0.0)
    [raised] = monitoring.record_reading(ult(T0, -50.0))
    announce = monitoring.record_reading(ult(T0 + timedelta(minutes=15), -50.0))
    assert [e.type for e in announce] == [AlarmEventType.ANNOUNCE]
    other = open_services(db_path, actor=Actor("cli", "ws-3"))
    monitoring_for(other).acknowledge(raised.alarm_id or 0, "seen")
    other.close()
    assert monitoring.record_reading(ult(T0 + timedelta(minutes=45), -50.0)) == []
    assert monitoring.tick(T0 + timedelta(hours=2)) == []


def test_communication_loss_is_stored_as_an_alarm(monitoring: MonitoringService) -> None:
    monitoring.record_reading(ult(T0, -80.0))
    events = []
    for i in range(1, 4):
        events += monitoring.record_poll_failure("FRZ-80", "No answer", T0 + timedelta(seconds=10 * i))
    assert [(e.type, e.kind) for e in events] == [(AlarmEventType.RAISED, "communication")]
    assert [a.kind for a in monitoring.alarms()] == ["communication"]
    # Without readings or polls, the timer re-announces it and the record keeps the time.
    [announce] = monitoring.tick(T0 + timedelta(minutes=20))
    assert (announce.type, announce.alarm_id) == (AlarmEventType.ANNOUNCE, events[0].alarm_id)
    assert monitoring.alarms()[0].announced_at == T0 + timedelta(minutes=20)
    back = monitoring.record_reading(ult(T0 + timedelta(seconds=60), -80.0))
    assert [(e.type, e.kind) for e in back] == [(AlarmEventType.CLEARED, "communication")]


def test_exposure_covers_samples_present_and_stored_during_the_excursion(services: Services) -> None:
    monitoring = monitoring_for(services)
    monitoring.set_limits("FRZ-80", delay_s=0.0)
    services.samples.register(SampleDraft("TS-010", "plasma", volume="1ml"))
    services.samples.check_out("TS-002", reason="assay")
    now = datetime.now(UTC)
    [raised] = monitoring.record_reading(ult(now, -55.0))
    # Stored into the unit while the excursion lasts.
    services.samples.store("TS-010", "BOX-B", "A1")
    monitoring.record_reading(ult(now + timedelta(seconds=10), -50.0))
    monitoring.record_reading(ult(now + timedelta(seconds=20), -80.0))  # cleared
    services.samples.store("TS-003", "BOX-B", "A2")  # after it: not exposed
    monitoring.record_reading(ult(now + timedelta(seconds=30), -80.0))

    [exposure] = monitoring.exposure("TS-001")
    assert exposure.alarm.id == raised.alarm_id
    assert exposure.alarm.kind == "high_temperature" and exposure.alarm.peak == -50.0
    assert exposure.alarm.cleared_at == now + timedelta(seconds=20)
    assert [e.alarm.id for e in monitoring.exposure("TS-010")] == [raised.alarm_id]
    assert monitoring.exposure("TS-002") == []  # checked out: not in the freezer
    assert monitoring.exposure("TS-003") == []
    assert monitoring.exposure("TS-004") == []  # another unit


def test_readings_from_many_threads_at_once(monitoring: MonitoringService) -> None:
    def writer(offset: int) -> None:
        for i in range(30):
            monitoring.record_reading(ult(T0 + timedelta(seconds=offset + 4 * i), -80.0))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(monitoring.raw_readings("FRZ-80", T0, T0 + timedelta(hours=1))) == 90


def test_parse_since() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert parse_since("1h", now) == now - timedelta(hours=1)
    assert parse_since("2d", now) == now - timedelta(days=2)
    assert parse_since("2026-02-01T08:00", now) == datetime(2026, 2, 1, 8, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        parse_since("yesterday", now)
