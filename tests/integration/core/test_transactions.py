"""A failed operation leaves nothing half-done: no rows, no audit entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tracseq_desktop.domain.errors import DomainError, PositionOccupied
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services


def _snapshot(path: Path) -> tuple[object, ...]:
    with sqlite3.connect(path) as conn:
        return (
            conn.execute("SELECT * FROM sample ORDER BY id").fetchall(),
            conn.execute("SELECT count(*) FROM audit_entry").fetchone(),
            conn.execute("SELECT * FROM location ORDER BY id").fetchall(),
        )


def test_bulk_move_with_one_bad_target_moves_nothing(services: Services, db_path: Path) -> None:
    before = _snapshot(db_path)
    with pytest.raises(PositionOccupied):
        services.samples.move_many([("TS-001", "BOX-B", "A1"), ("TS-002", "BOX-F", "A1")], override_reason="test")
    assert _snapshot(db_path) == before


def test_register_many_is_all_or_nothing(services: Services, db_path: Path) -> None:
    before = _snapshot(db_path)
    with pytest.raises(DomainError):
        services.samples.register_many(
            [
                SampleDraft("NEW-1", "plasma", box="BOX-A", position="B1"),
                SampleDraft("NEW-2", "plasma", box="BOX-A", position="B1"),
            ]
        )
    assert _snapshot(db_path) == before
    assert services.queries.find("NEW-1") is None


def test_aliquot_failing_on_a_taken_position_keeps_the_parent_volume(services: Services, db_path: Path) -> None:
    before = _snapshot(db_path)
    with pytest.raises(PositionOccupied):
        services.samples.aliquot("TS-001", count=2, volume="0.1ml", box="BOX-A", positions=["B1", "A2"])
    assert _snapshot(db_path) == before


def test_every_change_writes_exactly_one_entry_per_entity(services: Services) -> None:
    count = services.queries.statistics()["audit_entries"]
    services.samples.move_many([("TS-001", "BOX-B", "A1"), ("TS-002", "BOX-B", "A2")], reason="reorganise")
    entries = services.queries.history("TS-001")[-1:] + services.queries.history("TS-002")[-1:]
    assert services.queries.statistics()["audit_entries"] == count + 2
    assert entries[0].operation_id == entries[1].operation_id
    assert entries[0].before == {"box": "BOX-A", "position": "A1", "version": 1}
    assert entries[0].after == {"box": "BOX-B", "position": "A1", "version": 2}
    assert entries[0].actor == "tester" and entries[0].workstation == "test-ws"
    assert entries[0].at.tzinfo is not None
