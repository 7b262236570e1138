"""Done-when: a server and two workstations started with the real commands converge after offline
work on both, with a slot collision surfaced on both and resolved."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(user: str, station: str) -> dict[str, str]:
    env = dict(os.environ)
    # no keyring here: tokens live in memory per process, so each command reads the password from stdin
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", TRACSEQ_USER=user, TRACSEQ_WORKSTATION=station)
    return env


def run(db: Path, user: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "tracseq"), "--db", str(db), *args],
        input=stdin, capture_output=True, text=True, env=_env(user, db.stem), timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    db = tmp_path / "central.db"
    for name, password, role in (("ann", "ann-password", "manager"), ("bob", "bob-password", "technician")):
        made = subprocess.run(
            [str(BIN / "tracseq-server"), "create-user", name, "--site", "SITE-1", "--role", role, "--db", str(db)],
            input=password + "\n", capture_output=True, text=True, timeout=60, check=False,
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


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_two_workstations_converge_and_resolve_a_slot_collision(server: str, tmp_path: Path) -> None:
    w1, w2 = tmp_path / "bench-1.db", tmp_path / "bench-2.db"
    ok(run(w2, "bob", "init"))
    for args in (
        ("init",),
        ("location", "add", "site", "SITE-1"),
        ("location", "add", "room", "ROOM-1", "--parent", "SITE-1"),
        ("location", "add", "unit", "FRZ-1", "--parent", "ROOM-1", "--unit-type", "freezer-80"),
        ("location", "add", "rack", "RACK-1", "--parent", "FRZ-1"),
        ("location", "add", "box", "BOX-1", "--parent", "RACK-1", "--geometry", "9x9"),
        ("register", "TUBE-1", "--type", "plasma", "--volume", "1ml"),
        ("register", "TUBE-2", "--type", "plasma", "--volume", "1ml"),
    ):
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
