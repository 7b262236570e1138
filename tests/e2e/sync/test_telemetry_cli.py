"""``tracseq sync`` pushes freezer readings and alarm events and reports their counts (real server process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.sync.processes import STORAGE, create_user, ok, run, server_process
from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.services.monitoring import monitoring_for

START = datetime(2026, 2, 3, 7, 59, tzinfo=UTC)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "central.db")
    create_user(db, "ann", "ann-password")
    with server_process(db) as url:
        yield url


def record(db: Path, temperatures: list[float], first: int) -> None:
    """Readings as the monitoring service stores them, 10 s apart (in this process, on the same file)."""
    services = open_services(db, actor=Actor("ann", "bench"))
    try:
        monitoring = monitoring_for(services)
        monitoring.set_limits("FRZ-1", high_c=-70.0, low_c=-90.0, delay_s=0.0)
        for index, value in enumerate(temperatures, start=first):
            monitoring.record_reading(Reading("FRZ-1", START + timedelta(seconds=10 * index), (value,)))
    finally:
        services.close()


def test_sync_pushes_readings_and_alarm_events_once_and_reports_them(server: str, tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    for args in (("init",), *STORAGE[:3]):
        ok(run(db, "ann", *args))
    record(db, [-80.0] * 8 + [-60.0] + [-80.0] * 3, first=0)  # 12 readings over an hour's end; one alarm
    ok(run(db, "ann", "login", "--server", server, "--user", "ann", stdin="ann-password\n"))
    first = json.loads(ok(run(db, "ann", "sync", "--json", stdin="ann-password\n")))
    assert (first["applied"], first["readings"], first["alarm_events"]) == (3, 12, 2)
    assert (first["telemetry_held"], first["telemetry_more"], first["telemetry_error"]) == (0, False, None)

    again = json.loads(ok(run(db, "ann", "sync", "--json", stdin="ann-password\n")))
    assert (again["readings"], again["alarm_events"], again["telemetry_duplicates"]) == (0, 0, 0)

    record(db, [-80.0] * 4, first=12)  # the open hour grows
    text = ok(run(db, "ann", "sync", stdin="ann-password\n"))
    assert "Freezer data sent: 4 readings, 0 alarm events." in text
