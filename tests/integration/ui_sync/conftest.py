"""Sync in the window against a real server on loopback (SQLite back end) and two workstation databases.

``ann`` works in the window under test; ``bob`` is a second workstation of the same site
driven through the same ``SyncService`` the command line uses. The server can be
stopped and started again on the same port, as a network going away and coming back.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.support.qtleaks import watch_qt_leaks
from tracseq_desktop.i18n import set_language
from tracseq_desktop.server.api import create_app, create_user
from tracseq_desktop.server.db import ServerDatabase, open_server_database
from tracseq_desktop.services.actor import Actor, utc_now
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.sync.service import SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import Role
from ui.settings import SettingsStore
from ui.sync.controller import RetrySchedule
from ui.theme import apply_theme
from ui.window import MainWindow

PASSWORDS = {"ann": "ann-password", "bob": "bob-password"}
#: Fast enough for tests: retries after 0.3 s, 0.6 s, … at most 1.2 s; a periodic sync every 30 s.
TEST_SCHEDULE = RetrySchedule(interval_s=30.0, first_retry_s=0.3, max_retry_s=1.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LoopbackServer:
    """The central server on a fixed loopback port; ``stop()`` and ``start()`` keep its database."""

    def __init__(self, db_path: Path) -> None:
        self.db: ServerDatabase = open_server_database(str(db_path))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: object | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(create_app(self.db), host="127.0.0.1", port=self.port, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="ui-sync-test-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.02)
        self._server, self._thread = server, thread

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True  # type: ignore[attr-defined]
        self._thread.join(timeout=20)
        assert not self._thread.is_alive(), "the loopback server did not stop"
        self._server, self._thread = None, None

    def close(self) -> None:
        self.stop()
        self.db.close()


@dataclass
class Station:
    services: Services
    tokens: MemoryTokenStore
    sync: SyncService


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackServer]:
    running = LoopbackServer(tmp_path / "server.db")
    running.start()
    create_user(running.db, "ann", PASSWORDS["ann"], Role.MANAGER, ["SITE-1"], utc_now())
    create_user(running.db, "bob", PASSWORDS["bob"], Role.TECHNICIAN, ["SITE-1"], utc_now())
    yield running
    running.close()


def build_site(services: Services) -> None:
    loc = services.locations
    loc.create("site", "SITE-1")
    loc.create("room", "ROOM-1", parent="SITE-1")
    loc.create("unit", "FRZ-1", parent="ROOM-1", unit_type="freezer-80")
    loc.create("rack", "RACK-1", parent="FRZ-1")
    loc.create("box", "BOX-1", parent="RACK-1", geometry="9x9")
    services.samples.register_many(
        [SampleDraft(f"TUBE-{n}", "plasma", volume="1ml", project="P-1") for n in range(1, 6)]
    )


def _station(path: Path, user: str) -> Station:
    services = open_services(path, actor=Actor(user, f"{user}-ws"))
    tokens = MemoryTokenStore()
    return Station(services, tokens, SyncService(services, token_store=tokens))


@pytest.fixture
def ann(tmp_path: Path, server: LoopbackServer) -> Iterator[Station]:
    """The window's workstation: built the site, signed in and synced once."""
    station = _station(tmp_path / "ann.db", "ann")
    build_site(station.services)
    station.sync.login(server.url, "ann", PASSWORDS["ann"])
    station.sync.sync_now()
    yield station
    station.sync.close()
    station.services.close()


@pytest.fixture
def bob(tmp_path: Path, server: LoopbackServer, ann: Station) -> Iterator[Station]:
    """The other workstation of the site, started from the server's snapshot."""
    station = _station(tmp_path / "bob.db", "bob")
    station.sync.login(server.url, "bob", PASSWORDS["bob"])
    assert station.sync.sync_now().bootstrapped
    yield station
    station.sync.close()
    station.services.close()


WindowFactory = Callable[[Services, MemoryTokenStore], MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path) -> Iterator[WindowFactory]:
    """Windows on a workstation database; each is closed afterwards and must leave no sync thread behind."""
    windows: list[MainWindow] = []

    def make(services: Services, tokens: MemoryTokenStore) -> MainWindow:
        apply_theme(QApplication.instance())  # type: ignore[arg-type]
        settings = SettingsStore(QSettings(str(tmp_path / f"settings-{len(windows)}.ini"), QSettings.Format.IniFormat))
        window = MainWindow(services, settings)
        settings.setParent(window)  # the test's settings go with its window
        window.camera.panel.cache_dir = tmp_path / "cache"
        window.sync.token_store = tokens
        window.sync.schedule = TEST_SCHEDULE
        qtbot.addWidget(window)
        window.resize(1280, 860)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.tasks.wait(10_000), "a worker job was still running after the window closed"
        thread = window.sync.controller.sync_thread
        assert not thread.isRunning(), "the sync thread outlived the window"


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads (the loopback server's too), pool jobs or timers behind."""
    yield from watch_qt_leaks(request.node)


@pytest.fixture(autouse=True)
def _english_again(_qt_leaks: None) -> Iterator[None]:
    """A test that switched the language leaves English for the next one (before the leak check)."""
    yield
    set_language("en")
