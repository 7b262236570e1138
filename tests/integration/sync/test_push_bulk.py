"""The bulk path of a push gives exactly what the per-intent path gives (SQLite and PostgreSQL).

One batch mixes clean registrations with every way a registration can go wrong or
clash (taken id, barcode or place, full gridless box, unknown or retired box, unknown
parent, bad arguments, impossible dates, a sequence gap, a write the database itself
refuses), interleaved with other intents, then places, swaps, check-outs and check-ins,
withdrawals, discards, edits and location changes with every outcome their handlers give
(these go one by one, on rows the bulk path preloads for the batch); it is pushed through
``feed.push`` with and without the bulk path into two fresh databases, then replayed.
Outcomes, reasons, server rows, mutation records, field history and the change feed must
be identical.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from tracseq_desktop.server import feed
from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.db import ServerDatabase, open_server_database
from tracseq_desktop.server.models import UserAccount, Workstation
from tracseq_desktop.store.types import canonical_json, to_utc_text
from tracseq_desktop.sync import wire

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AT = "2026-03-01T11:00:00.000000Z"
WS = str(uuid.UUID(int=1))


def uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


class Batch:
    def __init__(self) -> None:
        self.seq = itertools.count(1)
        self.mutations: list[wire.Mutation] = []

    def add(
        self, kind: str, args: dict[str, Any], *, seq: int | None = None, at: str = AT, expect_place: str | None = None
    ) -> None:
        n = len(self.mutations)
        expect = {} if expect_place is None else {"box": expect_place, "row": None, "col": None}
        self.mutations.append(
            wire.Mutation(
                key=uid(f"key-{n}"), seq=seq if seq is not None else next(self.seq), operation_id=uid(f"op-{n}"),
                kind=wire.IntentKind(kind), args=args, expect=expect, hlc=f"{1767225600000 + n:016d}-00000-{WS}",
                at=at, actor="tester",
            )
        )  # fmt: skip

    def operation_of_last(self, count: int) -> None:
        """The last ``count`` intents become one operation (a grouped move)."""
        op = self.mutations[-count].operation_id
        for i in range(len(self.mutations) - count + 1, len(self.mutations)):
            self.mutations[i] = self.mutations[i].model_copy(update={"operation_id": op})

    def location(self, name: str, kind: str, parent: str | None, **extra: Any) -> None:
        args = {"uuid": uid(name), "kind": kind, "label": name, "parent": uid(parent) if parent else None, **extra}
        self.add("location.create", args)

    def register(self, name: str, barcode: str | None = None, **extra: Any) -> None:
        args: dict[str, Any] = {"uuid": uid(name), "barcode": barcode or name, "sample_type": "plasma", **extra}
        self.add("sample.register", args)


def the_batch() -> Batch:
    b = Batch()
    b.location("S", "site", None)
    b.location("S-R", "room", "S")
    b.location("S-F", "unit", "S-R", unit_type="freezer-80")
    b.location("S-K", "rack", "S-F")
    b.location("GRID", "box", "S-K", rows=2, cols=2)
    b.location("BAG", "box", "S-K", capacity=2)
    b.location("OLD", "box", "S-K", rows=1, cols=1)
    b.add("location.retire", {"uuid": uid("OLD")})
    for i in range(5):
        b.register(f"plain-{i}", volume_nl=1000 * i, attributes={"n": i} if i % 2 else {})
    b.register("first", box=uid("GRID"), row=0, col=0)
    b.register("second", box=uid("GRID"), row=0, col=0)  # slot collision: a conflict
    b.register("outside", box=uid("GRID"), row=5, col=0)  # no such position
    b.register("no-position", box=uid("GRID"))  # a grid box needs one
    b.register("bag-1", box=uid("BAG"))
    b.register("bag-2", box=uid("BAG"))
    b.register("bag-3", box=uid("BAG"))  # full: a conflict
    b.register("bag-place", box=uid("BAG"), row=0, col=0)  # gridless: no position allowed
    b.register("copy", barcode="plain-1")  # barcode taken
    b.register("plain-2", barcode="other-barcode")  # id taken
    b.register("child", parent=uid("plain-0"), project="P1", owner="me", collected_at=AT)
    b.register("grandchild", parent=uid("child"))
    b.register("orphan", parent=uid("nobody"))
    b.register("lost", box=uid("nowhere"), row=0, col=0)
    b.register("retired", box=uid("OLD"), row=0, col=0)
    b.register("not-a-box", box=uid("S-K"))
    b.register("bad-args", volume_nl=-5)
    b.register("bad-date", expires_at="2026-02-30T00:00:00.000000Z")
    b.register("before-refused", project="P2")  # written with the refused one, so rolled back and done again
    b.register("refused", project="REFUSE")  # the database's own trigger/constraint says no
    b.register("after-refused", box=uid("GRID"), row=1, col=1)
    b.add("sample.place", {"uuid": uid("plain-3"), "action": "store", "box": uid("GRID"), "row": 0, "col": 1})
    b.register("into-placed", box=uid("GRID"), row=0, col=1)  # taken by the place just before: a conflict
    b.register("fine-again", box=uid("GRID"), row=1, col=0)
    other_intents(b)
    b.add("sample.register", {"uuid": uid("gap"), "barcode": "gap", "sample_type": "plasma"}, seq=99)
    b.add("sample.register", {"uuid": uid("after-gap"), "barcode": "after-gap", "sample_type": "plasma"}, seq=100)
    return b


def other_intents(b: Batch) -> None:
    """Intents that go one by one, on rows the batch preloads: every outcome their handlers give."""
    grid, bag = uid("GRID"), uid("BAG")

    def place(name: str, box: str, row: int | None, col: int | None, **extra: Any) -> None:
        b.add("sample.place", {"uuid": uid(name), "action": "move", "box": box, "row": row, "col": col, **extra})

    place("plain-4", grid, 1, 1)  # taken by after-refused: a conflict
    place("plain-0", grid, 0, 1, action="store")  # taken by plain-3: a conflict
    place("fine-again", grid, 0, 0)  # taken by first: a conflict
    place("first", bag, None, None)  # the bag is full: a conflict
    place("nobody", grid, 1, 0)  # unknown sample
    place("first", uid("OLD"), 0, 0)  # retired box
    place("first", grid, 9, 9)  # no such position
    b.add("sample.place", {"uuid": uid("bag-1"), "action": "move", "box": grid, "row": 1, "col": 0}, expect_place=grid)
    for name, row, col in (("first", 0, 1), ("plain-3", 0, 0)):  # a swap, as one grouped move
        b.add("sample.place", {"uuid": uid(name), "action": "move", "box": grid, "row": row, "col": col, "group": True})
    b.operation_of_last(2)
    b.add("sample.unplace", {"uuid": uid("fine-again")})
    b.add("sample.status", {"uuid": uid("plain-1"), "status": "checked_out", "reason": "assay"})
    b.add("sample.status", {"uuid": uid("plain-1"), "status": "checked_out"})  # twice: nothing more
    b.add("sample.place", {"uuid": uid("plain-1"), "action": "check_in", "box": bag, "freeze_thaw_delta": 1})  # full
    place("plain-1", grid, 1, 0, action="check_in", freeze_thaw_delta=1)
    b.add("sample.withdraw", {"uuid": uid("plain-2"), "amount_nl": 500})
    b.add("sample.withdraw", {"uuid": uid("plain-2"), "amount_nl": 5000})  # more than held: a conflict
    b.add("sample.withdraw", {"uuid": uid("plain-2"), "amount_nl": 1500})  # exactly the rest: consumed
    b.add("sample.withdraw", {"uuid": uid("child"), "amount_nl": 5})  # no recorded volume
    b.add("sample.status", {"uuid": uid("plain-2"), "status": "checked_out"})  # consumed: rejected
    b.add("sample.place", {"uuid": uid("plain-2"), "action": "move", "box": grid, "row": 1, "col": 1})  # versus use
    b.add("sample.status", {"uuid": uid("grandchild"), "status": "discarded", "reason": "spilt"})
    b.add("sample.status", {"uuid": uid("bag-2"), "status": "discarded"}, expect_place=grid)  # moved meanwhile
    b.add("sample.unplace", {"uuid": uid("bag-1")}, expect_place=grid)  # not where this workstation saw it
    b.add("sample.edit", {"uuid": uid("child"), "fields": {"project": "P9", "attributes": {"visit": "w4"}}})
    b.add("sample.edit", {"uuid": uid("child"), "fields": {"barcode": "nope"}})  # not editable
    b.add("sample.edit", {"uuid": uid("grandchild"), "fields": {"project": "P9"}})  # discarded: closed
    b.add("location.update", {"uuid": grid, "name": "the grid"})
    b.add("location.move", {"uuid": bag, "parent": uid("S-R")})  # a box cannot sit in a room


def refuse_writes(db: ServerDatabase) -> None:
    """Make the database itself refuse one value, as a real constraint would."""
    with db.writing() as session:
        if db.is_sqlite:
            session.execute(
                text(
                    "CREATE TRIGGER refuse_project BEFORE INSERT ON sample WHEN NEW.project = 'REFUSE'"
                    " BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            session.execute(
                text("ALTER TABLE sample ADD CONSTRAINT refuse_project CHECK (project IS NULL OR project <> 'REFUSE')")
            )


def push_all(url: str, *, bulk: bool) -> dict[str, Any]:
    db = open_server_database(url)
    try:
        refuse_writes(db)
        create_user(db, "tester", "password-1", wire.Role.MANAGER, ["S"], NOW)
        with db.writing() as session:
            user_id = session.scalar(select(UserAccount.id).where(UserAccount.name == "tester"))
            assert user_id is not None
            session.add(
                Workstation(id=WS, name="ws", site="S", user_id=user_id, last_seq=0, audit_through=0,
                            registered_at=NOW, seen_at=NOW)
            )  # fmt: skip
        with db.reading() as session:
            user = session.get(UserAccount, user_id)
        assert user is not None
        request = wire.PushRequest(mutations=the_batch().mutations)
        first, _audit, last_seq = feed.push(db, user, frozenset({"S"}), WS, request, NOW, bulk=bulk)
        again, _audit, _seq = feed.push(db, user, frozenset({"S"}), WS, request, NOW, bulk=bulk)
        return {"first": first, "again": again, "last_seq": last_seq, **dump(db)}
    finally:
        db.close()


def dump(db: ServerDatabase) -> dict[str, Any]:
    """Every row that matters, conflict ids replaced by their order of creation (they are random)."""
    with db.reading() as session:
        conn = session.connection()
        conflicts = [r[0] for r in conn.execute(text("SELECT id FROM conflict ORDER BY mutation_key"))]
        names = {c: f"conflict-{i}" for i, c in enumerate(conflicts)}

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(_rename(v, names) for v in r) for r in conn.execute(text(sql))]

        return {
            "samples": rows("SELECT * FROM sample ORDER BY uuid"),
            "locations": rows("SELECT * FROM location ORDER BY uuid"),
            "mutations": rows(
                "SELECT key, seq, kind, args, expect, hlc, at, outcome, reason, conflict_id FROM mutation ORDER BY seq"
            ),
            "changes": rows("SELECT seq, site, entity_type, key, data FROM change ORDER BY seq"),
            "conflicts": rows("SELECT site, kind, status, summary, subject, mutation_key FROM conflict ORDER BY 6"),
            "history": rows(
                "SELECT site, entity_type, entity_key, field, kept, lost, mutation_key, at FROM field_history"
                " ORDER BY mutation_key, field"
            ),
            "names": names,
        }


def _rename(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in names.items():
            value = value.replace(old, new)
    return value


def outcomes(results: list[wire.MutationResult]) -> list[tuple[str, str | None]]:
    return [(r.outcome.value, r.reason) for r in results]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_bulk_path_matches_the_per_intent_path(backend: str, request: pytest.FixtureRequest) -> None:
    urls = request.getfixturevalue("sqlite_urls" if backend == "sqlite" else "pg_urls")
    bulk = push_all(urls[0], bulk=True)
    reference = push_all(urls[1], bulk=False)
    # not vacuous: the batch gives every outcome, and the database refused one registration itself
    assert {r.outcome for r in bulk["first"]} == {wire.Outcome.APPLIED, wire.Outcome.CONFLICT, wire.Outcome.REJECTED}
    assert {r.outcome for r in bulk["again"]} == {wire.Outcome.DUPLICATE, wire.Outcome.REJECTED}
    keys = {m.args["uuid"]: m.key for m in the_batch().mutations if "uuid" in m.args}
    by_key = {r.key: r for r in bulk["first"]}
    assert "could not apply" in (by_key[keys[uid("refused")]].reason or "")
    assert by_key[keys[uid("after-refused")]].outcome is wire.Outcome.APPLIED
    assert by_key[keys[uid("before-refused")]].outcome is wire.Outcome.APPLIED
    assert by_key[keys[uid("bag-3")]].outcome is wire.Outcome.CONFLICT
    assert outcomes(bulk["first"]) == outcomes(reference["first"])
    assert [r.conflict is None for r in bulk["first"]] == [r.conflict is None for r in reference["first"]]
    assert outcomes(bulk["again"]) == outcomes(reference["again"])
    assert bulk["last_seq"] == reference["last_seq"] == len(the_batch().mutations) - 2
    for table in ("samples", "locations", "mutations", "changes", "conflicts", "history"):
        assert bulk[table] == reference[table], table
    assert len(bulk["samples"]) == 16
    assert len(bulk["conflicts"]) == 12
    # the intents after the registrations give every outcome too, and change what they should
    later = [by_key[m.key] for m in the_batch().mutations if m.kind.value != "sample.register"][9:]
    assert {r.outcome for r in later} == {wire.Outcome.APPLIED, wire.Outcome.CONFLICT, wire.Outcome.REJECTED}
    places = {r[0]: (r[4], r[15], r[16], r[17]) for r in bulk["samples"]}
    assert places[uid("first")][1:] == (uid("GRID"), 0, 1) and places[uid("plain-3")][1:] == (uid("GRID"), 0, 0)
    assert places[uid("plain-2")][0] == "consumed" and places[uid("grandchild")][0] == "discarded"
    assert places[uid("plain-1")] == ("available", uid("GRID"), 1, 0)
    assert places[uid("fine-again")][1:] == (None, None, None)
    assert len(bulk["history"]) == 3


def test_mutation_records_are_stored_as_the_orm_would_store_them(sqlite_url: str) -> None:
    """Mutation records are written in one statement per batch from plain values: the same text as the ORM's."""
    stored = push_all(sqlite_url, bulk=False)["mutations"]
    sent = {m.key: m for m in the_batch().mutations}
    assert len(stored) == len(sent) - 2  # the two after the gap are refused before any record
    for key, seq, kind, args, expect, hlc, at, _outcome, _reason, _conflict in stored:
        m = sent[key]
        assert (seq, kind, args, expect, hlc) == (
            m.seq, m.kind.value, canonical_json(m.args), canonical_json(m.expect), m.hlc
        )  # fmt: skip
        assert at == to_utc_text(datetime.strptime(m.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC))
