"""A real server on loopback (SQLite file or a fresh PostgreSQL database) and workstation helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import fresh_pg_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new PostgreSQL database for one test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "server.db")
