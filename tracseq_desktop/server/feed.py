"""Push batches, the change feed and snapshots: the server side of the sync protocol."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from tracseq_desktop.i18n import _
from tracseq_desktop.server.apply import apply_intent, parse_args
from tracseq_desktop.server.bulk import (
    INSERT_AUDIT,
    INSERT_CHANGE,
    INSERT_MUTATION,
    Slow,
    apply_registrations,
    chunks,
    depths,
    fetch_states,
    json_text,
    mutation_row,
    select_keyed,
    wire_time,
)
from tracseq_desktop.server.context import PushContext, Rejected, Result
from tracseq_desktop.server.db import ServerDatabase
from tracseq_desktop.server.models import (
    AuditRecord,
    ChangeCounter,
    Conflict,
    Location,
    Sample,
    UserAccount,
    Workstation,
)
from tracseq_desktop.server.states import conflict_state
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.wire import IntentKind, Outcome


def push(
    db: ServerDatabase,
    user: UserAccount,
    sites: frozenset[str],
    workstation_id: str,
    request: wire.PushRequest,
    now: datetime,
    *,
    bulk: bool = True,
) -> tuple[list[wire.MutationResult], int, int]:
    """Apply one batch in one transaction; returns (results, audit held through, last seq).

    ``bulk=False`` applies every intent through the per-intent path, each looking up its own rows
    (the reference the bulk path and the batch's preloading are tested against).
    """
    with db.writing() as session:
        db.lock_counters(session, sites)
        workstation = session.get(Workstation, workstation_id)
        assert workstation is not None
        workstation.seen_at = now
        ctx = PushContext(session, user, sites, workstation, now)
        results = _apply_batch(ctx, request.mutations, bulk=bulk)
        _store_audit(session, workstation, request.audit)
        _emit_changes(db, ctx)
        return results, workstation.audit_through, workstation.last_seq


_KNOWN_SQL = 'SELECT "key", workstation_id, outcome, reason, conflict_id FROM mutation WHERE "key" IN :keys'


def _apply_batch(ctx: PushContext, mutations: list[wire.Mutation], *, bulk: bool) -> list[wire.MutationResult]:
    ctx.known = {row.key: row for row in select_keyed(ctx.session.connection(), _KNOWN_SQL, [m.key for m in mutations])}
    records: list[dict[str, Any]] = []
    held = _preload(ctx, mutations) if bulk else []
    results = _apply_runs(ctx, mutations, records, bulk=bulk)
    ctx.session.flush()
    INSERT_MUTATION.run(ctx.session.connection(), records)
    del held
    return results


def _apply_runs(
    ctx: PushContext, mutations: list[wire.Mutation], records: list[dict[str, Any]], *, bulk: bool
) -> list[wire.MutationResult]:
    """Runs of registrations in bulk, grouped moves together, everything else one by one."""

    def one(m: wire.Mutation) -> wire.MutationResult:
        return _apply_one(ctx, m, records)

    results: list[wire.MutationResult] = []
    index = 0
    while index < len(mutations):
        m = mutations[index]
        if m.kind is IntentKind.SAMPLE_PLACE and m.args.get("group") is True:
            end = index
            while (
                end < len(mutations)
                and mutations[end].operation_id == m.operation_id
                and mutations[end].kind is IntentKind.SAMPLE_PLACE
            ):
                end += 1
            results.extend(_apply_group(ctx, mutations[index:end], one))
            index = end
            continue
        if bulk and m.kind is IntentKind.SAMPLE_REGISTER:
            end = index
            while end < len(mutations) and mutations[end].kind is IntentKind.SAMPLE_REGISTER:
                end += 1
            results.extend(apply_registrations(ctx, mutations[index:end], one))
            index = end
            continue
        results.append(one(m))
        index += 1
    return results


def _preload(ctx: PushContext, mutations: list[wire.Mutation]) -> list[Sample | Location]:
    """Load the samples and locations the per-intent handlers will look up, in a few queries for the batch.

    The session keeps them (the caller holds the returned list: the identity map holds
    objects weakly), so each handler's ``session.get`` finds its row without a query, as
    if an earlier intent of the batch had loaded it. Nothing else writes existing rows
    during a push, so what they hold is what a query would return.
    """
    samples: set[str] = set()
    locations: set[str] = set()
    for m in mutations:
        if m.kind is IntentKind.SAMPLE_REGISTER or m.kind is IntentKind.CONFLICT_RESOLVE:
            continue
        key, box = m.args.get("uuid"), m.args.get("box")
        if isinstance(key, str):
            (locations if m.kind.value.startswith("location.") else samples).add(key)
        if isinstance(box, str):
            locations.add(box)
    session = ctx.session
    held: list[Sample | Location] = []
    for part in chunks(samples):
        held.extend(session.scalars(select(Sample).where(Sample.uuid.in_(part))))
    locations.update(s.box for s in held if isinstance(s, Sample) and s.box is not None)
    for part in chunks(locations):
        held.extend(session.scalars(select(Location).where(Location.uuid.in_(part))))
    return held


def _apply_group(ctx: PushContext, group: list[wire.Mutation], one: Slow) -> list[wire.MutationResult]:
    """A multi-sample move (swaps allowed): free every member's place first, then place each."""
    origins: dict[str, tuple[str | None, int | None, int | None]] = {}
    for m in group:
        key = m.args.get("uuid")
        s = ctx.session.get(Sample, key) if isinstance(key, str) else None
        if s is not None and s.site in ctx.sites and s.status not in ("consumed", "discarded"):
            origins[s.uuid] = (s.box, s.row, s.col)
            s.box = s.row = s.col = None
    ctx.session.flush()
    results = [one(m) for m in group]
    for m, result in zip(group, results, strict=True):
        key = str(m.args.get("uuid"))
        s = ctx.session.get(Sample, key)
        if result.outcome is not Outcome.APPLIED and s is not None and key in origins and s.box is None:
            box, row, col = origins[key]
            taken = ctx.session.scalar(
                select(Sample.uuid).where(Sample.box == box, Sample.row == row, Sample.col == col)
            )
            if box is not None and (row is None or taken is None):
                s.box, s.row, s.col = box, row, col
                ctx.session.flush()
    return results


def _apply_one(ctx: PushContext, m: wire.Mutation, records: list[dict[str, Any]]) -> wire.MutationResult:
    """The per-intent path; the intent's mutation record joins ``records`` (written once for the batch)."""
    session, ws = ctx.session, ctx.workstation
    known = ctx.known.get(m.key)
    if known is not None:
        if known.workstation_id != ws.id:
            return _result(m, Result(Outcome.REJECTED, _("This idempotency key belongs to another workstation.")))
        return wire.MutationResult(
            key=m.key,
            seq=m.seq,
            outcome=Outcome.DUPLICATE,
            reason=known.reason,
            conflict=known.conflict_id,
            original=Outcome(known.outcome),
        )
    if m.seq <= ws.last_seq:
        return _result(m, Result(Outcome.REJECTED, _("Sequence number {seq} was already used.").format(seq=m.seq)))
    if m.seq != ws.last_seq + 1:
        return _result(
            m,
            Result(Outcome.REJECTED, _("Sequence gap: expected {expected}, got {seq}.").format(expected=ws.last_seq + 1, seq=m.seq)),
        )  # fmt: skip
    ctx.fresh.clear()  # this intent may change what the bulk path wrote: read it back
    try:
        with session.begin_nested():
            args = parse_args(m)
            result = apply_intent(ctx, m, args)
    except Rejected as rejection:
        result = Result(Outcome.REJECTED, str(rejection))
    except (IntegrityError, DBAPIError, ValueError, KeyError, TypeError) as error:
        result = Result(
            Outcome.REJECTED, _("The server could not apply this change: {error}").format(error=type(error).__name__)
        )
    uuid = m.args.get("uuid")
    if isinstance(uuid, str) and len(uuid) == 36 and m.kind is not IntentKind.CONFLICT_RESOLVE:
        ctx.touch("location" if m.kind.value.startswith("location.") else "sample", uuid)
    at = to_utc_text(_parse_at(m.at, ctx.now))
    records.append(mutation_row(ctx, m, to_utc_text(ctx.now), result.outcome, result.reason, result.conflict, at))
    ws.last_seq = m.seq
    session.flush()
    return _result(m, result)


def _parse_at(text_value: str, default: datetime) -> datetime:
    from tracseq_desktop.server.context import parse_time

    return parse_time(text_value) or default


def _result(m: wire.Mutation, result: Result) -> wire.MutationResult:
    return wire.MutationResult(
        key=m.key, seq=m.seq, outcome=result.outcome, reason=result.reason, conflict=result.conflict
    )


def _store_audit(session: Session, ws: Workstation, entries: list[wire.AuditRecord]) -> None:
    """Append-only and exactly once: (workstation, local id) is unique; repeats are skipped."""
    ordered = sorted(entries, key=lambda e: e.local_id)
    if not ordered:
        return
    session.flush()
    conn = session.connection()
    held = set(
        conn.scalars(
            select(AuditRecord.local_id).where(
                AuditRecord.workstation_id == ws.id,
                AuditRecord.local_id.between(ordered[0].local_id, ordered[-1].local_id),
            )
        )
    )
    rows: list[dict[str, Any]] = []
    site, ws_id, through = ws.site, ws.id, ws.audit_through
    for entry in ordered:
        if entry.local_id not in held:
            held.add(entry.local_id)
            rows.append(
                {
                    "site": site, "workstation_id": ws_id, "local_id": entry.local_id, "at": wire_time(entry.at),
                    "actor": entry.actor, "action": entry.action, "entity_type": entry.entity_type,
                    "entity_key": entry.entity_key, "before": _json_text(entry.before),
                    "after": _json_text(entry.after), "reason": entry.reason, "operation_id": entry.operation_id,
                    "hash": entry.hash,
                }
            )  # fmt: skip
        if entry.local_id == through + 1:
            through = entry.local_id
    ws.audit_through = through
    INSERT_AUDIT.run(conn, rows)


def _json_text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json_text(value)


def _emit_changes(db: ServerDatabase, ctx: PushContext) -> None:
    """One change per touched entity, parents before children, numbered in commit order.

    Touched rows are read back with a few ``IN`` queries and the changes written with one
    ``executemany``: a batch of 500 registrations costs a handful of statements.
    """
    session = ctx.session
    session.flush()
    conn = session.connection()
    keys: dict[str, list[str]] = {"location": [], "sample": [], "conflict": []}
    for entity_type, key in ctx.touched:
        keys[entity_type].append(key)
    locations = fetch_states(conn, "location", keys["location"])
    samples = fetch_states(conn, "sample", [key for key in keys["sample"] if key not in ctx.fresh])
    samples.update(ctx.fresh)
    location_depth = depths(conn, "location", {k: v["parent"] for k, v in locations.items()}, 16)
    sample_depth = depths(conn, "sample", {k: v["parent"] for k, v in samples.items()}, 64)
    rows: list[tuple[tuple[int, int], str, str, str, dict[str, Any] | None]] = []
    fallback_site = ctx.workstation.site
    for entity_type, key in ctx.touched:
        if entity_type == "location":
            loc = locations.get(key)
            if loc is None:
                rows.append(((3, 0), fallback_site, entity_type, key, None))
            else:
                rows.append(((0, location_depth[key]), loc["site"], entity_type, key, loc))
        elif entity_type == "sample":
            s = samples.get(key)
            if s is None:
                rows.append(((2, 0), fallback_site, entity_type, key, None))
            else:
                rows.append(((1, sample_depth[key]), s["site"], entity_type, key, s))
        else:
            c = session.get(Conflict, key)
            if c is not None:
                rows.append(((4, 0), c.site, entity_type, key, conflict_state(c)))
    if not rows:
        return
    rows.sort(key=lambda r: r[0])
    INSERT_CHANGE.run(conn, _numbered(db, session, rows))


def _numbered(db: ServerDatabase, session: Session, rows: list[Any]) -> list[dict[str, Any]]:
    """The changes as rows of ``change``, numbered per site in the order given (parents before children)."""
    by_site: dict[str, list[tuple[str, str, dict[str, Any] | None]]] = {}
    for _order, site, etype, key, data in rows:
        by_site.setdefault(site, []).append((etype, key, data))
    numbered: list[dict[str, Any]] = []
    for site in sorted(by_site):
        run = by_site[site]
        first = db.advance_counter(session, site, len(run)) - len(run) + 1
        numbered.extend(
            {"seq": first + i, "site": site, "entity_type": etype, "key": key, "data": _json_text(data)}
            for i, (etype, key, data) in enumerate(run)
        )
    return numbered


_CHANGES_SQL = text(
    "SELECT seq, entity_type, key, data FROM change WHERE site = :site AND seq > :after AND seq <= :upto"
    " ORDER BY seq LIMIT :limit"
)


def parse_cursor(text: str, sites: frozenset[str]) -> dict[str, int]:
    """A pull cursor from its query text: ``{"SITE": n, ...}`` as JSON, or one number for every site.

    One number is what workstations held before the feed was numbered per site; every
    site's counter started at the last such number, so it means the same for each site.
    Raises ``ValueError`` with a reason for anything else.
    """
    text = text.strip()
    if not text:
        return {}
    if text.isdigit():
        return dict.fromkeys(sites, int(text))
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("the cursor is neither a number nor a JSON object") from None
    if not isinstance(value, dict) or len(value) > wire.MAX_CURSOR_SITES:
        raise ValueError(f"the cursor must be a JSON object of at most {wire.MAX_CURSOR_SITES} sites")
    for site, seq in value.items():
        if not 0 < len(site) <= 64 or type(seq) is not int or seq < 0:
            raise ValueError("each cursor entry is a site code and a change number of 0 or more")
    return value


def counters(session: Session, sites: Iterable[str]) -> dict[str, int]:
    """The sites' change counters as they are now (a site without one has handed out nothing)."""
    wanted = sorted(sites)
    found = session.execute(select(ChangeCounter.site, ChangeCounter.value).where(ChangeCounter.site.in_(wanted))).all()
    return {site: int(value) for site, value in found}


def pull_json(
    db: ServerDatabase, sites: frozenset[str], after: dict[str, int], limit: int
) -> tuple[list[str], dict[str, int], bool]:
    """Changes after ``after`` visible to ``sites``, each as the JSON of a ``wire.Change``; and the next cursor.

    Site by site, each in its own commit order; the cursor moves per site and never
    passes an uncommitted change. Sites left out (not asked for, or no longer visible)
    keep their place in the cursor. Each change's stored JSON goes out as it is.
    """
    cursor = dict(after)
    raw: list[Any] = []
    more = False
    with db.reading() as session:
        upto = counters(session, sites)
        for site in sorted(sites):
            start, top = after.get(site, 0), upto.get(site, 0)
            if start >= top:
                cursor[site] = start
                continue
            room = limit - len(raw)
            if room <= 0:
                more = True
                break
            found = session.execute(_CHANGES_SQL, {"site": site, "after": start, "upto": top, "limit": room}).all()
            raw.extend(found)
            if len(found) < room:
                cursor[site] = top
            else:
                cursor[site] = int(found[-1][0])
                more = cursor[site] < top or any(after.get(s, 0) < upto.get(s, 0) for s in sites if s > site)
                if more:
                    break
    changes = [
        f'{{"seq":{int(seq)},"entity_type":{json.dumps(entity_type)},"key":{json.dumps(key)},"data":{data or "null"}}}'
        for seq, entity_type, key, data in raw
    ]
    return changes, cursor, more


_LOCATION_COLUMNS = (
    "uuid, site, kind, label, name, parent, unit_type, temperature_class, rows, cols, capacity, retired, version,"
    " created_at, updated_at"
)
_SAMPLE_COLUMNS = (
    "uuid, site, barcode, sample_type, status, volume_nl, concentration, concentration_unit, project, owner,"
    " collected_at, expires_at, freeze_thaw_count, attributes, parent, box, row, col, version, created_at, updated_at"
)
LOCATION_FIELDS = tuple(c.strip() for c in _LOCATION_COLUMNS.split(","))
SAMPLE_FIELDS = tuple(c.strip() for c in _SAMPLE_COLUMNS.split(","))


def snapshot_lines(db: ServerDatabase, sites: frozenset[str]) -> Iterator[bytes]:
    """NDJSON: a header with the cursor, then locations, samples and conflicts, all from one snapshot.

    Entity lines are positional arrays (``["l", ...LOCATION_FIELDS]``, ``["s", ...SAMPLE_FIELDS]``,
    ``["c", {conflict}]``) to keep a million samples small; JSON columns are passed through as stored.
    """
    site_list = sorted(sites)
    with db.reading(snapshot=True) as session:
        conn = session.connection()
        upto = counters(session, site_list)
        counts = [
            int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE site IN :sites").bindparams(
                bindparam("sites", expanding=True)), {"sites": site_list}).scalar_one())
            for table in ("location", "sample", "conflict")
        ]  # fmt: skip
        header = wire.SnapshotHeader(
            cursor=upto, sites=site_list, locations=counts[0], samples=counts[1], conflicts=counts[2]
        )
        yield header.model_dump_json().encode() + b"\n"
        stmt = text(f"SELECT {_LOCATION_COLUMNS} FROM location WHERE site IN :sites ORDER BY uuid").bindparams(
            bindparam("sites", expanding=True)
        )
        for r in conn.execute(stmt, {"sites": site_list}):
            values = list(r)
            values[11] = bool(values[11])
            yield json.dumps(["l", *values], separators=(",", ":")).encode() + b"\n"
        stmt = text(f"SELECT {_SAMPLE_COLUMNS} FROM sample WHERE site IN :sites ORDER BY uuid").bindparams(
            bindparam("sites", expanding=True)
        )
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt, {"sites": site_list})
        buffer: list[bytes] = []
        for r in result:
            values = list(r)
            attributes = values[13]
            values[13] = json.loads(attributes) if attributes and attributes != "{}" else {}
            buffer.append(json.dumps(["s", *values], separators=(",", ":")).encode())
            if len(buffer) >= 2000:
                yield b"\n".join(buffer) + b"\n"
                buffer.clear()
        if buffer:
            yield b"\n".join(buffer) + b"\n"
        for c in session.scalars(select(Conflict).where(Conflict.site.in_(site_list)).order_by(Conflict.id)):
            yield json.dumps(["c", conflict_state(c)], separators=(",", ":")).encode() + b"\n"
        yield b'{"end":true}\n'
