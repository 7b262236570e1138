"""The change feed is numbered per site: pushes to different sites do not queue behind each other.

Real servers on loopback (SQLite file and PostgreSQL): the pull cursor moves per site,
an old single-number cursor still works, a malformed one is refused with a reason, a
push to one site goes through while another site's counter is held (PostgreSQL row
locks), and migrating a database from the single counter keeps every change and every
old cursor valid.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.integration.sync.test_server_api import Session, mutation, sign_in
from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.db import open_server_database, upgrade
from tracseq_desktop.server.loopback import RunningServer, serve_in_thread
from tracseq_desktop.services.actor import utc_now
from tracseq_desktop.sync.wire import PullResponse, Role, cursor_text


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    with serve_in_thread(url) as running:
        create_user(running.db, "north", "north-pass", Role.MANAGER, ["NORTH"], utc_now())
        create_user(running.db, "south", "south-pass", Role.MANAGER, ["SOUTH"], utc_now())
        create_user(running.db, "both", "both-pass", Role.ADMIN, ["NORTH", "SOUTH"], utc_now())
        yield running


def push(who: Session, batch: list[dict[str, object]]) -> list[str]:
    answer = who.http.post("/v1/push", json={"mutations": batch}, headers=who.headers())
    assert answer.status_code == 200, answer.text
    return [r["outcome"] for r in answer.json()["results"]]


def rooms(seq_from: int, site: str, count: int) -> list[dict[str, object]]:
    """A site location first (when ``seq_from`` is 1), then rooms in it."""
    batch: list[dict[str, object]] = []
    parent = str(uuid.uuid5(uuid.NAMESPACE_DNS, site))
    seq = seq_from
    if seq_from == 1:
        batch.append(mutation(1, "location.create", {"uuid": parent, "kind": "site", "label": site}))
        seq = 2
    for n in range(count):
        label = f"{site}-R{seq}-{n}"
        batch.append(mutation(seq + n, "location.create", {"uuid": str(uuid.uuid4()), "kind": "room", "label": label,
                                                           "parent": parent}))  # fmt: skip
    return batch


def pull(who: Session, after: str, limit: int = 1000) -> PullResponse:
    answer = who.http.get("/v1/changes", params={"after": after, "limit": limit}, headers=who.headers())
    assert answer.status_code == 200, answer.text
    return PullResponse.model_validate_json(answer.content)


def test_the_cursor_moves_per_site_and_pages_cover_each_site_once(server: RunningServer) -> None:
    north, south, both = (sign_in(server, u, f"{u}-pass") for u in ("north", "south", "both"))
    assert push(north, rooms(1, "NORTH", 3)) == ["applied"] * 4
    assert push(south, rooms(1, "SOUTH", 2)) == ["applied"] * 3
    assert push(north, rooms(5, "NORTH", 2)) == ["applied"] * 2

    whole = pull(both, "")
    assert not whole.more
    assert set(whole.cursor) == {"NORTH", "SOUTH"}
    assert whole.cursor["SOUTH"] - min(c.seq for c in whole.changes if c.data and c.data["site"] == "SOUTH") == 2
    seen: list[str] = []
    cursor = "0"  # a number: the same for every site (what workstations held before)
    for _page in range(20):
        page = pull(both, cursor, limit=2)
        assert len(page.changes) <= 2
        seen += [c.key for c in page.changes]
        cursor = cursor_text(page.cursor)
        if not page.more:
            break
    assert sorted(seen) == sorted(c.key for c in whole.changes) and len(seen) == len(set(seen)) == 9
    assert pull(both, cursor).changes == []

    only_north = pull(north, "")
    assert set(only_north.cursor) == {"NORTH"} and len(only_north.changes) == 6
    after_north = pull(both, '{"NORTH":' + str(only_north.cursor["NORTH"]) + "}")
    assert {c.data["site"] for c in after_north.changes if c.data} == {"SOUTH"}


@pytest.mark.parametrize(
    "cursor",
    [
        "north",
        '{"NORTH": -1}',
        '{"NORTH": "3"}',
        "[1, 2]",
        '{"": 1}',
        "{" + ",".join(f'"S{i}":1' for i in range(1001)) + "}",
    ],
)
def test_a_malformed_cursor_is_refused_with_a_reason(server: RunningServer, cursor: str) -> None:
    north = sign_in(server, "north", "north-pass")
    answer = north.http.get("/v1/changes", params={"after": cursor}, headers=north.headers())
    assert answer.status_code == 422
    assert "cursor" in answer.text


def test_a_push_to_one_site_does_not_wait_for_another_sites_push(server: RunningServer) -> None:
    north, south = sign_in(server, "north", "north-pass"), sign_in(server, "south", "south-pass")
    push(north, rooms(1, "NORTH", 1))
    push(south, rooms(1, "SOUTH", 1))
    if server.db.is_sqlite:
        return  # BEGIN IMMEDIATE serialises every writer; nothing more to show here
    with server.db.writing() as held:  # a long push to NORTH, holding its counter
        server.db.lock_counters(held, ["NORTH"])
        answer = south.http.post("/v1/push", json={"mutations": rooms(3, "SOUTH", 1)}, headers=south.headers(),
                                 timeout=10)  # fmt: skip
        assert answer.status_code == 200 and answer.json()["results"][0]["outcome"] == "applied"
        waiting: list[httpx.Response] = []
        blocked = threading.Thread(
            target=lambda: waiting.append(
                north.http.post(
                    "/v1/push", json={"mutations": rooms(3, "NORTH", 1)}, headers=north.headers(), timeout=20
                )
            )
        )
        blocked.start()
        blocked.join(timeout=1.5)
        assert blocked.is_alive() and not waiting  # the same site queues behind the held counter
    blocked.join(timeout=20)
    assert waiting and waiting[0].json()["results"][0]["outcome"] == "applied"


def test_migrating_from_the_single_counter_keeps_changes_and_old_cursors(sqlite_url: str) -> None:
    engine = create_engine(f"sqlite:///{sqlite_url}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO counter (name, value) VALUES ('change', 7)"))
        conn.execute(text("INSERT INTO site (code, created_at) VALUES ('NORTH', '2026-01-01T00:00:00.000000Z')"))
        conn.execute(text("INSERT INTO site (code, created_at) VALUES ('SOUTH', '2026-01-01T00:00:00.000000Z')"))
        for seq, site in ((3, "NORTH"), (5, "SOUTH"), (7, "NORTH")):
            conn.execute(
                text(
                    "INSERT INTO change (seq, site, entity_type, key, data) VALUES (:seq, :site, 'location', :key, NULL)"
                ),
                {"seq": seq, "site": site, "key": str(uuid.uuid4())},
            )
    engine.dispose()
    db = open_server_database(sqlite_url)
    try:
        with db.reading() as session:
            held = session.execute(text("SELECT site, seq FROM change ORDER BY seq")).all()
            counters = dict(session.execute(text("SELECT site, value FROM change_counter")).all())
            tables = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")))
        assert [tuple(r) for r in held] == [("NORTH", 3), ("SOUTH", 5), ("NORTH", 7)]
        assert counters == {"NORTH": 7, "SOUTH": 7}  # every later change numbers above an old cursor
        assert "counter" not in tables
        with db.writing() as session:
            assert db.lock_counters(session, ["SOUTH", "EAST"]) == {"EAST": 7, "SOUTH": 7}  # a new site too
            assert db.advance_counter(session, "SOUTH", 2) == 9
    finally:
        db.close()
