"""Freezer readings and alarm events reach the server exactly once: real workstation files, a real
server on loopback (SQLite file and PostgreSQL), answers lost on the way back, hours that grow."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.loopback import RunningServer, serve_in_thread
from tracseq_desktop.server.models import AlarmEventRecord, Base, UnitReadingBlock
from tracseq_desktop.services.actor import Actor, utc_now
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.monitoring import MonitoringService, monitoring_for
from tracseq_desktop.services.readings import store_bulk
from tracseq_desktop.store import readings as packing
from tracseq_desktop.store.models import Location, SyncKey
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.service import SyncResult, SyncService
from tracseq_desktop.sync.telemetry import TelemetryPusher
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import Role

START = datetime(2026, 1, 5, 9, 58, tzinfo=UTC)  #: two minutes before an hour ends


class LossyTransport(httpx.HTTPTransport):
    """Forwards to the real server, then drops the next ``drop`` telemetry answers (the server did commit)."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.drop and request.url.path.endswith("/telemetry"):
            response.read()
            response.close()
            self.drop -= 1
            raise httpx.ReadError("answer lost after the server committed", request=request)
        return response


@dataclass
class Bench:
    services: Services
    monitoring: MonitoringService
    sync: SyncService
    transport: LossyTransport
    server: RunningServer

    def reading(self, at: datetime, temperature: float) -> None:
        self.monitoring.record_reading(
            Reading("FRZ-1", at, (temperature, -79.5), setpoint=-80.0, door_open=False, compressor_on=True)
        )

    def unit_uuid(self) -> str:
        with self.services.db.reading() as session:
            unit_id = session.scalar(select(Location.id).where(Location.label == "FRZ-1"))
            found = session.scalar(
                select(SyncKey.uuid).where(SyncKey.entity_type == "location", SyncKey.local_id == unit_id)
            )
        assert found is not None
        return found

    def local_times(self) -> list[str]:
        readings = self.monitoring.raw_readings("FRZ-1", START - timedelta(days=30), START + timedelta(days=1))
        return sorted(r.taken_at.isoformat() for r in readings)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    with serve_in_thread(url) as running:
        create_user(running.db, "ann", "ann-password", Role.MANAGER, ["NORTH"], utc_now())
        create_user(running.db, "tess", "tess-password", Role.TECHNICIAN, ["NORTH"], utc_now())
        create_user(running.db, "sam", "sam-password", Role.MANAGER, ["SOUTH"], utc_now())
        yield running


@pytest.fixture
def bench(server: RunningServer, tmp_path: Path) -> Iterator[Bench]:
    services = open_services(tmp_path / "bench.db", actor=Actor("ann", "bench-1"))
    loc = services.locations
    loc.create("site", "NORTH")
    loc.create("room", "N-ROOM", parent="NORTH")
    loc.create("unit", "FRZ-1", parent="N-ROOM", unit_type="freezer-80")
    monitoring = monitoring_for(services)
    monitoring.set_limits("FRZ-1", high_c=-70.0, low_c=-90.0, delay_s=0.0)
    transport = LossyTransport()
    sync = SyncService(
        services,
        token_store=MemoryTokenStore(),
        client_factory=lambda url, ws, tokens: SyncClient(url, ws, tokens, transport=transport),
    )
    sync.login(server.url, "ann", "ann-password")
    try:
        yield Bench(services, monitoring, sync, transport, server)
    finally:
        sync.close()
        services.close()


def server_readings(bench: Bench, **params: Any) -> list[dict[str, Any]]:
    """Every reading the server holds of FRZ-1, read through the API page by page."""
    with httpx.Client(base_url=bench.server.url) as http:
        token = _sign_in(http, "ann", "ann-password")
        out: list[dict[str, Any]] = []
        start = (START - timedelta(days=30)).isoformat()
        while True:
            page = http.get(
                f"/v1/units/{bench.unit_uuid()}/readings",
                params={"start": start, "end": (START + timedelta(days=1)).isoformat(), **params},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            out += body["readings"]
            if not body["more"]:
                return out
            start = body["next"]


def server_events(bench: Bench) -> list[dict[str, Any]]:
    with httpx.Client(base_url=bench.server.url) as http:
        token = _sign_in(http, "ann", "ann-password")
        answer = http.get(
            f"/v1/units/{bench.unit_uuid()}/alarm-events",
            params={"start": "2025-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result


def _sign_in(http: httpx.Client, user: str, password: str) -> str:
    answer = http.post(
        "/v1/auth/login",
        json={"user": user, "password": password, "workstation": str(uuid.uuid4()), "workstation_name": user},
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def as_iso(wire_time: str) -> str:
    return datetime.strptime(wire_time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).isoformat()


def sync(bench: Bench) -> SyncResult:
    return bench.sync.sync_now()


def test_readings_and_alarm_events_reach_the_server_exactly_once(bench: Bench) -> None:
    # 24 readings over an hour boundary; one reading out of limits raises and then clears an alarm
    for i in range(24):
        bench.reading(START + timedelta(seconds=10 * i), -60.0 if i == 5 else -80.0 + i / 100)
    [alarm] = bench.monitoring.alarms(include_closed=True)
    assert alarm.cleared_at is not None

    first = sync(bench)
    assert (first.readings, first.alarm_events, first.telemetry_error, first.telemetry_more) == (24, 2, None, False)
    held = server_readings(bench)
    assert sorted(as_iso(r["at"]) for r in held) == bench.local_times()
    assert {r["probes"][1] for r in held} == {-79.5}
    assert sorted(e["type"] for e in server_events(bench)) == ["cleared", "raised"]

    # nothing new: nothing sent again
    again = sync(bench)
    assert (again.readings, again.alarm_events, again.telemetry_duplicates) == (0, 0, 0)

    # readings appended to the hour already pushed, and the alarm acknowledged
    for i in range(24, 30):
        bench.reading(START + timedelta(seconds=10 * i), -80.0)
    bench.monitoring.acknowledge(alarm.id, "door was open during restock")
    grown = sync(bench)
    assert (grown.readings, grown.alarm_events) == (6, 1)
    held = server_readings(bench)
    assert len(held) == 30
    assert sorted(as_iso(r["at"]) for r in held) == bench.local_times()
    events = server_events(bench)
    assert sorted(e["type"] for e in events) == ["acknowledged", "cleared", "raised"]
    ack = next(e for e in events if e["type"] == "acknowledged")
    assert (ack["actor"], ack["comment"]) == ("ann", "door was open during restock")
    assert len({e["alarm"] for e in events}) == 1


def test_a_lost_answer_neither_loses_nor_doubles(bench: Bench) -> None:
    for i in range(10):
        bench.reading(START + timedelta(seconds=10 * i), -80.0)
    assert sync(bench).readings == 10
    for i in range(10, 16):
        bench.reading(START + timedelta(seconds=10 * i), -55.0 if i == 12 else -80.0)
    bench.transport.drop = 1  # the server stores the readings and the alarm, the answer never arrives
    lost = sync(bench)
    assert lost.telemetry_error is not None and lost.readings == 0
    status = bench.sync.status()
    assert status.online and status.last_error and "readings" in status.last_error  # shown in the status tooltip
    with bench.server.db.reading() as session:
        assert session.scalar(select(func.sum(UnitReadingBlock.count))) == 16  # the server did commit
    resent = sync(bench)
    assert (resent.readings, resent.alarm_events, resent.telemetry_duplicates, resent.telemetry_error) == (
        0, 0, 2, None,
    )  # fmt: skip
    assert bench.sync.status().last_error is None
    held = server_readings(bench)
    assert sorted(as_iso(r["at"]) for r in held) == bench.local_times()
    assert len(held) == 16
    with bench.server.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(AlarmEventRecord)) == 2
    assert sync(bench).telemetry_duplicates == 0  # recorded this time: not sent again


def test_an_older_hour_filled_in_later_is_found_and_sent(bench: Bench) -> None:
    for i in range(5):
        bench.reading(START + timedelta(seconds=10 * i), -80.0)
    assert sync(bench).readings == 5
    # an import of an hour from the day before (a data logger read out late)
    old_hour = packing.hour_of(START) - 24
    layout = packing.Layout(1, 1, False, False)
    records = [(offset * 100, 0, (-8000 + offset) & 0xFFFF) for offset in range(12)]
    with bench.services.db.writing() as session:
        unit_id = session.scalar(select(Location.id).where(Location.label == "FRZ-1"))
        assert unit_id is not None
        store_bulk(session, unit_id, [(old_hour, packing.seal_records(layout, records))])
    late = sync(bench)
    assert late.readings == 12
    held = server_readings(bench)
    assert len(held) == 17 and sorted(as_iso(r["at"]) for r in held) == bench.local_times()
    assert sync(bench).readings == 0


def test_a_backlog_goes_in_bounded_batches_and_pages_come_back_in_whole_hours(bench: Bench) -> None:
    sync(bench)  # the unit reaches the server first
    layout = packing.Layout(1, 1, True, False)
    first_hour = packing.hour_of(START) - 72
    with bench.services.db.writing() as session:
        unit_id = session.scalar(select(Location.id).where(Location.label == "FRZ-1"))
        assert unit_id is not None
        blocks = [
            (first_hour + h, packing.seal_records(layout, [(s * 100, 0, 0xE0C0, 0xE0C0) for s in range(360)]))
            for h in range(48)
        ]
        store_bulk(session, unit_id, blocks)
    pusher = TelemetryPusher(bench.services.db, bench.sync.engine().client, max_records=3000, max_batches=2)
    part = pusher.push()
    assert (part.readings, part.more) == (2 * 8 * 360, True)  # two batches of 8 whole hours (2,880 readings)
    pusher.max_batches = 20
    rest = pusher.push()
    assert (rest.readings, rest.more) == (48 * 360 - 2 * 8 * 360, False)
    held = server_readings(bench, limit=5000)
    assert len(held) == 48 * 360
    assert len({r["at"] for r in held}) == 48 * 360
    assert {r["setpoint"] for r in held} == {(0xE0C0 - 0x10000) / 100}


def test_a_user_of_another_site_is_refused(bench: Bench) -> None:
    for i in range(3):
        bench.reading(START + timedelta(seconds=10 * i), -80.0)
    sync(bench)
    unit = bench.unit_uuid()
    with httpx.Client(base_url=bench.server.url) as http:
        token = _sign_in(http, "sam", "sam-password")
        headers = {"Authorization": f"Bearer {token}"}
        body = {"blocks": [_block(unit, packing.hour_of(START) + 5, [(100, 0, 0xE0C0)])]}
        pushed = http.post("/v1/telemetry", json=body, headers=headers)
        assert pushed.status_code == 403 and "NORTH" in pushed.json()["detail"]
        read = http.get(
            f"/v1/units/{unit}/readings", params={"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
            headers=headers,
        )  # fmt: skip
        assert read.status_code == 403
        events = http.get(
            f"/v1/units/{unit}/alarm-events", params={"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
            headers=headers,
        )  # fmt: skip
        assert events.status_code == 403
    assert len(server_readings(bench)) == 3


def _block(unit: str, hour: int, records: list[tuple[int, ...]], *, codec: int = 0, cut: int = 0) -> dict[str, Any]:
    layout = packing.Layout(1, 1, False, False)
    raw = packing.encode_open(layout, records)
    if codec:
        raw = bytes([codec]) + raw[1:]
    raw = raw[: len(raw) - cut] if cut else raw
    return {"unit": unit, "hour": hour, "data": base64.b64encode(raw).decode()}


def _event(unit: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "alarm": str(uuid.uuid4()), "unit": unit, "type": "raised",
        "kind": "high_temperature", "at": "2026-01-05T10:00:00.000000Z", **extra,
    }  # fmt: skip


def test_malformed_and_hostile_payloads_get_4xx_and_change_nothing(bench: Bench) -> None:
    for i in range(3):
        bench.reading(START + timedelta(seconds=10 * i), -80.0)
    sync(bench)
    unit = bench.unit_uuid()
    with bench.services.db.reading() as session:
        room = session.scalar(select(Location.id).where(Location.label == "N-ROOM"))
        room_uuid = session.scalar(
            select(SyncKey.uuid).where(SyncKey.entity_type == "location", SyncKey.local_id == room)
        )
    hour = packing.hour_of(START) + 3
    good = _block(unit, hour, [(10, 0, 0xE0C0)])
    bad_bodies: list[tuple[Any, int, str]] = [
        ({"blocks": [{**good, "data": "###"}]}, 422, "data"),
        ({"blocks": [{**good, "data": "AAAA"}]}, 422, "data"),
        ({"blocks": [_block(unit, hour, [(10, 0, 1)], codec=1)]}, 422, "codec"),
        ({"blocks": [_block(unit, hour, [(10, 0, 1), (20, 0, 1)], cut=2)]}, 422, "length"),
        ({"blocks": [_block(unit, hour, [(36000, 0, 1)])]}, 422, "outside its hour"),
        ({"blocks": [good, good]}, 422, "twice"),
        ({"blocks": [{**good, "extra": 1}]}, 422, "extra"),
        ({"blocks": [{**good, "hour": -1}]}, 422, "hour"),
        ({"blocks": [{**good, "unit": "not-a-uuid"}]}, 422, "unit"),
        ({"blocks": [_block(room_uuid or "", hour, [(10, 0, 1)])]}, 422, "not a storage unit"),
        ({"blocks": [good], "alarm_events": [_event(unit, at="2026-02-30T10:00:00.000000Z")]}, 422, "impossible"),
        ({"alarm_events": [_event(unit, type="exploded")]}, 422, "type"),
        ({"blocks": [good] * 1001}, 422, "blocks"),
        ("[1, 2", 422, ""),
    ]
    before = _server_state(bench)
    with httpx.Client(base_url=bench.server.url) as http:
        token = _sign_in(http, "ann", "ann-password")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body, status, reason in bad_bodies:
            content = body if isinstance(body, str) else httpx.Request("POST", "/", json=body).content
            answer = http.post("/v1/telemetry", content=content, headers=headers)
            assert answer.status_code == status, (body if isinstance(body, str) else list(body), answer.text)
            assert reason in answer.text
            assert _server_state(bench) == before
        assert http.post("/v1/telemetry", json={"blocks": [good]}).status_code == 401
        # a unit the server does not know is held, not stored
        stranger = str(uuid.uuid4())
        answer = http.post(
            "/v1/telemetry",
            json={"blocks": [_block(stranger, hour, [(10, 0, 1)])], "alarm_events": [_event(stranger)]},
            headers=headers,
        )
        assert answer.status_code == 200
        assert [b["outcome"] for b in answer.json()["blocks"]] == ["held"]
        assert [e["outcome"] for e in answer.json()["alarm_events"]] == ["held"]
    assert _server_state(bench) == before


def _server_state(bench: Bench) -> tuple[int, int, int]:
    with bench.server.db.reading() as session:
        return (
            int(session.scalar(select(func.count()).select_from(UnitReadingBlock)) or 0),
            int(session.scalar(select(func.coalesce(func.sum(UnitReadingBlock.count), 0))) or 0),
            int(session.scalar(select(func.count()).select_from(AlarmEventRecord)) or 0),
        )


def test_the_migrated_server_schema_matches_the_models(server: RunningServer) -> None:
    with server.db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
