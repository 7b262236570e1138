"""Conflicts read in the workstation's language, whatever language the server wrote them in.

Two workstations make each kind of conflict against a real server on loopback while
English is in force (so the server words them in English); the inbox is then read
with German in force and must say the same in German, choices included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tracseq_desktop import i18n
from tracseq_desktop.domain.quantities import format_volume
from tracseq_desktop.server.loopback import RunningServer
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.sync.conflict_text import describe
from tracseq_desktop.sync.service import ConflictView, SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore

from .conftest import keeper_server

SITE = "LG"
_ = i18n._


@pytest.fixture
def server(sqlite_url: str) -> Iterator[RunningServer]:
    with keeper_server(sqlite_url, SITE) as running:
        yield running


@pytest.fixture
def pair(server: RunningServer, tmp_path: Path) -> Iterator[tuple[SyncService, SyncService]]:
    i18n.set_language("en")
    stations = []
    for name in ("north", "south"):
        services = open_services(tmp_path / f"{name}.db", actor=Actor("keeper", name))
        sync = SyncService(services, token_store=MemoryTokenStore())
        sync.login(server.url, "keeper", "password-1")
        stations.append(sync)
    first, second = stations
    loc = first._services.locations
    loc.create("site", SITE)
    loc.create("room", "LG-R", parent=SITE)
    loc.create("unit", "LG-F", parent="LG-R", unit_type="freezer-80")
    loc.create("rack", "LG-K", parent="LG-F")
    loc.create("box", "LG-B", parent="LG-K", geometry="3x3")
    first._services.samples.register_many(
        [
            SampleDraft("LG-1", "plasma", volume="3ml", box="LG-B", position="A1"),
            SampleDraft("LG-2", "plasma"),
            SampleDraft("LG-3", "plasma"),
        ]
    )
    first.sync_now()
    second.sync_now()
    try:
        yield first, second
    finally:
        i18n.set_language("en")
        for sync in stations:
            sync.close()
            sync._services.close()


def only_conflict(sync: SyncService) -> ConflictView:
    conflicts = sync.conflicts()
    assert len(conflicts) == 1, conflicts
    return conflicts[0]


def read_in_german(sync: SyncService) -> ConflictView:
    english = only_conflict(sync)
    i18n.set_language("de")
    german = only_conflict(sync)
    assert german.summary != english.summary
    assert [o.id for o in german.options] == [o.id for o in english.options]
    assert all(g.title != e.title for g, e in zip(german.options, english.options, strict=True))
    return german


def test_a_slot_collision_reads_in_german(pair: tuple[SyncService, SyncService]) -> None:
    first, second = pair
    first._services.samples.store("LG-2", "LG-B", "B2")
    second._services.samples.store("LG-3", "LG-B", "B2")
    first.sync_now()
    second.sync_now()
    english = only_conflict(second)
    assert english.summary == "LG-2 and LG-3 were both stored at LG-B:B2."

    german = read_in_german(second)
    template = _("{first} and {second} were both stored at {where}.")
    assert template != "{first} and {second} were both stored at {where}."  # the catalog has it
    assert german.summary == template.format(first="LG-2", second="LG-3", where="LG-B:B2")
    titles = {o.id: o.title for o in german.options}
    assert titles["keep_second"] == _("{second} goes to {where}; {first} is left without a place").format(
        first="LG-2", second="LG-3", where="LG-B:B2"
    )


def test_an_over_withdrawal_reads_in_german_with_german_numbers(pair: tuple[SyncService, SyncService]) -> None:
    first, second = pair
    first._services.samples.consume("LG-1", "1.5ml", reason="assay")
    second._services.samples.consume("LG-1", "2ml", reason="assay")
    first.sync_now()
    second.sync_now()

    german = read_in_german(second)
    held = format_volume(1_500_000)
    assert held == "1,5 mL"  # the German decimal comma
    assert german.summary == _(
        "{requested} were withdrawn from {barcode}, but the server holds only {available}."
    ).format(requested=format_volume(2_000_000), barcode="LG-1", available=held)


def test_a_move_after_a_discard_names_the_status_in_german(pair: tuple[SyncService, SyncService]) -> None:
    first, second = pair
    first._services.samples.discard("LG-1", reason="thawed")
    second._services.samples.move("LG-1", "LG-B", "C3", reason="tidy")
    first.sync_now()
    second.sync_now()
    assert "was discarded on the server" in only_conflict(second).summary

    german = read_in_german(second)
    status = _("discarded")
    assert status != "discarded"
    assert status in german.summary and "LG-B:C3" in german.summary


def test_unknown_kinds_options_or_facts_keep_the_servers_words() -> None:
    known: Callable[[str], str | None] = lambda _key: "discarded"  # noqa: E731
    subject = {"first": "u1", "first_barcode": "A", "second": "u2", "second_barcode": "B", "where": "X:A1"}
    assert describe("slot_collision", subject, ["keep_first", "keep_second"], known) is not None
    assert describe("slot_collision", subject, ["keep_first", "split_the_tube"], known) is None
    assert describe("time_travel", subject, [], known) is None
    assert describe("slot_collision", {**subject, "where": None}, ["keep_first"], known) is None
    move = {"sample": "u1", "barcode": "A", "order": "move_after_discard", "where": "X:A1"}
    assert describe("discard_versus_move", move, ["keep_discarded"], known) is not None
    assert describe("discard_versus_move", move, ["keep_discarded"], lambda _key: None) is None
    assert describe("over_withdrawal", {"barcode": "A", "requested": "lots", "available": 1}, ["drop"], known) is None
