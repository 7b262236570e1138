"""The real commands as separate processes: ``tracseq-server`` and ``tracseq``, for the end-to-end sync tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    return _free_ports(1)[0]


def run(db: Path, user: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``tracseq --db DB ARGS`` as ``user`` on a workstation named after the file."""
    env = dict(os.environ)
    # no keyring here: tokens live in memory per process, so each command reads the password from stdin
    env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", TRACSEQ_USER=user, TRACSEQ_WORKSTATION=db.stem)
    return subprocess.run(
        [str(BIN / "tracseq"), "--db", str(db), *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def create_user(db: str, name: str, password: str, role: str = "manager", site: str = "SITE-1") -> None:
    made = subprocess.run(
        [str(BIN / "tracseq-server"), "create-user", name, "--site", site, "--role", role, "--db", db],
        input=password + "\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


@contextmanager
def server_process(db: str) -> Iterator[str]:
    """``tracseq-server --db DB`` on a free loopback port, until the block ends; yields its URL."""
    with server_processes(db, 1) as urls:
        yield urls[0]


@contextmanager
def server_processes(db: str, count: int) -> Iterator[list[str]]:
    """``count`` server processes on one database, all started before any is ready; yields their URLs.

    A port is chosen free but bound only by the server a moment later; should something
    else take it meanwhile, that server exits and is started again on another port.
    """
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        ports = _free_ports(count)
        started = [_start(db, port) for port in ports]
        for index in range(count):
            for _attempt in range(3):
                url, process = started[index]
                if _wait_healthy(url, process):
                    break
                started[index] = _start(db, free_port())
            else:
                raise RuntimeError(f"tracseq-server did not start on {db}")
        yield [url for url, _process in started]
    finally:
        for _url, process in started:
            process.terminate()
        for _url, process in started:
            process.wait(timeout=20)


def _free_ports(count: int) -> list[int]:
    """``count`` different free ports (all held while choosing, so none is handed out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _start(db: str, port: int) -> tuple[str, subprocess.Popen[bytes]]:
    process = subprocess.Popen([str(BIN / "tracseq-server"), "--db", db, "--port", str(port)])
    return f"http://127.0.0.1:{port}", process


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> bool:
    """True once the server answers; False if it exited first (its port was taken)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/v1/health").status_code == 200:
                return process.poll() is None
        except httpx.TransportError:
            if process.poll() is not None:
                return False
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


#: a site with one 9x9 box and two unplaced tubes, as ``tracseq`` commands
STORAGE = (
    ("location", "add", "site", "SITE-1"),
    ("location", "add", "room", "ROOM-1", "--parent", "SITE-1"),
    ("location", "add", "unit", "FRZ-1", "--parent", "ROOM-1", "--unit-type", "freezer-80"),
    ("location", "add", "rack", "RACK-1", "--parent", "FRZ-1"),
    ("location", "add", "box", "BOX-1", "--parent", "RACK-1", "--geometry", "9x9"),
    ("register", "TUBE-1", "--type", "plasma", "--volume", "1ml"),
    ("register", "TUBE-2", "--type", "plasma", "--volume", "1ml"),
)
