"""Opening the local SQLite database: pragmas, write transactions and migrations.

Every connection runs with foreign keys on, the WAL journal and ``synchronous=FULL``,
so a commit the user saw is on disk before the call returns (it survives ``kill -9``
and a power cut). Write sessions start with ``BEGIN IMMEDIATE``: two processes on one
file (the window and the command line) queue instead of failing half-way.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from tracseq_desktop.domain.errors import DatabaseTooNew, InvalidInput
from tracseq_desktop.i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Revision ids in the order they apply; the test suite checks this against Alembic.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006")
SCHEMA_HEAD = REVISIONS[-1]
BUSY_TIMEOUT_MS = 10_000


def default_database_path() -> Path:
    """``TRACSEQ_DB`` or ``tracseq.db`` in the platform's user data directory."""
    env = os.environ.get("TRACSEQ_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("TracSeq", "TracSeq")) / "tracseq.db"


@dataclass(frozen=True)
class Change:
    """What a committed operation touched; views decide whether to refresh."""

    samples: frozenset[int] = frozenset()
    locations: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()
    #: audit actions written ("register", "move", ...): a view can tell new samples from changed ones
    actions: frozenset[str] = frozenset()


@dataclass
class Database:
    """A migrated SQLite file with read and write sessions and change listeners."""

    path: Path
    engine: Engine
    _read: sessionmaker[Session]
    _write: sessionmaker[Session]
    _listeners: list[Callable[[Change], None]] = field(default_factory=list)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot (deferred transaction), rolled back at the end."""
        with self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: committed durably on success, rolled back on any error."""
        with self._write() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def add_listener(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Change], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def notify(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    def notify_all(self) -> None:
        """After a bulk write that bypassed the services: every view should reload."""
        self.notify(Change(kinds=frozenset({"sample", "location", "all"})))

    def close(self) -> None:
        self.engine.dispose()


def _configure(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("tracseq_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_database(path: Path | str | None = None, *, migrate: bool = True, create: bool = True) -> Database:
    """Open (and by default create and upgrade) the database at ``path``.

    Raises ``DatabaseTooNew`` for a file written by a newer TracSeq, and
    ``InvalidInput`` when the file does not exist and ``create`` is false.
    """
    db_path = Path(path).expanduser() if path is not None else default_database_path()
    if not db_path.exists():
        if not create:
            raise InvalidInput(_("There is no database at {path}; run `tracseq init` first.").format(path=db_path))
        db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{db_path}",
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    _configure(engine)
    try:
        _check_and_migrate(engine, migrate)
    except BaseException:
        engine.dispose()
        raise
    read = sessionmaker(engine, expire_on_commit=False)
    write = sessionmaker(engine.execution_options(tracseq_write=True), expire_on_commit=False)
    return Database(db_path, engine, read, write)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def _check_and_migrate(engine: Engine, migrate: bool) -> None:
    revision = current_revision(engine)
    if revision is not None and revision not in REVISIONS:
        raise DatabaseTooNew(
            _(
                "This database was written by a newer TracSeq (schema {revision}); this version "
                "understands schemas up to {head}. Update TracSeq to open it."
            ).format(revision=revision, head=SCHEMA_HEAD)
        )
    if revision == SCHEMA_HEAD or not migrate:
        return
    upgrade(engine, SCHEMA_HEAD)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (Alembic is imported only when needed)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
