"""The alarm list model: new lists become moves, inserts, removals and changed rows, checked by Qt's model tester."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.modeltest import ModelTester

from tracseq_desktop.services.monitoring import AlarmView
from ui.freezer.alarms import AlarmListModel

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def alarm(alarm_id: int, *, cleared: bool = False, acknowledged: bool = False, minutes: int = 0) -> AlarmView:
    return AlarmView(
        id=alarm_id,
        unit=f"UNIT-{alarm_id % 4:03d}",
        kind="high_temperature",
        title="high temperature",
        started_at=T0 + timedelta(minutes=minutes),
        raised_at=T0 + timedelta(minutes=minutes + 5),
        cleared_at=T0 + timedelta(minutes=minutes + 30) if cleared else None,
        peak=-60.0,
        limit=-65.0,
        announced_at=T0 + timedelta(minutes=minutes + 5),
        acknowledged_at=T0 + timedelta(minutes=minutes + 40) if acknowledged else None,
        acknowledged_by="tester" if acknowledged else None,
        comment="checked" if acknowledged else None,
    )


def sort_key(a: AlarmView) -> tuple[bool, float, int]:
    return (not a.open, -a.raised_at.timestamp(), -a.id)


def rows(model: AlarmListModel) -> list[int]:
    return [model.alarm_at(r).id for r in range(model.rowCount())]  # type: ignore[union-attr]


def test_alarm_model_follows_random_lists(qtmodeltester: ModelTester) -> None:
    model = AlarmListModel()
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    rng = random.Random(11)
    pool = {i: alarm(i, minutes=i * 7) for i in range(1, 25)}
    for _step in range(30):
        for key in rng.sample(sorted(pool), 4):  # some alarms clear or get acknowledged meanwhile
            a = pool[key]
            pool[key] = replace(
                a,
                cleared_at=a.cleared_at or (T0 + timedelta(hours=3) if rng.random() < 0.5 else None),
                acknowledged_by=a.acknowledged_by or ("tester" if rng.random() < 0.3 else None),
            )
        shown = sorted(rng.sample(list(pool.values()), rng.randint(0, len(pool))), key=sort_key)
        tracked = QPersistentModelIndex(model.index(0, 0)) if model.rowCount() else None
        tracked_id = model.alarm_at(0).id if tracked is not None else None  # type: ignore[union-attr]
        model.set_alarms(shown)
        assert rows(model) == [a.id for a in shown]
        assert [model.alarm_at(r) for r in range(model.rowCount())] == shown
        if tracked is not None and tracked_id in {a.id for a in shown}:
            # A persistent index (the selection) follows its alarm through moves.
            assert tracked.isValid() and model.alarm_at(tracked.row()).id == tracked_id  # type: ignore[union-attr]


def test_alarm_model_words(qtmodeltester: ModelTester) -> None:
    model = AlarmListModel()
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    model.set_alarms(
        sorted([alarm(1), alarm(2, cleared=True), alarm(3, cleared=True, acknowledged=True)], key=sort_key)
    )
    assert rows(model) == [2, 1, 3]  # open first (newest first), the closed one last
    assert model.open_count == 2
    states = [model.index(r, 0).data() for r in range(3)]
    assert states == ["⚠ Cleared, not acknowledged", "⚠ Active", "☑ Closed"]
    assert model.index(1, 4).data() == "still active"
    assert model.index(2, 7).data() == "tester" and model.index(2, 8).data() == "checked"
    assert model.index(1, 6).data().replace("−", "-") == "-65.0 °C"
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole).bold()  # active and unacknowledged
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole) is None
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Alarm"
    assert model.rowCount(model.index(0, 0)) == 0 and model.index(5, 0) == QModelIndex()
