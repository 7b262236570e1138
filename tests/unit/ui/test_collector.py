"""Cyclic garbage is freed on the GUI thread while the collector runs, never on a worker."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest
from pytestqt.qtbot import QtBot

from ui.collector import GuiThreadCollector

KEPT: list[object] = []


class Cycle:
    """Garbage only the cyclic collector can free; notes the thread that freed it."""

    freed_on: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.get_ident())


def litter_on_a_worker() -> int:
    """A worker thread makes one cycle, then allocates far past every threshold; returns its id."""
    ident: list[int] = []

    def work() -> None:
        ident.append(threading.get_ident())
        Cycle()
        KEPT.append([[] for _ in range(gc.get_threshold()[0] * 5)])  # kept: allocations minus frees count

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return ident[0]


@pytest.fixture
def fresh() -> Iterator[None]:
    enabled = gc.isenabled()  # the Qt suites' leak check turns it off during a test
    gc.collect()
    Cycle.freed_on.clear()
    yield
    KEPT.clear()
    gc.collect()
    (gc.enable if enabled else gc.disable)()


def test_without_it_a_worker_may_free_the_cycle(fresh: None) -> None:
    gc.enable()
    worker = litter_on_a_worker()
    assert Cycle.freed_on == [worker]  # what the collector is there to prevent


def test_with_it_the_gui_thread_frees_the_cycle(qtbot: QtBot, fresh: None) -> None:
    gc.enable()
    collector = GuiThreadCollector()
    collector.start()
    try:
        assert not gc.isenabled()
        litter_on_a_worker()
        assert Cycle.freed_on == []
        qtbot.waitUntil(lambda: bool(Cycle.freed_on), timeout=5_000)  # its timer collects
        assert Cycle.freed_on == [threading.get_ident()]
        assert sum(collector.collections) >= 1
    finally:
        collector.stop()
    assert gc.isenabled()


def test_stop_leaves_automatic_collection_as_it_found_it(qtbot: QtBot, fresh: None) -> None:
    gc.disable()
    collector = GuiThreadCollector()
    collector.start()
    collector.stop()
    assert not gc.isenabled()
