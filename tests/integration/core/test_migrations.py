"""Migrations: from an empty file to head, schema equal to the models, newer files refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tracseq_desktop.domain.errors import DatabaseTooNew
from tracseq_desktop.store.database import (
    MIGRATIONS_DIR,
    REVISIONS,
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    open_database,
    upgrade,
)
from tracseq_desktop.store.models import Base


def test_revision_list_matches_alembic(tmp_path: Path) -> None:
    db = open_database(tmp_path / "x.db", migrate=False)
    try:
        script = ScriptDirectory.from_config(alembic_config(db.engine))
        chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
        assert tuple(chain) == REVISIONS
        assert script.get_current_head() == SCHEMA_HEAD
    finally:
        db.close()
    assert MIGRATIONS_DIR.is_dir()


def test_empty_file_is_migrated_to_head_and_matches_the_models(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    try:
        assert current_revision(db.engine) == SCHEMA_HEAD
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        # The FTS5 search index and its shadow tables are SQL-only, not models.
        differences = [d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("sample_fts"))]
        assert differences == []
        with db.engine.connect() as conn:
            pragmas = {
                "journal_mode": conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                "foreign_keys": conn.exec_driver_sql("PRAGMA foreign_keys").scalar(),
                "synchronous": conn.exec_driver_sql("PRAGMA synchronous").scalar(),
            }
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}
    finally:
        db.close()


@pytest.mark.parametrize("start", REVISIONS[:-1] or ("base",))
def test_each_older_revision_upgrades_on_open(tmp_path: Path, start: str) -> None:
    """A file left at an older revision (with data) is upgraded when the app opens it."""
    path = tmp_path / "old.db"
    db = open_database(path, migrate=False)
    if start != "base":
        upgrade(db.engine, start)
        with sqlite3.connect(path) as conn:
            conn.execute(
                "INSERT INTO location (kind, label, name, retired, search_words, version, created_at, updated_at)"
                " VALUES ('site', 'OLD-SITE', '', 0, 'OLD-SITE', 1, '2025-01-01T00:00:00.000000Z',"
                " '2025-01-01T00:00:00.000000Z')"
            )
    db.close()
    reopened = open_database(path)
    try:
        assert current_revision(reopened.engine) == SCHEMA_HEAD
        if start != "base":
            with reopened.reading() as session:
                assert session.connection().exec_driver_sql("SELECT label FROM location").scalar() == "OLD-SITE"
    finally:
        reopened.close()


def test_a_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    open_database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseTooNew, match="newer TracSeq"):
        open_database(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999",)


def test_open_without_create_does_not_make_a_file(tmp_path: Path) -> None:
    from tracseq_desktop.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        open_database(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
