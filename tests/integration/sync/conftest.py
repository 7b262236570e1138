"""A real server on loopback (SQLite file or a fresh PostgreSQL database) and workstation helpers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN = os.environ.get("TRACSEQ_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards; fails (never skips) without PostgreSQL."""
    import psycopg

    name = f"tracseq_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {PG_ADMIN} is unreachable ({error}); these tests need it (marker 'postgres').")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
