"""The server's database: engines for SQLite and PostgreSQL, migrations, write and read sessions.

A push holds its sites' change-counter row locks from its first statement to its
commit, so pushes to one site run one at a time and that site's change numbers are
handed out in commit order: a reader that sees change N of a site has seen every change
of the site before it (pushes to other sites run alongside). On SQLite ``BEGIN
IMMEDIATE`` does the same. Snapshots read in one REPEATABLE READ transaction (on SQLite, one read
transaction of the WAL), so the entities and the cursor agree.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tracseq_desktop.server.models import ChangeCounter, ServerKey
from tracseq_desktop.services.actor import utc_now

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOCKED = "tracseq.locked_sites"  #: ``Session.info`` key: the sites whose counters this transaction holds


def database_url(db: str) -> str:
    """A path becomes a SQLite URL; URLs (``postgresql+psycopg://...``) pass through."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


@dataclass
class ServerDatabase:
    engine: Engine
    _sessions: sessionmaker[Session]
    _snapshot_engine: Engine
    #: on SQLite, writers of this process queue here: a waiting ``BEGIN IMMEDIATE`` polls with
    #: growing sleeps (up to 100 ms), a lock hands over at once; other processes still meet
    #: SQLite's own lock and its busy timeout
    _writer: threading.RLock = field(default_factory=threading.RLock)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def writing(self) -> Iterator[Session]:
        queue = self._writer if self.is_sqlite else nullcontext()
        with queue, self._sessions(bind=self.engine.execution_options(tracseq_write=True)) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Session]:
        bind = self._snapshot_engine if snapshot else self.engine
        with self._sessions(bind=bind) as session:
            try:
                yield session
            finally:
                session.expunge_all()  # rows read stay usable, detached, after the rollback
                session.rollback()

    def lock_counters(self, session: Session, sites: Iterable[str]) -> dict[str, int]:
        """Take the change counters' locks of ``sites`` (held to commit); returns their values.

        Pushes to the same site queue here, one at a time; pushes to other sites do not
        wait. Locks are taken in site order, so two pushes never wait for each other. A
        site without a counter yet gets one, starting above every number handed out so
        far (a cursor from before per-site counters may stand at any of them).
        """
        wanted = sorted(set(sites))
        if not wanted:
            return {}
        session.info.setdefault(_LOCKED, set()).update(wanted)
        have = set(session.scalars(select(ChangeCounter.site).where(ChangeCounter.site.in_(wanted))))
        missing = [site for site in wanted if site not in have]
        if missing:
            start = int(session.scalar(select(func.coalesce(func.max(ChangeCounter.value), 0))) or 0)
            insert_new = _insert_ignoring_duplicates(self.engine.dialect.name)
            session.execute(insert_new, [{"site": site, "value": start} for site in missing])
        stmt = select(ChangeCounter.site, ChangeCounter.value).where(ChangeCounter.site.in_(wanted))
        stmt = stmt.order_by(ChangeCounter.site)
        if not self.is_sqlite:
            stmt = stmt.with_for_update()
        return {site: int(value) for site, value in session.execute(stmt)}

    def advance_counter(self, session: Session, site: str, count: int) -> int:
        """Reserve ``count`` change numbers of ``site`` (its counter locked by this push); returns the last one."""
        if site not in session.info.get(_LOCKED, ()):  # an entity of a site the push did not expect
            self.lock_counters(session, [site])
        stmt = (
            update(ChangeCounter)
            .where(ChangeCounter.site == site)
            .values(value=ChangeCounter.value + count)
            .returning(ChangeCounter.value)
        )
        return int(session.execute(stmt).scalar_one())

    def signing_secret(self) -> bytes:
        with self.reading() as session:
            row = session.scalar(select(ServerKey.secret).where(ServerKey.id == 1))
        if row is None:
            raise RuntimeError("the server database has no signing key; run the migrations")
        return bytes.fromhex(row)

    def close(self) -> None:
        self.engine.dispose()
        self._snapshot_engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA wal_autocheckpoint=10000")  # fewer, larger checkpoints under heavy pushes
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("tracseq_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_server_database(db: str, *, migrate: bool = True, pool_size: int = 8) -> ServerDatabase:
    url = make_url(database_url(db))
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=pool_size)
        _configure_sqlite(engine)
        snapshot_engine = engine
    elif url.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        snapshot_engine = engine.execution_options(isolation_level="REPEATABLE READ")
    else:
        raise ValueError(f"unsupported database {url.get_backend_name()!r}: use a SQLite path or postgresql+psycopg://")
    if migrate:
        upgrade(engine)
        _seed(engine)
    return ServerDatabase(engine, sessionmaker(expire_on_commit=False), snapshot_engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    command.upgrade(config, revision)


def _insert_ignoring_duplicates(dialect: str) -> Any:
    """INSERT INTO change_counter that leaves a row another push made meanwhile as it is."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ChangeCounter).on_conflict_do_nothing(index_elements=["site"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(ChangeCounter).on_conflict_do_nothing(index_elements=["site"])


def _seed(engine: Engine) -> None:
    """The signing key; safe when several processes start at once."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7206551)"))
        if conn.execute(select(ServerKey.id).where(ServerKey.id == 1)).first() is None:
            conn.execute(insert(ServerKey).values(id=1, secret=secrets.token_hex(32), created_at=utc_now()))
        conn.commit()
