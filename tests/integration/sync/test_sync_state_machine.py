"""Three sites x two workstations work offline against a real server; after healing they all agree.

Each workstation is a real SQLite file with the real services; the server runs on
loopback (SQLite and PostgreSQL). Rules do random offline work, including deliberate
slot collisions, discard-versus-move, over-withdrawal and double scans, and sync with
random interruptions: the answer to a push lost after the server committed it, or a
crash between applying a pulled page and saving the cursor. Clocks are skewed by hours.
After healing and full syncs: every replica equals the server (checksum), every
intent reached the server exactly once, every audit entry is there exactly once, no
position holds two samples and every conflict reached every workstation of its site once.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from sqlalchemy import func, select, text

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.loopback import RunningServer, serve_in_thread
from tracseq_desktop.server.models import AuditRecord, Conflict, MutationRecord
from tracseq_desktop.server.models import Sample as ServerSample
from tracseq_desktop.server.states import site_states
from tracseq_desktop.services.actor import Actor, utc_now
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.store.models import SyncConflict, SyncOutbox
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.errors import Offline
from tracseq_desktop.sync.outbox import node_id
from tracseq_desktop.sync.replica import replica_states
from tracseq_desktop.sync.service import SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import Role, replica_checksum

POSITIONS = ("A1", "A2", "B1", "B2")
_examples = itertools.count()


class LossyTransport(httpx.HTTPTransport):
    """Forwards to the real server, then drops the next ``drop`` push answers (the server did commit)."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = 0
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.drop and request.url.path.endswith("/push"):
            response.read()
            response.close()
            self.drop -= 1
            self.dropped += 1
            raise httpx.ReadError("answer lost after the server committed", request=request)
        return response


@dataclass
class Station:
    name: str
    site: str
    services: Services
    sync: SyncService
    transport: LossyTransport
    announced: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  #: barcodes this workstation may work on


class SyncMachine(RuleBasedStateMachine):
    server: RunningServer
    root: Path

    def __init__(self) -> None:
        super().__init__()
        self.stations: list[Station] = []
        self.counter = itertools.count(1)

    @initialize(skews=st.lists(st.integers(-3 * 3600, 3 * 3600), min_size=6, max_size=6))
    def build(self, skews: list[int]) -> None:
        example = next(_examples)
        folder = self.root / f"ex{example}"
        folder.mkdir()
        for site_index in range(3):
            site = f"X{example}-S{site_index}"
            manager, tech = f"m{example}s{site_index}", f"t{example}s{site_index}"
            create_user(self.server.db, manager, "password-1", Role.MANAGER, [site], utc_now())
            create_user(self.server.db, tech, "password-2", Role.TECHNICIAN, [site], utc_now())
            for ws_index, (user, password) in enumerate(((manager, "password-1"), (tech, "password-2"))):
                skew = timedelta(seconds=skews[site_index * 2 + ws_index])
                services = open_services(
                    folder / f"{site}-{ws_index}.db",
                    actor=Actor(user, f"{site}-ws{ws_index}"),
                    clock=lambda skew=skew: utc_now() + skew,
                )
                transport = LossyTransport()
                sync = SyncService(
                    services,
                    token_store=MemoryTokenStore(),
                    client_factory=lambda url, ws, tokens, t=transport: SyncClient(url, ws, tokens, transport=t),
                )
                station = Station(f"{site}-ws{ws_index}", site, services, sync, transport)
                self.stations.append(station)
                if ws_index == 0:
                    self._build_site(station, site)
                sync.login(self.server.url, user, password)
                self._sync(station)
        for station in self.stations:  # the first workstation of each site pushed before the second logged in
            self._sync(station)

    def _build_site(self, station: Station, site: str) -> None:
        loc = station.services.locations
        loc.create("site", site)
        loc.create("room", f"{site}-R", parent=site)
        loc.create("unit", f"{site}-F", parent=f"{site}-R", unit_type="freezer-80")
        loc.create("rack", f"{site}-K", parent=f"{site}-F")
        for box in ("B1", "B2"):
            loc.create("box", f"{site}-{box}", parent=f"{site}-K", geometry="2x2")
        drafts = [SampleDraft(f"{site}-T{i}", "plasma", volume="1ml", project="P") for i in range(5)]
        station.services.samples.register_many(drafts)

    def _sync(self, station: Station) -> None:
        result = station.sync.sync_now()
        station.announced.extend(c.id for c in result.new_conflicts)

    def _station(self, index: int) -> Station:
        return self.stations[index % len(self.stations)]

    def _barcode(self, station: Station, index: int) -> str:
        site_codes = [f"{station.site}-T{i}" for i in range(5)] + station.samples
        return site_codes[index % len(site_codes)]

    def _try(self, action: Callable[[], object]) -> None:
        # refused locally (e.g. the position is taken here): no intent was written
        with contextlib.suppress(DomainError):
            action()

    # -- offline work ------------------------------------------------------------------------
    @rule(
        ws=st.integers(0, 5),
        sample=st.integers(0, 20),
        box=st.sampled_from(("B1", "B2")),
        pos=st.sampled_from(POSITIONS),
    )
    def store_or_move(self, ws: int, sample: int, box: str, pos: str) -> None:
        station = self._station(ws)
        code = self._barcode(station, sample)
        samples = station.services.samples

        def act() -> None:
            found = station.services.queries.find(code)
            if found is not None and found.box_label is None:
                samples.store(code, f"{station.site}-{box}", pos)
            else:
                samples.move(code, f"{station.site}-{box}", pos)

        self._try(act)

    @rule(
        site=st.integers(0, 2),
        sample=st.integers(0, 20),
        box=st.sampled_from(("B1", "B2")),
        pos=st.sampled_from(POSITIONS),
        same=st.booleans(),
    )
    def collide(self, site: int, sample: int, box: str, pos: str, same: bool) -> None:
        """Both workstations of a site put a tube in one position: the same tube (a double scan) or two."""
        first, second = self.stations[site * 2], self.stations[site * 2 + 1]
        codes = (self._barcode(first, sample), self._barcode(first, sample if same else sample + 1))
        for station, code in zip((first, second), codes, strict=True):
            self._try(lambda s=station, c=code: s.services.samples.move(c, f"{s.site}-{box}", pos))

    @rule(
        site=st.integers(0, 2),
        sample=st.integers(0, 20),
        box=st.sampled_from(("B1", "B2")),
        pos=st.sampled_from(POSITIONS),
    )
    def discard_versus_move(self, site: int, sample: int, box: str, pos: str) -> None:
        first, second = self.stations[site * 2], self.stations[site * 2 + 1]
        code = self._barcode(first, sample)
        self._try(lambda: first.services.samples.discard(code, reason="broken tube"))
        self._try(lambda: second.services.samples.move(code, f"{second.site}-{box}", pos))

    @rule(ws=st.integers(0, 5), sample=st.integers(0, 20), microlitres=st.integers(100, 700))
    def withdraw(self, ws: int, sample: int, microlitres: int) -> None:
        station = self._station(ws)
        code = self._barcode(station, sample)
        self._try(lambda: station.services.samples.consume(code, f"{microlitres}ul"))

    @rule(ws=st.integers(0, 5), sample=st.integers(0, 20))
    def unstore(self, ws: int, sample: int) -> None:
        station = self._station(ws)
        code = self._barcode(station, sample)
        self._try(lambda: station.services.samples.unstore(code, reason="stored by mistake"))

    @rule(ws=st.integers(0, 5), sample=st.integers(0, 20), project=st.sampled_from(("P", "Q", "R")))
    def edit(self, ws: int, sample: int, project: str) -> None:
        station = self._station(ws)
        code = self._barcode(station, sample)
        self._try(lambda: station.services.samples.edit(code, {"project": project, "attributes": {"k": project}}))

    @rule(ws=st.integers(0, 5), sample=st.integers(0, 20), back=st.booleans())
    def check_out_or_in(self, ws: int, sample: int, back: bool) -> None:
        station = self._station(ws)
        code = self._barcode(station, sample)
        if back:
            self._try(lambda: station.services.samples.check_in(code))
        else:
            self._try(lambda: station.services.samples.check_out(code, reason="assay"))

    @rule(ws=st.integers(0, 5), box=st.sampled_from(("B1", "B2", None)), pos=st.sampled_from(POSITIONS))
    def register(self, ws: int, box: str | None, pos: str) -> None:
        station = self._station(ws)
        code = f"{station.name}-N{next(self.counter)}"
        draft = SampleDraft(
            code, "serum", volume="500ul", box=f"{station.site}-{box}" if box else None, position=pos if box else None
        )
        try:
            station.services.samples.register(draft)
        except DomainError:
            return
        for peer in self.stations:
            if peer.site == station.site:
                peer.samples.append(code)

    @rule(ws=st.integers(0, 5), pick=st.integers(0, 10), option=st.integers(0, 1))
    def resolve(self, ws: int, pick: int, option: int) -> None:
        station = self._station(ws)
        open_ones = station.sync.conflicts()
        if not open_ones:
            return
        conflict = open_ones[pick % len(open_ones)]
        choice = conflict.options[option % len(conflict.options)].id
        station.sync.resolve(conflict.id, choice, "checked the freezer")

    @rule(
        ws=st.integers(0, 5),
        trouble=st.sampled_from(("none", "none", "lost_answer", "lost_twice", "crash_before_cursor")),
    )
    def sync(self, ws: int, trouble: str) -> None:
        station = self._station(ws)
        if trouble == "lost_answer":
            station.transport.drop = 1  # the engine retries and the server answers "duplicate"
        elif trouble == "lost_twice":
            station.transport.drop = 3  # every retry lost: the sync fails, the outbox keeps its intents
        elif trouble == "crash_before_cursor":

            def crash() -> None:
                station.sync.before_cursor_saved = None
                raise RuntimeError("power cut between applying a page and saving the cursor")

            station.sync.before_cursor_saved = crash
        try:
            self._sync(station)
        except (Offline, RuntimeError):
            pass
        finally:
            station.transport.drop = 0
            station.sync.before_cursor_saved = None

    # -- healing and checking ---------------------------------------------------------------------
    def teardown(self) -> None:
        try:
            if len(self.stations) == 6:
                for _round in range(3):
                    for station in self.stations:
                        self._sync(station)
                self._check()
        finally:
            for station in self.stations:
                station.sync.close()
                station.services.close()

    def _check(self) -> None:
        db = self.server.db
        for station in self.stations:
            with db.reading() as session:
                expected = replica_checksum(*site_states(session, [station.site]))
                server_conflicts = set(session.scalars(select(Conflict.id).where(Conflict.site == station.site)))
            with station.services.db.reading() as local:
                assert replica_checksum(*replica_states(local)) == expected, station.name
                workstation = node_id(local)
                outbox = {(r.seq, r.key) for r in local.scalars(select(SyncOutbox))}
                assert not local.scalar(
                    select(func.count()).select_from(SyncOutbox).where(SyncOutbox.status == "pending")
                )
                audit_ids = [int(r[0]) for r in local.execute(text("SELECT id FROM audit_entry ORDER BY id"))]
                local_conflicts = set(local.scalars(select(SyncConflict.id)))
                doubled = local.execute(
                    text("SELECT box_id, pos_row, pos_col FROM sample WHERE box_id IS NOT NULL AND pos_row IS NOT NULL"
                         " GROUP BY 1, 2, 3 HAVING count(*) > 1")
                ).all()  # fmt: skip
            assert doubled == [], station.name
            with db.reading() as session:
                received = {
                    (r.seq, r.key)
                    for r in session.scalars(select(MutationRecord).where(MutationRecord.workstation_id == workstation))
                }
                server_audit = list(
                    session.scalars(select(AuditRecord.local_id).where(AuditRecord.workstation_id == workstation))
                )
            assert received == outbox, f"{station.name}: intents lost or doubled"
            assert sorted(s for s, _k in received) == list(range(1, len(received) + 1))
            assert sorted(server_audit) == audit_ids, f"{station.name}: audit entries lost or doubled"
            assert local_conflicts == server_conflicts, station.name
            assert sorted(station.announced) == sorted(server_conflicts), f"{station.name}: conflicts shown != once"
        with db.reading() as session:
            doubled = session.execute(
                select(ServerSample.box, ServerSample.row, ServerSample.col)
                .where(ServerSample.box.is_not(None), ServerSample.row.is_not(None))
                .group_by(ServerSample.box, ServerSample.row, ServerSample.col)
                .having(func.count() > 1)
            ).all()
        assert doubled == []
        if os.environ.get("TRACSEQ_SYNC_STATS"):
            with db.reading() as session:
                kinds = session.execute(text("SELECT outcome, count(*) FROM mutation GROUP BY outcome")).all()
                conflicts = session.execute(text("SELECT kind, status, count(*) FROM conflict GROUP BY 1, 2")).all()
            dropped = sum(s.transport.dropped for s in self.stations)
            sys.stderr.write(f"outcomes={kinds} conflicts={conflicts} dropped={dropped}\n")


def _run(server: RunningServer, root: Path, examples: int, steps: int) -> None:
    SyncMachine.server, SyncMachine.root = server, root
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=False,
        ),
    )


@pytest.fixture
def sqlite_server(sqlite_url: str) -> Iterator[RunningServer]:
    with serve_in_thread(sqlite_url) as server:
        yield server


@pytest.fixture
def pg_server(pg_url: str) -> Iterator[RunningServer]:
    with serve_in_thread(pg_url) as server:
        yield server


@pytest.mark.slow
def test_replicas_converge_against_sqlite_server(sqlite_server: RunningServer, tmp_path: Path) -> None:
    _run(sqlite_server, tmp_path, examples=6, steps=30)


@pytest.mark.slow
@pytest.mark.postgres
def test_replicas_converge_against_postgresql_server(pg_server: RunningServer, tmp_path: Path) -> None:
    _run(pg_server, tmp_path, examples=4, steps=30)


def test_skewed_clock_moves_the_stamp_but_not_the_order(tmp_path: Path, sqlite_url: str) -> None:
    """A workstation three hours ahead still sees its stamps ordered after what it observed."""
    ahead = open_services(tmp_path / "ahead.db", actor=Actor("a", "w"), clock=lambda: utc_now() + timedelta(hours=3))
    try:
        ahead.locations.create("site", "SKEW")
        with ahead.db.reading() as session:
            stamp = session.scalar(select(SyncOutbox.hlc))
        assert stamp is not None
        wall = int(stamp.split("-")[0])
        assert wall > int((datetime.now().timestamp() + 2 * 3600) * 1000)
    finally:
        ahead.close()
