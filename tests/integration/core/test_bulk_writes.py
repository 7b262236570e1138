"""Bulk registration and import remember sequence numbers, keys and the audit tail per transaction.

What is remembered must be forgotten by every rollback, savepoints included: otherwise the
outbox would skip sequence numbers and sync keys would point at rows that were never kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tracseq_desktop.domain.errors import AlreadyExists, DomainError
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.transfer import CHUNK, import_csv

HEADER = "barcode,type,volume_ul,project,box,position,attr:visit\n"


def _rows(prefix: str, count: int, *, bad_at: int | None = None) -> str:
    """``count`` good rows in BOX-B (8x12) then BOX-L (10x10) and beyond; ``bad_at`` gets an unknown type."""
    lines = []
    for i in range(count):
        kind = "unobtainium" if i == bad_at else "plasma"
        if i < 90:
            box, slot, cols = "BOX-B", i, 12
        else:
            box, slot, cols = "BOX-L", i - 90, 10
        position = f"{'ABCDEFGHIJ'[slot // cols]}{slot % cols + 1}" if slot < 90 else ""
        lines.append(f"{prefix}-{i:04d},{kind},100,P9,{box if position else ''},{position},v{i % 3}\n")
    return HEADER + "".join(lines)


def _counts(services: Services) -> dict[str, int]:
    with services.db.reading() as session:
        return {
            table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("sample", "audit_entry", "sync_outbox", "sync_key", "sample_fts")
        }


def _assert_outbox_whole(services: Services) -> None:
    """Sequence numbers 1..n without gaps; every registration's keys name the rows it describes."""
    with services.db.reading() as session:
        run = session.execute
        seqs = [int(r[0]) for r in run(text("SELECT seq FROM sync_outbox ORDER BY seq"))]
        assert seqs == list(range(1, len(seqs) + 1))
        registrations = run(text("SELECT count(*) FROM sync_outbox WHERE kind = 'sample.register'")).scalar_one()
        matching = run(
            text(
                "SELECT count(*) FROM sync_outbox o"
                " JOIN sync_key k ON k.entity_type = 'sample' AND k.uuid = json_extract(o.args, '$.uuid')"
                " JOIN sample s ON s.id = k.local_id AND s.barcode = json_extract(o.args, '$.barcode')"
                " LEFT JOIN sync_key b ON b.entity_type = 'location' AND b.local_id = s.box_id"
                " WHERE o.kind = 'sample.register'"
                " AND coalesce(b.uuid, '') = coalesce(json_extract(o.args, '$.box'), '')"
            )
        ).scalar_one()
        assert matching == registrations == run(text("SELECT count(*) FROM sample")).scalar_one()
        dangling = run(
            text(
                "SELECT count(*) FROM sync_key k LEFT JOIN sample s ON s.id = k.local_id"
                " WHERE k.entity_type = 'sample' AND s.id IS NULL"
            )
        ).scalar_one()
        assert dangling == 0
        one_entry_each = run(
            text(
                "SELECT count(*) FROM sample s WHERE (SELECT count(*) FROM audit_entry a"
                " WHERE a.entity_type = 'sample' AND a.entity_key = s.barcode AND a.action = 'register') = 1"
            )
        ).scalar_one()
        assert one_entry_each == registrations
    verification = services.queries.verify_audit()
    assert verification.ok, verification.problems


def test_one_bad_row_in_the_middle_writes_nothing_and_a_later_import_is_whole(
    services: Services, tmp_path: Path
) -> None:
    total = CHUNK + 200  # the bad row sits in the second chunk, after good rows of the same chunk
    bad = CHUNK + 120
    path = tmp_path / "bad.csv"
    path.write_text(_rows("BULK", total, bad_at=bad))
    before = _counts(services)

    result = import_csv(services, path)

    assert [p.line for p in result.problems] == [bad + 2]  # line 1 is the header
    assert "Unknown sample type" in result.problems[0].message
    assert result.imported == 0
    assert _counts(services) == before
    assert services.queries.find("BULK-0000") is None

    good = tmp_path / "good.csv"
    good.write_text(_rows("BULK", total))
    result = import_csv(services, good)

    assert result.ok and result.imported == total
    after = _counts(services)
    assert after["sample"] == before["sample"] + total
    assert after["sync_outbox"] == before["sync_outbox"] + total
    assert after["audit_entry"] == before["audit_entry"] + total
    assert after["sample_fts"] == after["sample"]
    assert services.queries.get("BULK-0000").where == "BOX-B:A1"
    assert services.queries.get(f"BULK-{bad:04d}").attributes == {"visit": f"v{bad % 3}"}
    _assert_outbox_whole(services)


def test_every_bad_row_of_a_chunk_is_reported_in_order(services: Services, tmp_path: Path) -> None:
    body = _rows("MANY", 40).splitlines(keepends=True)
    body[6] = "MANY-0004,plasma,100,P9,,,v0\n"  # line 7 repeats the barcode of line 6
    body[20] = body[20].replace("plasma", "unobtainium")
    path = tmp_path / "many.csv"
    path.write_text("".join(body))
    before = _counts(services)

    result = import_csv(services, path)

    assert [p.line for p in result.problems] == [7, 21]
    assert "already exists" in result.problems[0].message
    assert _counts(services) == before


def test_dry_run_leaves_no_sample_intent_key_or_audit_entry(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "dry.csv"
    path.write_text(_rows("DRY", 120))
    before = _counts(services)

    result = import_csv(services, path, dry_run=True)

    assert result.ok and result.imported == 120 and result.dry_run
    assert _counts(services) == before
    real = import_csv(services, path)  # what the dry run held back goes in whole afterwards
    assert real.ok and _counts(services)["sample"] == before["sample"] + 120
    _assert_outbox_whole(services)


def test_a_rolled_back_savepoint_leaves_no_gap_and_no_stale_key(services: Services) -> None:
    samples = services.samples
    with services.runner.operation() as op:
        samples._register_in(op, SampleDraft("SP-1", "plasma", box="BOX-B", position="A1"))
        with pytest.raises(AlreadyExists), op.session.begin_nested():
            samples._register_in(op, SampleDraft("SP-2", "plasma", box="BOX-B", position="A2"))
            samples._register_in(op, SampleDraft("SP-2", "plasma"))  # fails after SP-2 was written
        third = samples._register_in(op, SampleDraft("SP-3", "plasma", box="BOX-B", position="A2"))
        third_id = third.id
    assert services.queries.find("SP-2") is None
    assert services.queries.get("SP-3").where == "BOX-B:A2"
    with services.db.reading() as session:
        key = session.execute(
            text("SELECT uuid FROM sync_key WHERE entity_type = 'sample' AND local_id = :id"), {"id": third_id}
        ).scalar_one()
        sent = session.execute(
            text("SELECT json_extract(args, '$.uuid') FROM sync_outbox WHERE json_extract(args, '$.barcode') = 'SP-3'")
        ).scalar_one()
    assert key == sent
    _assert_outbox_whole(services)


def test_a_bad_draft_leaves_nothing_and_the_next_batch_continues_the_sequence(services: Services) -> None:
    before = _counts(services)
    drafts = [SampleDraft(f"RM-{i}", "plasma", box="BOX-L") for i in range(30)]
    drafts[17] = SampleDraft("RM-17", "unobtainium", box="BOX-L")
    with pytest.raises(DomainError):
        services.samples.register_many(drafts)
    assert _counts(services) == before

    drafts[17] = SampleDraft("RM-17", "serum", box="BOX-L")
    views = services.samples.register_many(drafts)

    assert [v.where for v in views[:3]] == ["BOX-L:A1", "BOX-L:A2", "BOX-L:A3"]
    assert views[0].location_path == ("SITE-1", "ROOM-1", "DEWAR-1", "RACK-L", "BOX-L")
    _assert_outbox_whole(services)


def test_two_writers_on_one_file_keep_one_sequence(services: Services, db_path: Path) -> None:
    other = open_services(db_path, actor=Actor("other", "test-ws"))
    try:
        for round_ in range(3):
            services.samples.register_many([SampleDraft(f"W1-{round_}-{i}", "DNA") for i in range(5)])
            other.samples.register_many([SampleDraft(f"W2-{round_}-{i}", "DNA") for i in range(5)])
    finally:
        other.close()
    _assert_outbox_whole(services)
