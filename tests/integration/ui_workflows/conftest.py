"""Fixtures for the workflow windows: a small lab, the examples published, a signing account."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.qtleaks import watch_qt_leaks
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.lab import build_small_lab
from tracseq_desktop.workflows.service import WorkflowService

PASSWORD = "bench-password"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = open_services(tmp_path / "ui-wf.db", actor=Actor("tech", "bench-1"))
    build_small_lab(svc)
    flows = WorkflowService(svc)
    flows.install_examples()
    flows.accounts.add("alice", PASSWORD, full_name="Alice Able")
    yield svc
    svc.close()


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads, pool jobs or timers behind (see tests/support/qtleaks.py)."""
    yield from watch_qt_leaks(request.node)
