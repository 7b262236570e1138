"""The alarm engine: delays, hysteresis, latching, re-announcing, and every alarm kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracseq_desktop.domain.alarms import (
    COMMUNICATION,
    DOOR,
    HIGH,
    LN2_LOW,
    LOW,
    POWER,
    PROBE,
    AlarmEvent,
    AlarmEventType,
    AlarmSettings,
    EngineMemory,
    PendingCondition,
    UnitAlarmEngine,
    default_settings,
)
from tracseq_desktop.domain.monitoring import AlarmCode, Reading

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
RAISED, CLEARED, ANNOUNCE = AlarmEventType.RAISED, AlarmEventType.CLEARED, AlarmEventType.ANNOUNCE


def reading(at_s: float, temp: float | None = -80.0, **values: object) -> Reading:
    probes = values.pop("probes", (temp, temp if temp is None else temp + 0.5))
    return Reading("ULT-1", T0 + timedelta(seconds=at_s), probes, **values)  # type: ignore[arg-type]


def engine(**settings: object) -> UnitAlarmEngine:
    base = {"high_c": -65.0, "low_c": -95.0, "delay_s": 300.0, "hysteresis_c": 2.0, **settings}
    return UnitAlarmEngine("ULT-1", AlarmSettings(**base))  # type: ignore[arg-type]


def feed(eng: UnitAlarmEngine, series: list[tuple[float, float]], **values: object) -> list[AlarmEvent]:
    events: list[AlarmEvent] = []
    for at, temp in series:
        events.extend(eng.on_reading(reading(at, temp, **values)))
    return events


def kinds(events: list[AlarmEvent]) -> list[tuple[AlarmEventType, str]]:
    return [(e.type, e.kind) for e in events]


def test_defaults_follow_the_temperature_class() -> None:
    assert (default_settings("-80C").high_c, default_settings("-80C").low_c) == (-65.0, -95.0)
    assert (default_settings("-20C").high_c, default_settings("-20C").low_c) == (-12.0, -30.0)
    assert (default_settings("+4C").high_c, default_settings("+4C").low_c) == (8.0, 2.0)
    ln2 = default_settings("LN2")
    assert (ln2.high_c, ln2.low_c, ln2.ln2_level_low_mm) == (-150.0, None, 80.0)
    assert (default_settings("RT").high_c, default_settings("RT").low_c) == (30.0, 15.0)
    assert default_settings(None).high_c is None
    assert (ln2.delay_s, ln2.door_delay_s, ln2.hysteresis_c) == (300.0, 120.0, 2.0)


def test_settings_refuse_crossed_limits() -> None:
    with pytest.raises(ValueError, match="low limit"):
        AlarmSettings(high_c=-90.0, low_c=-80.0)


def test_an_excursion_shorter_than_the_delay_raises_nothing() -> None:
    eng = engine()
    series = [(0, -80.0), (10, -60.0), *[(10 + 10 * i, -58.0) for i in range(1, 29)], (300, -70.0), (310, -80.0)]
    assert feed(eng, series) == []
    assert eng.active == {}
    # A new excursion starts its delay from scratch.
    assert feed(eng, [(400, -60.0), (690, -60.0)]) == []


def test_an_excursion_longer_than_the_delay_raises_once_with_its_start_and_peak() -> None:
    eng = engine()
    events = feed(eng, [(0, -80.0), (10, -64.0), (100, -55.0), (200, -60.0), (309, -61.0)])
    assert events == []
    events = feed(eng, [(310, -62.0)])
    assert kinds(events) == [(RAISED, HIGH)]
    raised = events[0]
    assert raised.started_at == T0 + timedelta(seconds=10)
    assert raised.at == T0 + timedelta(seconds=310)
    assert raised.peak == -55.0
    assert raised.limit == -65.0
    assert feed(eng, [(320, -50.0), (330, -58.0)]) == []
    assert eng.active[HIGH].peak == -50.0


def test_clearing_needs_the_hysteresis_margin() -> None:
    eng = engine()
    feed(eng, [(0, -60.0), (300, -60.0)])
    assert HIGH in eng.active
    # Back under the limit but within the 2 °C margin: still active.
    assert feed(eng, [(310, -65.5), (320, -66.9)]) == []
    events = feed(eng, [(330, -67.0)])
    assert kinds(events) == [(CLEARED, HIGH)]
    assert HIGH not in eng.active


def test_low_limit_mirrors_the_high_one() -> None:
    eng = engine(delay_s=60.0)
    assert kinds(feed(eng, [(0, -96.0), (30, -99.0), (60, -97.0)])) == [(RAISED, LOW)]
    assert eng.active[LOW].peak == -99.0
    assert feed(eng, [(70, -93.5)]) == []
    assert kinds(feed(eng, [(80, -93.0)])) == [(CLEARED, LOW)]


def test_active_alarms_re_announce_until_acknowledged() -> None:
    eng = engine(delay_s=0.0, reannounce_s=900.0)
    assert kinds(feed(eng, [(0, -60.0)])) == [(RAISED, HIGH)]
    assert feed(eng, [(890, -60.0)]) == []
    events = feed(eng, [(900, -60.0)])
    assert kinds(events) == [(ANNOUNCE, HIGH)]
    assert events[0].peak == -60.0
    assert feed(eng, [(1000, -60.0)]) == []
    assert not eng.due(T0 + timedelta(seconds=1799))
    assert eng.due(T0 + timedelta(seconds=1800))
    assert kinds(eng.tick(T0 + timedelta(seconds=1800))) == [(ANNOUNCE, HIGH)]
    eng.acknowledge(HIGH)
    assert eng.tick(T0 + timedelta(seconds=5000)) == []
    assert eng.active[HIGH].acknowledged  # latched: acknowledged, still active until it clears
    assert kinds(feed(eng, [(5000, -80.0)])) == [(CLEARED, HIGH)]


def test_a_restored_alarm_is_not_raised_again() -> None:
    first = engine(delay_s=0.0)
    feed(first, [(0, -60.0)])
    stored = first.active[HIGH]
    stored.alarm_id = 7
    second = engine(delay_s=0.0)
    second.restore(stored)
    events = feed(second, [(10, -59.0), (20, -80.0)])
    assert kinds(events) == [(CLEARED, HIGH)]
    assert events[0].alarm_id == 7
    assert events[0].peak == -59.0


def test_a_new_engine_given_the_memory_carries_on_the_delays() -> None:
    first = engine(door_delay_s=120.0)
    assert first.memory() == EngineMemory()
    assert feed(first, [(0, -80.0), (10, -60.0), (20, -57.0)]) == []
    assert first.on_reading(reading(200, -59.0, door_open=True)) == []
    assert first.on_poll_failure(T0 + timedelta(seconds=210)) == []
    memory = first.memory()
    assert memory == EngineMemory(
        pending=(
            PendingCondition(COMMUNICATION, T0 + timedelta(seconds=210)),
            PendingCondition(DOOR, T0 + timedelta(seconds=200)),
            PendingCondition(HIGH, T0 + timedelta(seconds=10), -57.0),
        ),
        seen_probes=frozenset({0, 1}),
        missed_polls=1,
    )
    second = engine(door_delay_s=120.0)
    second.recall(memory)
    assert second.memory() == memory
    assert second.on_reading(reading(300, -61.0, door_open=True)) == []  # 290 s beyond the limit; door 100 s
    events = second.on_reading(reading(310, -62.0, door_open=True))
    assert kinds(events) == [(RAISED, HIGH)]
    assert (events[0].started_at, events[0].peak) == (T0 + timedelta(seconds=10), -57.0)
    events = second.on_reading(reading(320, -62.0, door_open=True))
    assert kinds(events) == [(RAISED, DOOR)]
    assert events[0].started_at == T0 + timedelta(seconds=200)


def test_a_recalled_probe_that_stays_silent_keeps_its_alarm() -> None:
    first = engine()
    first.on_reading(reading(0, probes=(-80.0, -79.0)))
    assert kinds(first.on_reading(reading(10, probes=(-80.0, None)))) == [(RAISED, PROBE)]
    second = engine()
    second.restore(first.active[PROBE])
    second.recall(first.memory())
    assert second.on_reading(reading(20, probes=(-80.0, None))) == []
    assert kinds(second.on_reading(reading(30, probes=(-80.0, -79.0)))) == [(CLEARED, PROBE)]


def test_communication_is_lost_after_three_missed_polls_and_back_with_a_reading() -> None:
    eng = engine()
    feed(eng, [(0, -80.0)])
    assert eng.on_poll_failure(T0 + timedelta(seconds=10)) == []
    assert eng.on_poll_failure(T0 + timedelta(seconds=20)) == []
    events = eng.on_poll_failure(T0 + timedelta(seconds=30))
    assert kinds(events) == [(RAISED, COMMUNICATION)]
    assert events[0].started_at == T0 + timedelta(seconds=10)
    assert eng.on_poll_failure(T0 + timedelta(seconds=40)) == []  # raised once
    assert kinds(feed(eng, [(50, -80.0)])) == [(CLEARED, COMMUNICATION)]
    # Two failures, then a reading: the count starts again.
    eng.on_poll_failure(T0 + timedelta(seconds=60))
    eng.on_poll_failure(T0 + timedelta(seconds=70))
    feed(eng, [(80, -80.0)])
    assert eng.on_poll_failure(T0 + timedelta(seconds=90)) == []
    assert eng.missed_polls == 1


def test_door_open_longer_than_its_delay() -> None:
    eng = engine(door_delay_s=120.0)
    events = []
    for at in range(0, 100, 10):
        events += eng.on_reading(reading(at, door_open=True))
    events += eng.on_reading(reading(100, door_open=False))
    assert events == []  # 100 s open: within the delay
    for at in range(200, 330, 10):
        events += eng.on_reading(reading(at, door_open=True))
    assert kinds(events) == [(RAISED, DOOR)]
    assert events[0].at == T0 + timedelta(seconds=320)
    assert kinds(eng.on_reading(reading(330, door_open=False))) == [(CLEARED, DOOR)]


def test_power_failure_is_raised_at_once_and_latched_until_acknowledged() -> None:
    eng = engine()
    assert kinds(eng.on_reading(reading(0, power_failure=True))) == [(RAISED, POWER)]
    assert eng.on_reading(reading(10, power_failure=True)) == []
    assert kinds(eng.on_reading(reading(20, power_failure=False))) == [(CLEARED, POWER)]
    # A device-reported power alarm feeds the same rule.
    events = eng.on_reading(reading(30, alarms=frozenset({AlarmCode.POWER_FAILURE})))
    assert kinds(events) == [(RAISED, POWER)]


def test_probe_failure_when_a_working_probe_goes_silent() -> None:
    eng = engine()
    assert eng.on_reading(reading(0, probes=(-80.0, -79.0, None))) == []  # probe 3 was never there
    events = eng.on_reading(reading(10, probes=(-80.0, None, None)))
    assert kinds(events) == [(RAISED, PROBE)]
    assert kinds(eng.on_reading(reading(20, probes=(-80.0, -79.0, None)))) == [(CLEARED, PROBE)]
    # With every probe gone there is no temperature: the threshold rules start nothing.
    events = eng.on_reading(reading(30, probes=(None, None, None)))
    assert kinds(events) == [(RAISED, PROBE)]
    assert HIGH not in eng.active and LOW not in eng.active


def test_ln2_level_low_with_a_margin_before_clearing() -> None:
    eng = UnitAlarmEngine("LN2-1", default_settings("LN2"))
    ln2 = {"probes": (-190.0, -195.0)}
    assert eng.on_reading(reading(0, ln2_level_mm=85.0, **ln2)) == []
    events = eng.on_reading(reading(10, ln2_level_mm=79.5, **ln2))
    assert kinds(events) == [(RAISED, LN2_LOW)]
    assert events[0].value == 79.5
    assert eng.on_reading(reading(20, ln2_level_mm=70.0, **ln2)) == []
    assert eng.active[LN2_LOW].peak == 70.0  # the lowest level
    assert eng.on_reading(reading(30, ln2_level_mm=84.0, **ln2)) == []  # above 80 but within 5 mm
    assert kinds(eng.on_reading(reading(40, ln2_level_mm=85.0, **ln2))) == [(CLEARED, LN2_LOW)]


def test_ln2_temperature_high_limit() -> None:
    eng = UnitAlarmEngine("LN2-1", default_settings("LN2"))
    events = []
    for at in range(0, 310, 10):
        events += eng.on_reading(reading(at, probes=(-140.0, -195.0), ln2_level_mm=150.0))
    assert kinds(events) == [(RAISED, HIGH)]


def test_device_reported_codes_become_device_alarms() -> None:
    eng = engine()
    events = eng.on_reading(reading(0, alarms=frozenset({AlarmCode.HIGH_TEMPERATURE, "ln2:XY"})))
    assert kinds(events) == [(RAISED, "device:high_temperature"), (RAISED, "device:ln2:XY")]
    assert "device alarm" in events[0].title
    events = eng.on_reading(reading(10, alarms=frozenset({"ln2:XY"})))
    assert kinds(events) == [(CLEARED, "device:high_temperature")]
    assert kinds(eng.on_reading(reading(20))) == [(CLEARED, "device:ln2:XY")]


def test_removing_a_limit_clears_its_alarm() -> None:
    eng = engine(delay_s=0.0)
    feed(eng, [(0, -60.0)])
    eng.settings = AlarmSettings(high_c=None, low_c=-95.0)
    assert kinds(feed(eng, [(10, -60.0)])) == [(CLEARED, HIGH)]


def test_events_describe_themselves_in_one_line() -> None:
    eng = engine(delay_s=0.0)
    event = feed(eng, [(0, -60.0)])[0]
    line = event.describe()
    assert "\n" not in line
    assert "ULT-1" in line and "high temperature raised" in line and "-60.0" in line
