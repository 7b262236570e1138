"""A real server on loopback (SQLite file or a fresh PostgreSQL database) and workstation helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.postgres import fresh_pg_database
from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.loopback import RunningServer, serve_in_thread
from tracseq_desktop.services.actor import utc_now
from tracseq_desktop.sync.wire import Role


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new PostgreSQL database for one test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def pg_urls() -> Iterator[tuple[str, str]]:
    """Two new PostgreSQL databases for one test (to compare two ways of doing the same)."""
    with fresh_pg_database() as first, fresh_pg_database() as second:
        yield first, second


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "server.db")


@pytest.fixture
def sqlite_urls(tmp_path: Path) -> tuple[str, str]:
    return str(tmp_path / "first.db"), str(tmp_path / "second.db")


@contextmanager
def keeper_server(url: str, site: str) -> Iterator[RunningServer]:
    """A server on loopback with one manager, ``keeper`` (password ``password-1``), of ``site``."""
    with serve_in_thread(url) as running:
        create_user(running.db, "keeper", "password-1", Role.MANAGER, [site], utc_now())
        yield running
