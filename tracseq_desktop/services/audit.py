"""The hash-chained audit trail: appending entries and verifying the chain.

Each entry's hash covers its stored fields and the previous entry's hash; ids run
without gaps; ``audit_head`` holds the newest id and hash. Editing, inserting or
deleting a past entry, or cutting entries off the end, breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tracseq_desktop.domain.views import AuditVerification
from tracseq_desktop.i18n import _
from tracseq_desktop.store.txcache import transaction_cache
from tracseq_desktop.store.types import canonical_json, to_utc_text

GENESIS = "0" * 64
_TAIL = "audit.tail"
_INSERT_SQL = text(
    "INSERT INTO audit_entry (id, at, actor, workstation, action, entity_type, entity_key, before, after,"
    " reason, operation_id, prev_hash, hash) VALUES (:id, :at, :actor, :workstation, :action,"
    " :entity_type, :entity_key, :before, :after, :reason, :operation_id, :prev_hash, :hash)"
)
_FIELDS = (
    "id",
    "at",
    "actor",
    "workstation",
    "action",
    "entity_type",
    "entity_key",
    "before",
    "after",
    "reason",
    "operation_id",
)


def entry_hash(prev_hash: str, stored: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's columns exactly as stored."""
    payload = json.dumps([prev_hash, *[stored[f] for f in _FIELDS]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Tail:
    """The newest entry written so far in this transaction."""

    def __init__(self, last_id: int, last_hash: str) -> None:
        self.last_id, self.last_hash = last_id, last_hash


_HEAD_SQL = text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
_AFTER_HEAD_SQL = text("SELECT id, hash FROM audit_entry WHERE id > :head ORDER BY id DESC LIMIT 1")


class AuditWriter:
    """Appends entries inside the caller's transaction (which must be BEGIN IMMEDIATE).

    The newest id and hash are kept in memory while the transaction goes on; a rolled-back
    savepoint drops them (``store.txcache``) and they are read again from the entries the
    transaction still holds, so the ids stay gap-free and the chain unbroken.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        row = session.execute(_HEAD_SQL).first()
        self._head = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        self._has_head = row is not None
        transaction_cache(session, _TAIL, lambda: _Tail(*self._head))

    def _tail(self) -> _Tail:
        return transaction_cache(self._session, _TAIL, self._reload)

    def _reload(self) -> _Tail:
        row = self._session.execute(_AFTER_HEAD_SQL, {"head": self._head[0]}).first()
        return _Tail(int(row[0]), str(row[1])) if row else _Tail(*self._head)

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        workstation: str,
        action: str,
        entity_type: str,
        entity_key: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None,
        operation_id: str,
    ) -> int:
        tail = self._tail()
        stored: dict[str, Any] = {
            "id": tail.last_id + 1,
            "at": to_utc_text(at),
            "actor": actor,
            "workstation": workstation,
            "action": action,
            "entity_type": entity_type,
            "entity_key": entity_key,
            "before": None if before is None else canonical_json(before),
            "after": None if after is None else canonical_json(after),
            "reason": reason,
            "operation_id": operation_id,
        }
        digest = entry_hash(tail.last_hash, stored)
        self._session.execute(_INSERT_SQL, {**stored, "prev_hash": tail.last_hash, "hash": digest})
        tail.last_id, tail.last_hash = stored["id"], digest
        return int(stored["id"])

    def flush_head(self) -> None:
        """Record the newest entry; called once per transaction, before commit."""
        tail = self._tail()
        params = {"last_id": tail.last_id, "last_hash": tail.last_hash}
        if self._has_head:
            self._session.execute(
                text("UPDATE audit_head SET last_id = :last_id, last_hash = :last_hash WHERE id = 1"), params
            )
        elif tail.last_id:
            self._session.execute(
                text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :last_id, :last_hash)"), params
            )
            self._has_head = True


def verify_chain(session: Session, batch: int = 20_000) -> AuditVerification:
    """Walk the whole chain; report every break found (first 20) and how many entries were checked."""
    problems: list[str] = []
    prev_hash, prev_id, checked = GENESIS, 0, 0
    columns = ", ".join(_FIELDS)
    while True:
        rows = session.execute(
            text(f"SELECT {columns}, prev_hash, hash FROM audit_entry WHERE id > :after ORDER BY id LIMIT :n"),
            {"after": prev_id, "n": batch},
        ).all()
        if not rows:
            break
        for row in rows:
            stored = dict(zip(_FIELDS, row[: len(_FIELDS)], strict=True))
            entry_id = int(stored["id"])
            if entry_id != prev_id + 1:
                problems.append(
                    _("Entries {first} to {last} are missing.").format(first=prev_id + 1, last=entry_id - 1)
                )
            if row.prev_hash != prev_hash:
                problems.append(_("Entry {id} does not follow the entry before it.").format(id=entry_id))
            if entry_hash(row.prev_hash, stored) != row.hash:
                problems.append(_("Entry {id} was changed after it was written.").format(id=entry_id))
            prev_hash, prev_id = row.hash, entry_id
            checked += 1
    head = session.execute(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    if head is None and checked:
        problems.append(_("The record of the newest entry is missing."))
    elif head is not None and (int(head[0]) != prev_id or head[1] != prev_hash):
        problems.append(
            _("The trail ends at entry {found}, but entry {expected} was the newest written.").format(
                found=prev_id, expected=head[0]
            )
        )
    return AuditVerification(ok=not problems, checked=checked, problems=tuple(problems[:20]))
