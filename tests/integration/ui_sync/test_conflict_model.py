"""The conflict list model under Qt's model tester, through inserts, updates and removals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.qtbot import QtBot

from tracseq_desktop.sync.service import ConflictOptionView, ConflictView, SyncStatus
from ui.sync.controller import RetrySchedule
from ui.sync.model import CONFLICT_ROLE, STATE, SUMMARY, ConflictListModel
from ui.sync.text import SyncIndicator, sync_line

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def conflict(n: int, *, resolved: bool = False) -> ConflictView:
    return ConflictView(
        id=f"c{n:02d}-0000",
        kind="slot_collision",
        site="SITE-1",
        status="resolved" if resolved else "open",
        summary=f"TUBE-{n} and TUBE-{n + 100} were both stored at BOX-1:A{n}.",
        options=(ConflictOptionView("keep_first", f"TUBE-{n} stays"), ConflictOptionView("keep_second", "swap")),
        created_at=T0 + timedelta(minutes=n),
        resolved_option="keep_second" if resolved else None,
        resolved_by="ann" if resolved else None,
        resolved_reason="checked" if resolved else None,
        subject=(("where", f"BOX-1:A{n}"),),
    )


def ids(model: ConflictListModel) -> list[str]:
    return [model.index(row, 0).data(CONFLICT_ROLE).id for row in range(model.rowCount())]


def test_conflict_model_passes_the_model_tester_through_changes(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ConflictListModel()
    model.set_conflicts([conflict(1), conflict(2), conflict(3)])
    qtmodeltester.check(
        model, force_py=True
    )  # asserts; keeps watching: every change below is checked as it is announced
    kept = QPersistentModelIndex(model.index(1, SUMMARY))
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    changed: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.dataChanged.connect(lambda top, _bottom, _roles: changed.append(top.row()))

    # 1 resolved elsewhere (changed), 3 gone from the open list, 0 and 4 new
    model.set_conflicts([conflict(0), conflict(1, resolved=True), conflict(2), conflict(4)])
    assert ids(model) == ["c00-0000", "c01-0000", "c02-0000", "c04-0000"]
    assert removed == [(2, 2)]
    assert inserted == [(0, 0), (3, 3)]
    assert changed == [1]
    assert kept.isValid() and kept.row() == 2 and "TUBE-2 " in kept.data()  # the selection survives
    assert model.index(1, STATE).data() == "Resolved by ann: swap"
    assert model.index(2, STATE).data() == "Open"
    assert model.index(0, 1).data() == "Slot collision"
    assert model.open_count == 3
    assert model.headerData(SUMMARY, Qt.Orientation.Horizontal) == "What happened"
    assert model.rowCount(model.index(0, 0)) == 0 and model.data(QModelIndex()) is None

    model.set_conflicts([])
    assert model.rowCount() == 0


def test_retry_schedule_backs_off_to_its_ceiling() -> None:
    schedule = RetrySchedule(interval_s=60, first_retry_s=5, max_retry_s=300)
    assert [schedule.delay(n) for n in range(8)] == [60, 5, 10, 20, 40, 80, 160, 300]


def test_status_line_says_in_words_what_the_state_is(qtbot: QtBot) -> None:
    def status(**changes: object) -> SyncStatus:
        base = {
            "signed_in": True,
            "online": True,
            "pending": 0,
            "last_sync": T0,
            "open_conflicts": 0,
            "server": "https://lab.example",
            "user": "ann",
            "last_error": None,
        }
        base.update(changes)
        return SyncStatus(**base)  # type: ignore[arg-type]

    assert sync_line(None)[0] == "Sync: not set up (working offline)"
    text, tip = sync_line(SyncIndicator(status()))
    assert text.startswith("Sync: online · nothing to send · last sync ") and text.endswith(" · no conflicts")
    assert "https://lab.example" in tip
    text, tip = sync_line(
        SyncIndicator(
            status(online=False, pending=3, open_conflicts=1, last_error="The server cannot be reached"),
            retry_in_s=20,
        )
    )
    assert text.startswith("Sync: offline · 3 changes to send")
    assert text.endswith("1 conflict")
    assert "The server cannot be reached" in tip and "20 s" in tip
    assert sync_line(SyncIndicator(status(last_sync=None, pending=1), syncing=True))[0] == (
        "Sync: syncing… · 1 change to send · never synced · no conflicts"
    )
    assert sync_line(SyncIndicator(status(), sign_in_needed=True))[0].startswith("Sync: sign in needed")
