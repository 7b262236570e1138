"""Sync = push, then pull (or, the first time, a snapshot), until nothing is left.

Push sends the oldest pending intents in batches (an operation splits only when it is
bigger than one request) with the audit entries the server lacks, and records each
final outcome in the same local transaction. A lost answer is harmless: the batch is
sent again and the server answers "duplicate" with the first outcome. Pull applies a page and stores the cursor in one
local transaction; a page touching an entity with unpushed intents stops the pull
without moving the cursor, and the loop pushes first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracseq_desktop.i18n import _
from tracseq_desktop.services.locations import refresh_search_words
from tracseq_desktop.store.database import Database
from tracseq_desktop.store.models import Location, Sample, SyncConflict, SyncKey, SyncOutbox
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.bulk import apply_changes
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.errors import Offline
from tracseq_desktop.sync.hlc import HybridClock, Stamp
from tracseq_desktop.sync.outbox import (
    HLC_KEY,
    PENDING,
    append_intent,
    location_args,
    meta_get,
    meta_set,
    node_id,
    register_args,
)
from tracseq_desktop.sync.replica import Blocked, Replica, unsynced

CURSOR_KEY = "sync.cursor"
AUDIT_KEY = "sync.audit_through"
LAST_SYNC_KEY = "sync.last_sync"
MAX_ROUNDS = 20
#: rows adopted per write transaction (see ``SyncEngine.adopt_unsynced``)
ADOPT_CHUNK = 2000


_PENDING_SQL = text(
    "SELECT seq, key, operation_id, kind, args, expect, hlc, at, actor FROM sync_outbox WHERE status = 'pending'"
    " AND seq > :after ORDER BY seq LIMIT :n"
)
_REST_OF_OPERATION_SQL = text(
    "SELECT seq, key, operation_id, kind, args, expect, hlc, at, actor FROM sync_outbox"
    " WHERE status = 'pending' AND operation_id = :op AND seq > :seq ORDER BY seq LIMIT :n"
)
_AUDIT_SQL = text(
    "SELECT id, at, actor, action, entity_type, entity_key, before, after, reason, operation_id, hash"
    " FROM audit_entry WHERE id > :after ORDER BY id LIMIT :n"
)
#: keys travel as one JSON list (``json_each``): a statement with a thousand bound values is compiled every time
_OUTBOX_BY_KEY_SQL = text(
    "SELECT key, seq, kind, status FROM sync_outbox WHERE key IN (SELECT value FROM json_each(:keys))"
)
_OUTCOME_SQL = text(
    "UPDATE sync_outbox SET status = :status, reason = :reason, conflict_id = :conflict"
    " WHERE key = :key AND status = 'pending'"
)
#: by (status, seq), the index this planner picks anyway: by key it would walk every pending row
_PLAIN_OUTCOME_SQL = text(
    "UPDATE sync_outbox SET status = :status, reason = NULL, conflict_id = NULL"
    " WHERE seq IN (SELECT value FROM json_each(:seqs)) AND status = 'pending'"
)


@dataclass(frozen=True)
class _Batch:
    """One push request, ready to send."""

    body: bytes
    mutations: int
    audit: int
    last_seq: int  #: the last intent in it (the next batch starts after)
    last_audit: int  #: the last audit entry in it, or the one the server held before
    full: bool  #: as many as a batch takes: more may follow


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    bootstrapped: bool = False
    audit_sent: int = 0
    rejections: list[tuple[int, str, str]] = field(default_factory=list)  #: (seq, kind, reason)


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


class SyncEngine:
    """One workstation's sync against one server. Not thread-safe: run one sync at a time."""

    def __init__(
        self,
        db: Database,
        client: SyncClient,
        *,
        batch: int = wire.DEFAULT_BATCH,
        page: int = wire.DEFAULT_PAGE,
        retries: int = 2,
        now_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.db = db
        self.client = client
        self.batch = batch
        self.page = page
        self.retries = retries
        self.now_ms = now_ms
        #: called after a page is applied and before its cursor is stored (tests inject crashes here)
        self.before_cursor_saved: Callable[[], None] | None = None

    # -- the whole round ------------------------------------------------------------------
    def sync(self) -> SyncReport:
        report = SyncReport()
        self.adopt_unsynced()
        for _round in range(MAX_ROUNDS):
            self.push_all(report)
            with self.db.reading() as session:
                cursor = meta_get(session, CURSOR_KEY)
            if cursor is None:
                if not self.bootstrap(report):
                    continue
            elif not self.pull_all(report):
                continue
            with self.db.writing() as session:
                meta_set(session, LAST_SYNC_KEY, to_utc_text(datetime.now(UTC)))
            return report
        raise Offline(_("Sync did not settle: local changes keep arriving; try again."))

    def adopt_unsynced(self, chunk: int = ADOPT_CHUNK) -> int:
        """Queue rows that never went through the outbox (older databases, bulk imports) as creations.

        Parents first (locations by depth, then samples by depth), ``chunk`` rows per write
        transaction, so that a large database does not hold the write lock for minutes: the
        bench's scans and moves go in between. A chunk re-reads which of its rows still lack
        a key, so rows adopted meanwhile are not queued twice; a crash leaves the rest for
        the next sync.
        """
        with self.db.reading() as session:
            by_depth = [
                ("location", i)
                for i in sorted(unsynced(session, "location"), key=lambda i: _depth(session, session.get(Location, i)))
            ]
            by_depth += [
                ("sample", i)
                for i in sorted(
                    unsynced(session, "sample"), key=lambda i: _sample_depth(session, session.get(Sample, i))
                )
            ]
        adopted = 0
        for start in range(0, len(by_depth), chunk):
            adopted += self._adopt(by_depth[start : start + chunk])
        return adopted

    def _adopt(self, rows: list[tuple[str, int]]) -> int:
        with self.db.writing() as session:
            taken = {
                (kind, local_id)
                for kind in ("location", "sample")
                for local_id in session.scalars(
                    select(SyncKey.local_id).where(
                        SyncKey.entity_type == kind, SyncKey.local_id.in_([i for k, i in rows if k == kind])
                    )
                )
            }
            now = datetime.now(UTC)
            clock = self._clock(session)
            operation = str(uuid.uuid4())
            queued = 0
            for kind, local_id in rows:
                if (kind, local_id) in taken:
                    continue
                if kind == "location":
                    loc = session.get(Location, local_id)
                    if loc is not None:
                        self._queue(session, clock, operation, "location.create", location_args(session, loc), now)
                        queued += 1
                else:
                    sample = session.get(Sample, local_id)
                    if sample is not None:
                        self._queue(session, clock, operation, "sample.register", register_args(session, sample), now)
                        queued += 1
            meta_set(session, HLC_KEY, str(clock.last))
            return queued

    def _queue(
        self, session: Session, clock: HybridClock, op: str, kind: str, args: dict[str, Any], now: datetime
    ) -> None:
        append_intent(
            session, operation_id=op, kind=kind, args=args, expect={}, stamp=clock.tick(), at=now, actor="sync"
        )

    def _clock(self, session: Session) -> HybridClock:
        stored = meta_get(session, HLC_KEY)
        return HybridClock(node_id(session), self.now_ms, Stamp.parse(stored) if stored else None)

    def _observe(self, session: Session, stamp: str) -> None:
        clock = self._clock(session)
        clock.observe(stamp)
        meta_set(session, HLC_KEY, str(clock.last))

    # -- push ---------------------------------------------------------------------------------
    def _next_batch(self, after: _Batch | None = None) -> _Batch:
        """The next push request as JSON (the one following ``after``, which is still on its way).

        Written straight from the stored rows: ``args``, ``expect``, ``before`` and ``after``
        are kept as canonical JSON text, so they go out as they are; the server validates
        the whole request (and refuses a bad one with a reason) before touching anything.
        """
        with self.db.reading() as session:
            rows = list(session.execute(_PENDING_SQL, {"n": self.batch, "after": after.last_seq if after else 0}))
            if len(rows) == self.batch:
                rows = _whole_operations(session, rows)
            through = max(int(meta_get(session, AUDIT_KEY) or 0), after.last_audit if after else 0)
            # as many audit entries as intents (an operation's intents and entries travel together)
            audit_room = min(max(self.batch, len(rows)), wire.MAX_BATCH)
            entries = session.execute(_AUDIT_SQL, {"after": through, "n": audit_room}).all()
            stamp = str(self._clock(session).tick()) if rows or entries else ""
        mutations = ",".join(_mutation_json(r) for r in rows)
        audit = ",".join(_audit_json(e) for e in entries)
        return _Batch(
            body=f'{{"mutations":[{mutations}],"audit":[{audit}],"hlc":{json.dumps(stamp)}}}'.encode(),
            mutations=len(rows),
            audit=len(entries),
            last_seq=rows[-1].seq if rows else (after.last_seq if after else 0),
            last_audit=entries[-1].id if entries else through,
            full=len(rows) >= self.batch or len(entries) >= audit_room,
        )

    def push_all(self, report: SyncReport | None = None) -> SyncReport:
        """Push every pending intent (and the audit entries the server lacks), batch after batch.

        Batches are sent one at a time, in order; while the server applies one, this side
        records the answer to the previous one and prepares the next. A lost answer stays
        harmless: the batch is pushed again later and comes back as duplicates.
        """
        report = report or SyncReport()
        batch = self._next_batch()
        if not batch.mutations and not batch.audit:
            return report
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracseq-push") as sender:
            flight = sender.submit(self._send, batch.body)
            while True:
                following = self._next_batch(batch) if batch.full else None
                answer = flight.result()
                if following is not None and (following.mutations or following.audit):
                    flight = sender.submit(self._send, following.body)
                else:
                    following = None
                self._record(answer, report)
                report.audit_sent += batch.audit
                if following is None:
                    return report
                batch = following

    def _send(self, body: bytes) -> wire.PushResponse:
        for attempt in range(self.retries + 1):
            try:
                return self.client.push_json(body)
            except Offline:
                if attempt == self.retries:
                    raise
        raise AssertionError("unreachable")

    def _record(self, answer: wire.PushResponse, report: SyncReport) -> None:
        with self.db.writing() as session:
            keys = json.dumps([r.key for r in answer.results])
            rows = {row.key: row for row in session.execute(_OUTBOX_BY_KEY_SQL, {"keys": keys})}
            plain: dict[str, list[int]] = {}  #: status -> seqs, for outcomes without a reason or conflict (most)
            updates: list[dict[str, Any]] = []
            for result in answer.results:
                row = rows.pop(result.key, None)  # each intent is counted once
                if row is None or row.status != PENDING:
                    continue
                outcome = result.original if result.outcome is wire.Outcome.DUPLICATE else result.outcome
                if result.outcome is wire.Outcome.DUPLICATE:
                    report.duplicates += 1
                status = (outcome or wire.Outcome.APPLIED).value
                if result.reason is None and result.conflict is None:
                    plain.setdefault(status, []).append(row.seq)
                else:
                    updates.append(
                        {"key": row.key, "status": status, "reason": result.reason, "conflict": result.conflict}
                    )
                report.pushed += 1
                if outcome is wire.Outcome.APPLIED:
                    report.applied += 1
                elif outcome is wire.Outcome.CONFLICT:
                    report.conflicts += 1
                elif outcome is wire.Outcome.REJECTED:
                    report.rejected += 1
                    report.rejections.append((row.seq, row.kind, result.reason or ""))
            for status, group in plain.items():
                session.execute(_PLAIN_OUTCOME_SQL, {"status": status, "seqs": json.dumps(group)})
            if updates:
                session.execute(_OUTCOME_SQL, updates)
            current = int(meta_get(session, AUDIT_KEY) or 0)
            meta_set(session, AUDIT_KEY, str(max(current, answer.audit_through)))
            self._observe(session, answer.hlc)

    # -- pull ---------------------------------------------------------------------------------
    def _pending(self, session: Session) -> set[str]:
        keys: set[str] = set()
        for entities in session.scalars(select(SyncOutbox.entities).where(SyncOutbox.status == PENDING)):
            keys.update(entities)
        return keys

    def pull_all(self, report: SyncReport | None = None) -> bool:
        """Pull to the end of the feed; False if stopped because local changes must be pushed first.

        While a page is applied, the next one is already being fetched (from the cursor the
        page will store); it is used only if the stored cursor is indeed that one afterwards.
        """
        report = report or SyncReport()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracseq-pull") as fetcher:
            ahead: tuple[str, Future[wire.PullResponse]] | None = None
            while True:
                with self.db.reading() as session:
                    cursor = meta_get(session, CURSOR_KEY) or "0"
                if ahead is not None and ahead[0] == cursor:
                    page = ahead[1].result()
                else:
                    page = self.client.pull(cursor, self.page)
                following = wire.cursor_text(page.cursor)
                ahead = (following, fetcher.submit(self.client.pull, following, self.page)) if page.more else None
                try:
                    with self.db.writing() as session:
                        replica = Replica(session, self._pending(session))
                        if replica.pending & {c.key for c in page.changes}:
                            raise Blocked("pending")
                        apply_changes(replica, page.changes)
                        self._refresh_words(session, replica)
                        if self.before_cursor_saved is not None:
                            self.before_cursor_saved()
                        meta_set(session, CURSOR_KEY, following)
                        self._observe(session, page.hlc)
                except Blocked:
                    return False
                report.pulled += len(page.changes)
                if page.changes:
                    self.db.notify_all()
                if not page.more:
                    return True

    def _refresh_words(self, session: Session, replica: Replica) -> None:
        for row_id in sorted(replica.renamed):
            loc = session.get(Location, row_id)
            if loc is not None:
                refresh_search_words(session, loc)

    # -- snapshot -----------------------------------------------------------------------------
    def bootstrap(self, report: SyncReport | None = None) -> bool:
        """Start from the server's snapshot; False if local changes must be pushed first."""
        report = report or SyncReport()
        lines = self.client.snapshot()
        header = wire.SnapshotHeader.model_validate(next(lines))
        try:
            with self.db.writing() as session:
                if self._pending(session):
                    raise Blocked("pending")
                count = apply_snapshot(session, lines)
                if self.before_cursor_saved is not None:
                    self.before_cursor_saved()
                meta_set(session, CURSOR_KEY, wire.cursor_text(header.cursor))
        except Blocked:
            return False
        report.bootstrapped = True
        report.pulled += count
        self.db.notify_all()
        return True


def _whole_operations(session: Session, rows: list[Any]) -> list[Any]:
    """``rows`` completed with the rest of the last operation, as far as one request takes.

    An operation normally travels in one batch. One bigger than a request may carry (a
    CSV import of thousands of rows, the adoption of a whole database) goes in pieces:
    each intent has its own outcome anyway. The cut never falls inside a grouped move,
    whose places the server frees together before filling them (swaps); services keep
    such a move well below what a request takes.
    """
    room = max(wire.MAX_BATCH - len(rows), 0)
    rest = list(
        session.execute(_REST_OF_OPERATION_SQL, {"op": rows[-1].operation_id, "seq": rows[-1].seq, "n": room + 1})
    )
    if len(rest) <= room:
        return rows + rest
    joined = rows + rest
    cut = len(rows) + room
    inside = rows[-1].operation_id
    while cut > 0 and joined[cut - 1].operation_id == inside and _grouped(joined[cut - 1]) and _grouped(joined[cut]):
        cut -= 1
    return joined[:cut] if cut > 0 else joined[: len(rows) + room]


def _grouped(row: Any) -> bool:
    return row.kind == "sample.place" and json.loads(row.args).get("group") is True


def apply_snapshot(session: Session, lines: Iterator[Any]) -> int:
    """Make the replica equal to the snapshot: upsert everything in it, drop synced rows not in it."""
    from tracseq_desktop.sync.snapshot import SnapshotLoader

    return SnapshotLoader(session).load(lines)


#: how ``json.dumps(..., ensure_ascii=False)`` writes a string (its C encoder), without building a dict per row
_quote = json.encoder.encode_basestring


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _raw(stored: str | None) -> str:
    """A column that already holds JSON text (args, expect, before, after), or null."""
    return "null" if stored is None else stored


def _mutation_json(r: Any) -> str:
    return (
        f'{{"args":{_raw(r.args)},"expect":{_raw(r.expect)},"key":{_text(r.key)},"seq":{int(r.seq)},'
        f'"operation_id":{_text(r.operation_id)},"kind":{_text(r.kind)},"hlc":{_text(r.hlc)},"at":{_text(r.at)},'
        f'"actor":{_text(r.actor[:100] or "unknown")}}}'
    )


def _audit_json(e: Any) -> str:
    return (
        f'{{"before":{_raw(e.before)},"after":{_raw(e.after)},"local_id":{int(e.id)},"at":{_text(e.at)},'
        f'"actor":{_text(e.actor[:100] or "unknown")},"action":{_text(e.action)},'
        f'"entity_type":{_text(e.entity_type)},"entity_key":{_text(e.entity_key)},"reason":{_text(e.reason)},'
        f'"operation_id":{_text(e.operation_id)},"hash":{_text(e.hash)}}}'
    )


def _depth(session: Session, loc: Location | None) -> int:
    depth = 0
    while loc is not None and loc.parent_id is not None and depth < 16:
        loc = session.get(Location, loc.parent_id)
        depth += 1
    return depth


def _sample_depth(session: Session, s: Sample | None) -> int:
    depth = 0
    while s is not None and s.parent_id is not None and depth < 64:
        s = session.get(Sample, s.parent_id)
        depth += 1
    return depth


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SyncOutbox).where(SyncOutbox.status == PENDING)) or 0)


def open_conflict_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SyncConflict).where(SyncConflict.status == "open")) or 0)
