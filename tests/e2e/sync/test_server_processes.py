"""Server processes are stateless: two ``tracseq-server`` processes on one PostgreSQL act as one server.

Both start at once on a fresh database (migrations and seeding take an advisory lock),
a token one issued works on the other, and two workstations, each talking to its own
process as a load balancer might send them, converge after offline work with a slot
collision surfaced and resolved.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.sync.processes import STORAGE, create_user, ok, run, server_processes
from tests.support.postgres import fresh_pg_database


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    with fresh_pg_database() as db, server_processes(db, 2) as (first, second):  # both migrate at once
        for name, password in (("ann", "ann-password"), ("bob", "bob-password")):
            create_user(db, name, password)
        yield first, second


def test_a_token_from_one_process_works_on_the_other(servers: tuple[str, str]) -> None:
    first, second = servers
    login = httpx.post(
        first + "/v1/auth/login",
        json={"user": "ann", "password": "ann-password", "workstation": str(uuid.uuid4()), "workstation_name": "bench"},
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    me = httpx.get(second + "/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["user"] == "ann"
    refreshed = httpx.post(second + "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    replayed = httpx.post(first + "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replayed.status_code == 401  # rotation is in the database, not in one process


def test_workstations_on_different_processes_converge(servers: tuple[str, str], tmp_path: Path) -> None:
    north, south = servers
    w1, w2 = tmp_path / "bench-1.db", tmp_path / "bench-2.db"
    ok(run(w2, "bob", "init"))
    for args in (("init",), *STORAGE):
        ok(run(w1, "ann", *args))
    ok(run(w1, "ann", "login", "--server", north, "--user", "ann", stdin="ann-password\n"))
    ok(run(w1, "ann", "sync", stdin="ann-password\n"))
    ok(run(w2, "bob", "login", "--server", south, "--user", "bob", stdin="bob-password\n"))
    assert json.loads(ok(run(w2, "bob", "sync", "--json", stdin="bob-password\n")))["bootstrapped"] is True

    ok(run(w1, "ann", "store", "TUBE-1", "--box", "BOX-1", "--position", "C4"))
    ok(run(w2, "bob", "store", "TUBE-2", "--box", "BOX-1", "--position", "C4"))
    ok(run(w1, "ann", "sync", stdin="ann-password\n"))
    second = json.loads(ok(run(w2, "bob", "sync", "--json", stdin="bob-password\n")))
    [conflict] = second["new_conflicts"]
    assert conflict["kind"] == "slot_collision"
    seen = json.loads(ok(run(w1, "ann", "sync", "--json", stdin="ann-password\n")))
    assert [c["id"] for c in seen["new_conflicts"]] == [conflict["id"]]

    ok(run(w2, "bob", "resolve", conflict["id"][:8], "--choose", "keep_first", "--reason", "TUBE-1 was first"))
    ok(run(w2, "bob", "sync", stdin="bob-password\n"))
    ok(run(w1, "ann", "sync", stdin="ann-password\n"))
    for db, user in ((w1, "ann"), (w2, "bob")):
        assert json.loads(ok(run(db, user, "conflicts", "--json"))) == []
        one = json.loads(ok(run(db, user, "find", "TUBE-1", "--json")))
        two = json.loads(ok(run(db, user, "find", "TUBE-2", "--json")))
        assert (one.get("box"), one.get("position")) == ("BOX-1", "C4"), db
        assert two.get("box") is None, db
