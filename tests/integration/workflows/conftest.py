"""A small lab with the example workflows published, a signing account and a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.lab import build_small_lab
from tracseq_desktop.workflows.service import WorkflowService

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lab(tmp_path: Path, clock: Clock) -> Iterator[Services]:
    svc = open_services(tmp_path / "wf.db", actor=Actor("tech", "bench-1"), clock=clock)
    build_small_lab(svc)
    flows = WorkflowService(svc)
    flows.install_examples()
    flows.accounts.add("alice", PASSWORD, full_name="Alice Able")
    yield svc
    svc.close()


@pytest.fixture
def flows(lab: Services) -> WorkflowService:
    return WorkflowService(lab)
