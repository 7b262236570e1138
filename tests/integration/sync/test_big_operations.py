"""Operations bigger than one push request still reach the server, whole and in order.

A request carries at most ``wire.MAX_BATCH`` intents. A CSV import of thousands of rows
is one operation; it must go in pieces instead of sitting in the outbox for ever. A
grouped move (swaps inside the set) is the one thing never cut, because the server frees
all its places before filling them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.server.loopback import RunningServer
from tracseq_desktop.server.states import site_states
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.demo import build_demo
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.samples import MAX_MOVE
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.engine import SyncEngine, pending_count
from tracseq_desktop.sync.replica import replica_states
from tracseq_desktop.sync.service import SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import replica_checksum

from .conftest import keeper_server

SITE = "BIG"


class CountingTransport(httpx.HTTPTransport):
    """The real HTTP transport, counting the intents of each push request."""

    def __init__(self) -> None:
        super().__init__()
        self.pushes: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/push"):
            request.read()
            self.pushes.append(len(wire.PushRequest.model_validate_json(request.content).mutations))
        return super().handle_request(request)


@pytest.fixture
def server(sqlite_url: str) -> Iterator[RunningServer]:
    with keeper_server(sqlite_url, SITE) as running:
        yield running


@pytest.fixture
def station(server: RunningServer, tmp_path: Path) -> Iterator[tuple[SyncService, CountingTransport]]:
    transport = CountingTransport()
    services = open_services(tmp_path / "station.db", actor=Actor("keeper", "station"))
    sync = SyncService(
        services,
        token_store=MemoryTokenStore(),
        client_factory=lambda url, ws, tokens: SyncClient(url, ws, tokens, transport=transport),
    )
    sync.login(server.url, "keeper", "password-1")
    create_storage(services)
    try:
        yield sync, transport
    finally:
        sync.close()
        services.close()
        transport.close()


def create_storage(services: Services) -> None:
    """A site, a room, a freezer and a rack: four location intents."""
    services.locations.create("site", SITE)
    services.locations.create("room", "BIG-ROOM", parent=SITE)
    services.locations.create("unit", "BIG-F", parent="BIG-ROOM", unit_type="freezer-80")
    services.locations.create("rack", "BIG-K", parent="BIG-F")


def assert_equals_server(sync: SyncService, server: RunningServer) -> None:
    with server.db.reading() as session:
        expected = replica_checksum(*site_states(session, [SITE]))
    with sync._services.db.reading() as session:
        assert replica_checksum(*replica_states(session)) == expected
        assert pending_count(session) == 0


def test_an_import_bigger_than_a_request_goes_in_pieces(
    server: RunningServer, station: tuple[SyncService, CountingTransport]
) -> None:
    sync, transport = station
    count = wire.MAX_BATCH + 300
    sync._services.samples.register_many([SampleDraft(f"BIG-{i:05d}", "plasma") for i in range(count)])

    report = sync.sync_now()

    assert report.rejected == 0 and report.conflicts == 0
    assert max(transport.pushes) <= wire.MAX_BATCH
    assert sum(transport.pushes) == count + 4  # every intent once: four locations and the samples
    assert len([n for n in transport.pushes if n]) >= 2
    with server.db.reading() as session:
        held = session.execute(text("SELECT count(*) FROM sample WHERE barcode LIKE 'BIG-%'")).scalar_one()
    assert held == count
    assert_equals_server(sync, server)


def test_a_grouped_move_is_never_cut_between_requests(
    server: RunningServer, station: tuple[SyncService, CountingTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full rotation of 40 samples only works if the server sees the whole set at once.

    The request cap is lowered to 100 on the workstation (the server still takes 2,000),
    so that a small database reaches the cut.
    """
    monkeypatch.setattr(wire, "MAX_BATCH", 100)
    sync, transport = station
    services = sync._services
    services.locations.create("box", "BIG-B", parent="BIG-K", geometry="10x10")
    places = [position_label(i // 10, i % 10) for i in range(40)]
    services.samples.register_many(
        [SampleDraft(f"BIG-R{i:03d}", "plasma", box="BIG-B", position=pos) for i, pos in enumerate(places)]
    )
    sync.sync_now()
    transport.pushes.clear()

    filler = 70  # a push of 80 intents would end 10 intents into the move
    services.samples.register_many([SampleDraft(f"BIG-Y{i:05d}", "plasma") for i in range(filler)])
    rotation = [(f"BIG-R{i:03d}", "BIG-B", places[(i + 1) % len(places)]) for i in range(len(places))]
    services.samples.move_many(rotation, reason="rotate the box")
    engine = sync.engine()
    engine.batch = 80
    report = engine.push_all()

    assert report.conflicts == 0 and report.rejected == 0
    assert transport.pushes == [filler, len(places)]  # cut before the move, not 10 intents into it
    sync.sync_now()
    assert_equals_server(sync, server)
    with server.db.reading() as session:
        first = session.execute(text("SELECT row, col FROM sample WHERE barcode = 'BIG-R000'")).one()
    assert tuple(first) == (0, 1)


def test_a_move_bigger_than_a_request_allows_is_refused_whole(tmp_path: Path) -> None:
    services = open_services(tmp_path / "local.db", actor=Actor("keeper", "local"))
    try:
        create_storage(services)
        for n in range(11):
            services.locations.create("box", f"BIG-BOX{n}", parent="BIG-K", geometry="10x10")
        count = MAX_MOVE + 1
        services.samples.register_many([SampleDraft(f"BIG-M{i:05d}", "plasma") for i in range(count)])
        placements = [
            (f"BIG-M{i:05d}", f"BIG-BOX{i // 100}", position_label(i % 100 // 10, i % 10)) for i in range(count)
        ]
        with pytest.raises(InvalidInput, match=str(MAX_MOVE)):
            services.samples.move_many(placements, reason="fill the boxes")
        unmoved = [services.queries.find(f"BIG-M{i:05d}") for i in (0, MAX_MOVE)]
        assert [s.box_label if s else "missing" for s in unmoved] == [None, None]
        assert len(services.samples.move_many(placements[:MAX_MOVE], reason="fill the boxes")) == MAX_MOVE
    finally:
        services.close()


def test_a_database_filled_before_sync_is_adopted_in_chunks_parents_first(tmp_path: Path) -> None:
    """Rows written without the outbox (the demo builder, older databases) are queued a chunk per transaction."""
    services = open_services(tmp_path / "older.db", actor=Actor("keeper", "older"))
    try:
        made = build_demo(services, samples=900)
        engine = SyncEngine(services.db, client=None)  # type: ignore[arg-type]  # adoption needs no server
        adopted = engine.adopt_unsynced(chunk=250)
        assert adopted == made.samples + made.locations
        assert engine.adopt_unsynced(chunk=250) == 0  # nothing queued twice
        with services.db.reading() as session:
            rows = session.execute(text("SELECT seq, operation_id, kind, args FROM sync_outbox ORDER BY seq")).all()
        assert [r.seq for r in rows] == list(range(1, adopted + 1))
        operations = [r.operation_id for r in rows]
        assert len(set(operations)) == -(-adopted // 250)  # one operation, one transaction, per chunk
        assert all(operations.count(op) <= 250 for op in set(operations))
        position: dict[str, int] = {}
        for r in rows:
            args = json.loads(r.args)
            position[args["uuid"]] = r.seq
            for parent in (args.get("parent"), args.get("box")):
                assert parent is None or position.get(parent, adopted + 1) < r.seq, r.kind  # parents first
    finally:
        services.close()
