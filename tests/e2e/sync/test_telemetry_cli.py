"""``tracseq sync`` pushes freezer readings and alarm events and reports their counts (real server process)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.services.monitoring import monitoring_for

BIN = Path(sys.executable).parent
START = datetime(2026, 2, 3, 7, 59, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", TRACSEQ_USER="ann", TRACSEQ_WORKSTATION="bench")
    return subprocess.run(
        [str(BIN / "tracseq"), "--db", str(db), *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    db = tmp_path / "central.db"
    made = subprocess.run(
        [str(BIN / "tracseq-server"), "create-user", "ann", "--site", "SITE-1", "--role", "manager", "--db", str(db)],
        input="ann-password\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    port = _free_port()
    process = subprocess.Popen([str(BIN / "tracseq-server"), "--db", str(db), "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


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
    for args in (
        ("init",),
        ("location", "add", "site", "SITE-1"),
        ("location", "add", "room", "ROOM-1", "--parent", "SITE-1"),
        ("location", "add", "unit", "FRZ-1", "--parent", "ROOM-1", "--unit-type", "freezer-80"),
    ):
        ok(run(db, *args))
    record(db, [-80.0] * 8 + [-60.0] + [-80.0] * 3, first=0)  # 12 readings over an hour's end; one alarm
    ok(run(db, "login", "--server", server, "--user", "ann", stdin="ann-password\n"))
    first = json.loads(ok(run(db, "sync", "--json", stdin="ann-password\n")))
    assert (first["applied"], first["readings"], first["alarm_events"]) == (3, 12, 2)
    assert (first["telemetry_held"], first["telemetry_more"], first["telemetry_error"]) == (0, False, None)

    again = json.loads(ok(run(db, "sync", "--json", stdin="ann-password\n")))
    assert (again["readings"], again["alarm_events"], again["telemetry_duplicates"]) == (0, 0, 0)

    record(db, [-80.0] * 4, first=12)  # the open hour grows
    text = ok(run(db, "sync", stdin="ann-password\n"))
    assert "Freezer data sent: 4 readings, 0 alarm events." in text
