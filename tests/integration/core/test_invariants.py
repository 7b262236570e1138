"""Property-based: random sequences of operations keep the inventory's invariants.

After every step: at most one sample per position and every position inside its
box's grid; each successful operation added exactly one audit entry per changed
sample; a failed one added none; the hash chain verifies.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.services.lab import build_small_lab

_TEMPLATE_DIR = Path(tempfile.mkdtemp(prefix="tracseq-template-"))
_TEMPLATE = _TEMPLATE_DIR / "lab.db"
_template_services = open_services(_TEMPLATE, actor=Actor("template", "ws"))
build_small_lab(_template_services)
_template_services.close()

BOXES = ["BOX-A", "BOX-B", "BOX-F", "BOX-L", "BAG-1"]
POSITIONS = ["A1", "A2", "B3", "C4", "H12", "I9", "J10", "K1"]
barcodes = st.sampled_from(["TS-001", "TS-002", "TS-003", "TS-004", "N-1", "N-2", "N-3", "N-4"])
boxes = st.sampled_from(BOXES)
positions = st.one_of(st.none(), st.sampled_from(POSITIONS))


class Inventory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="tracseq-prop-"))
        self.path = self.dir / "db.sqlite"
        shutil.copy(_TEMPLATE, self.path)
        self.services = open_services(self.path, actor=Actor("prop", "ws"))
        self.entries = self._audit_count()

    def teardown(self) -> None:
        self.services.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _audit_count(self) -> int:
        return self.services.queries.statistics()["audit_entries"]

    def _apply(self, changed: int, action: object) -> None:
        before = self._audit_count()
        try:
            action()  # type: ignore[operator]
        except DomainError:
            assert self._audit_count() == before, "a failed operation wrote audit entries"
            return
        assert self._audit_count() == before + changed

    @rule(
        code=barcodes,
        sample_type=st.sampled_from(["plasma", "DNA", "whole blood", "cells"]),
        box=st.one_of(st.none(), boxes),
        position=positions,
    )
    def register(self, code: str, sample_type: str, box: str | None, position: str | None) -> None:
        draft = SampleDraft(code, sample_type, volume="1ml", box=box, position=position if box else None)
        self._apply(1, lambda: self.services.samples.register(draft))

    @rule(code=barcodes, box=boxes, position=positions, override=st.booleans())
    def move(self, code: str, box: str, position: str | None, override: bool) -> None:
        reason = "property test" if override else None
        self._apply(1, lambda: self.services.samples.move(code, box, position, override_reason=reason))

    @rule(a=barcodes, b=barcodes)
    def swap(self, a: str, b: str) -> None:
        def go() -> None:
            first, second = self.services.queries.get(a), self.services.queries.get(b)
            if not first.box_label or not second.box_label:
                raise DomainError("not both placed")
            self.services.samples.move_many(
                [(a, second.box_label, second.position), (b, first.box_label, first.position)], override_reason="swap"
            )

        self._apply(2 if a != b else 0, go)

    @rule(code=barcodes)
    def check_out_and_in(self, code: str) -> None:
        self._apply(1, lambda: self.services.samples.check_out(code, reason="assay"))
        self._apply(1, lambda: self.services.samples.check_in(code))

    @rule(code=barcodes, volume=st.sampled_from(["100ul", "500ul", "1ml", "2ml"]))
    def consume(self, code: str, volume: str) -> None:
        self._apply(1, lambda: self.services.samples.consume(code, volume))

    @rule(code=barcodes)
    def discard(self, code: str) -> None:
        self._apply(1, lambda: self.services.samples.discard(code, reason="test"))

    @rule(code=barcodes, count=st.integers(1, 3), box=boxes)
    def aliquot(self, code: str, count: int, box: str) -> None:
        self._apply(
            count + 1,
            lambda: self.services.samples.aliquot(code, count=count, volume="200ul", box=box, override_reason="test"),
        )

    @precondition(lambda self: True)
    @rule(box=st.sampled_from(["BOX-A", "BOX-B"]), to=st.sampled_from(["RACK-1", "RACK-L", "SHELF-1", "BOX-A"]))
    def move_box(self, box: str, to: str) -> None:
        self._apply(1, lambda: self.services.locations.move(box, to))

    @invariant()
    def positions_are_unique_and_inside_their_box(self) -> None:
        with sqlite3.connect(self.path) as conn:
            rows = conn.execute(
                "SELECT s.box_id, s.pos_row, s.pos_col, b.grid_rows, b.grid_cols, s.status FROM sample s"
                " JOIN location b ON b.id = s.box_id"
            ).fetchall()
        places = [(r[0], r[1], r[2]) for r in rows if r[1] is not None]
        assert len(places) == len(set(places))
        for _box, row, col, rows_, cols_, status in rows:
            assert status in ("available", "checked_out")
            if rows_ is not None:
                assert 0 <= row < rows_ and 0 <= col < cols_

    @invariant()
    def chain_verifies(self) -> None:
        assert self.services.queries.verify_audit().ok


Inventory.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestInventory = Inventory.TestCase
