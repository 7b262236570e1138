"""The audit trail is append-only and tampering with it is detected."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tracseq_desktop.services.facade import Services


def _tamper(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("DROP TRIGGER audit_entry_no_delete")
        for statement in statements:
            conn.execute(statement)


def test_a_fresh_trail_verifies(services: Services) -> None:
    result = services.queries.verify_audit()
    assert result.ok and result.checked == services.queries.statistics()["audit_entries"] > 10


def test_the_database_refuses_edits_and_deletions(services: Services, db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_entry SET actor = 'mallory' WHERE id = 3")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_entry WHERE id = 3")


def test_an_edited_entry_is_detected(services: Services, db_path: Path) -> None:
    _tamper(db_path, "UPDATE audit_entry SET reason = 'nothing to see' WHERE id = 5")
    result = services.queries.verify_audit()
    assert not result.ok
    assert any("Entry 5 was changed" in p for p in result.problems)


def test_a_deleted_entry_is_detected(services: Services, db_path: Path) -> None:
    _tamper(db_path, "DELETE FROM audit_entry WHERE id = 4")
    result = services.queries.verify_audit()
    assert not result.ok
    assert any("missing" in p for p in result.problems)


def test_an_inserted_entry_is_detected(services: Services, db_path: Path) -> None:
    _tamper(
        db_path,
        "UPDATE audit_entry SET id = id + 1000 WHERE id > 6",
        "INSERT INTO audit_entry SELECT 7, at, actor, workstation, action, entity_type, entity_key, before, after,"
        " reason, operation_id, prev_hash, hash FROM audit_entry WHERE id = 6",
        "UPDATE audit_entry SET id = id - 999 WHERE id > 1000",
    )
    result = services.queries.verify_audit()
    assert not result.ok


def test_cutting_off_the_newest_entries_is_detected(services: Services, db_path: Path) -> None:
    last = services.queries.statistics()["audit_entries"]
    _tamper(db_path, f"DELETE FROM audit_entry WHERE id = {last}")
    result = services.queries.verify_audit()
    assert not result.ok
    assert any("newest" in p for p in result.problems)
