"""Shared fixtures. Imports no Qt: the core suite also runs where PySide6 is not installed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TRACSEQ_USER", "tester")
os.environ.setdefault("TRACSEQ_WORKSTATION", "test-ws")
# Tests read English messages regardless of the machine's locale.
os.environ["TRACSEQ_LANG"] = "en"

from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.lab import build_small_lab


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tracseq.db"


@pytest.fixture
def services(db_path: Path) -> Iterator[Services]:
    """Services on a new database file holding a small lab (see ``build_small_lab``)."""
    svc = open_services(db_path, actor=Actor("tester", "test-ws"))
    build_small_lab(svc)
    yield svc
    svc.close()


@pytest.fixture
def empty_services(db_path: Path) -> Iterator[Services]:
    svc = open_services(db_path, actor=Actor("tester", "test-ws"))
    yield svc
    svc.close()
