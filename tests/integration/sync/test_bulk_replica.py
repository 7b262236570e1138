"""Pages and snapshots applied in bulk leave a replica exactly as the server describes it.

A workstation registers, stores, swaps, edits and discards samples; a second one
starts from a snapshot (triggers set aside, the search index built in one statement)
and a third reads the whole feed in small pages (runs of sample states written with
``executemany``). Both must equal the server (checksum), have a search index equal
to what the triggers would have written, keep the triggers, and find by text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tracseq_desktop.server.loopback import RunningServer
from tracseq_desktop.server.states import site_states
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.engine import CURSOR_KEY, SyncEngine, pending_count
from tracseq_desktop.sync.outbox import meta_set
from tracseq_desktop.sync.replica import replica_states
from tracseq_desktop.sync.service import SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import replica_checksum

from .conftest import keeper_server

SITE = "BK"


@pytest.fixture
def server(sqlite_url: str) -> Iterator[RunningServer]:
    with keeper_server(sqlite_url, SITE) as running:
        yield running


@pytest.fixture
def station(server: RunningServer, tmp_path: Path) -> Iterator[Callable[[str], SyncService]]:
    opened: list[SyncService] = []

    def make(name: str) -> SyncService:
        services = open_services(tmp_path / f"{name}.db", actor=Actor("keeper", name))
        sync = SyncService(services, token_store=MemoryTokenStore())
        opened.append(sync)
        sync.login(server.url, "keeper", "password-1")
        return sync

    yield make
    for sync in opened:
        sync.close()
        sync._services.close()


def index_rows(sync: SyncService) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[str]]:
    """The search index as it is, as the triggers would have written it, and the trigger names."""
    with sync._services.db.reading() as session:
        have = session.execute(
            text("SELECT rowid, barcode, sample_type, project, owner, place FROM sample_fts ORDER BY rowid")
        ).all()
        want = session.execute(
            text(
                "SELECT s.id, s.barcode, s.sample_type, coalesce(s.project, ''), coalesce(s.owner, ''),"
                " coalesce(l.search_words, '') FROM sample s LEFT JOIN location l ON l.id = s.box_id ORDER BY s.id"
            )
        ).all()
        triggers = session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sample_fts_%' ORDER BY name")
        ).all()
    return [tuple(r) for r in have], [tuple(r) for r in want], list(triggers)


def search_words(sync: SyncService) -> dict[str, str]:
    with sync._services.db.reading() as session:
        return {r.label: r.search_words for r in session.execute(text("SELECT label, search_words FROM location"))}


def assert_equals_server(sync: SyncService, server: RunningServer) -> None:
    with server.db.reading() as session:
        expected = replica_checksum(*site_states(session, [SITE]))
    with sync._services.db.reading() as session:
        assert replica_checksum(*replica_states(session)) == expected
    have, want, triggers = index_rows(sync)
    assert have == want
    assert triggers == ["sample_fts_delete", "sample_fts_insert", "sample_fts_update"]


def test_snapshot_and_small_pages_match_the_server(
    server: RunningServer, station: Callable[[str], SyncService]
) -> None:
    writer = station("writer")
    loc = writer._services.locations
    loc.create("site", SITE)
    loc.create("room", "BK-R", parent=SITE, name="Cold room")
    loc.create("unit", "BK-F", parent="BK-R", unit_type="freezer-80")
    loc.create("rack", "BK-K", parent="BK-F")
    loc.create("box", "BK-B1", parent="BK-K", geometry="3x3")
    loc.create("box", "BK-B2", parent="BK-K", geometry="3x3")
    samples = writer._services.samples
    samples.register_many(
        [SampleDraft(f"BK-{i}", "plasma", volume="1ml", box="BK-B1", position=f"A{i + 1}") for i in range(3)]
        + [SampleDraft(f"BK-{i}", "serum", project="Oak", owner="ann", attributes={"k": i}) for i in range(3, 12)]
    )
    writer.sync_now()

    fresh = station("fresh")
    assert fresh.sync_now().bootstrapped
    assert_equals_server(fresh, server)
    assert search_words(fresh) == search_words(writer)  # as the services compute them
    assert search_words(writer)["BK-B1"] == f"{SITE} BK-R Cold room BK-F BK-K BK-B1"

    reader = station("reader")
    with reader._services.db.writing() as session:
        meta_set(session, CURSOR_KEY, "0")  # the whole feed, no snapshot
    engine = reader.engine()
    engine.page = 4
    assert SyncEngine.pull_all(engine)
    assert_equals_server(reader, server)

    # changes that move samples through each other's places, in one page for the others
    samples.move_many([("BK-0", "BK-B1", "A2"), ("BK-1", "BK-B1", "A1")])  # a swap
    samples.move("BK-2", "BK-B2", "B2")
    samples.store("BK-3", "BK-B1", "A3")  # the place BK-2 just left
    samples.edit("BK-4", {"project": "Elm"})  # an indexed column
    samples.edit("BK-5", {"concentration": 2.5})  # a column the index does not hold
    samples.discard("BK-6", reason="broken")
    writer.sync_now()
    for sync in (fresh, reader):
        sync.sync_now()
        assert_equals_server(sync, server)

    # the index stays live: text search finds by place and by edited project, and new rows through the trigger
    queries = fresh._services.queries
    assert {v.barcode for v in queries.search("Elm")} == {"BK-4"}
    assert {v.barcode for v in queries.search("BK-B1")} == {"BK-0", "BK-1", "BK-3"}
    fresh._services.samples.register(SampleDraft("BK-new", "plasma", project="Ash"))
    assert [v.barcode for v in queries.search("Ash")] == ["BK-NEW"]


class DroppingTransport(httpx.HTTPTransport):
    """Forwards to the real server, but loses the answers to the pushes numbered in ``drop`` (1-based)."""

    def __init__(self, drop: set[int]) -> None:
        super().__init__()
        self.drop = drop
        self.pushes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/push"):
            self.pushes += 1
            if self.pushes in self.drop:
                response.read()
                response.close()
                raise httpx.ReadError("answer lost after the server committed", request=request)
        return response


def test_small_batches_in_flight_survive_lost_answers(server: RunningServer, tmp_path: Path) -> None:
    """Batches go out while the previous answer is recorded; lost answers come back as duplicates."""
    transport = DroppingTransport({2, 5})
    services = open_services(tmp_path / "piped.db", actor=Actor("keeper", "piped"))
    sync = SyncService(
        services,
        token_store=MemoryTokenStore(),
        client_factory=lambda url, ws, tokens: SyncClient(url, ws, tokens, transport=transport),
    )
    try:
        sync.login(server.url, "keeper", "password-1")
        services.locations.create("site", SITE)
        for i in range(30):  # one operation each, so that batches of 4 split them
            services.samples.register(SampleDraft(f"PP-{i}", "plasma"))
        engine = sync.engine()
        engine.batch = 4
        report = engine.push_all()
        assert transport.pushes > 8  # several batches, two answers lost and sent again
        assert report.rejected == 0 and report.conflicts == 0
        assert report.applied == 31 and report.pushed == 31
        with services.db.reading() as session:
            assert pending_count(session) == 0
            local_audit = session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
        with server.db.reading() as session:
            held = session.execute(text("SELECT count(*), count(DISTINCT local_id) FROM audit_entry")).one()
            samples = session.execute(text("SELECT count(*) FROM sample WHERE barcode LIKE 'PP-%'")).scalar_one()
            duplicates = session.execute(text("SELECT count(*) FROM mutation")).scalar_one()
        assert tuple(held) == (local_audit, local_audit)
        assert samples == 30 and duplicates == 31
    finally:
        sync.close()
        services.close()
