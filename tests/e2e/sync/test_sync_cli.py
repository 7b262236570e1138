"""Done-when: a server and two workstations started with the real commands converge after offline
work on both, with a slot collision surfaced on both and resolved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sync.processes import STORAGE, create_user, ok, run, server_process


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "central.db")
    create_user(db, "ann", "ann-password")
    create_user(db, "bob", "bob-password", role="technician")
    with server_process(db) as url:
        yield url


def test_two_workstations_converge_and_resolve_a_slot_collision(server: str, tmp_path: Path) -> None:
    w1, w2 = tmp_path / "bench-1.db", tmp_path / "bench-2.db"
    ok(run(w2, "bob", "init"))
    for args in (("init",), *STORAGE):
        ok(run(w1, "ann", *args))
    ok(run(w1, "ann", "login", "--server", server, "--user", "ann", stdin="ann-password\n"))
    first = json.loads(ok(run(w1, "ann", "sync", "--json", stdin="ann-password\n")))
    assert (first["pushed"], first["applied"], first["rejected"]) == (7, 7, 0)
    ok(run(w2, "bob", "login", "--server", server, "--user", "bob", stdin="bob-password\n"))
    assert json.loads(ok(run(w2, "bob", "sync", "--json", stdin="bob-password\n")))["bootstrapped"] is True

    # offline on both: each puts a different tube at BOX-1 C4
    ok(run(w1, "ann", "store", "TUBE-1", "--box", "BOX-1", "--position", "C4"))
    ok(run(w2, "bob", "store", "TUBE-2", "--box", "BOX-1", "--position", "C4"))
    ok(run(w2, "bob", "edit", "TUBE-1", "--set", "project=P7"))

    ok(run(w1, "ann", "sync", stdin="ann-password\n"))
    second = json.loads(ok(run(w2, "bob", "sync", "--json", stdin="bob-password\n")))
    assert second["conflicts"] == 1
    [conflict] = second["new_conflicts"]
    assert conflict["kind"] == "slot_collision" and "C4" in conflict["summary"]
    text = ok(run(w1, "ann", "sync", stdin="ann-password\n"))
    assert "1 new conflict" in text and conflict["id"][:8] in text
    listed = json.loads(ok(run(w1, "ann", "conflicts", "--json")))
    assert [c["id"] for c in listed] == [conflict["id"]]

    ok(run(w1, "ann", "resolve", conflict["id"][:8], "--choose", "keep_second", "--reason", "C4 holds TUBE-2"))
    ok(run(w1, "ann", "sync", stdin="ann-password\n"))
    ok(run(w2, "bob", "sync", stdin="bob-password\n"))
    assert json.loads(ok(run(w2, "bob", "conflicts", "--json"))) == []
    for db, user in ((w1, "ann"), (w2, "bob")):
        one = json.loads(ok(run(db, user, "find", "TUBE-1", "--json")))
        two = json.loads(ok(run(db, user, "find", "TUBE-2", "--json")))
        assert (one.get("box"), one.get("project")) == (None, "P7"), db
        assert (two.get("box"), two.get("position")) == ("BOX-1", "C4"), db
