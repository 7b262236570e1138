"""One operation = one write transaction with its audit entries, committed together.

Services open an ``Operation`` for every change; it carries the operation id shared
by all its audit entries, the time, the actor and what changed (for the views).
Every change also goes to the sync outbox as an intent (``Operation.intent``), in the
same transaction: what was done and what the workstation expected to find.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tracseq_desktop.services.actor import Actor, Clock
from tracseq_desktop.services.audit import AuditWriter
from tracseq_desktop.store.database import Change, Database
from tracseq_desktop.sync.hlc import HybridClock
from tracseq_desktop.sync.outbox import append_intent, load_clock, save_clock, uuid_of


class Operation:
    def __init__(self, session: Session, actor: Actor, now: datetime) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.id = str(uuid.uuid4())
        self._audit = AuditWriter(session)
        self.samples: set[int] = set()
        self.locations: set[int] = set()
        self.kinds: set[str] = set()
        self.actions: set[str] = set()
        self._clock: HybridClock | None = None

    def record(
        self,
        action: str,
        entity_type: str,
        entity_key: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None = None,
    ) -> None:
        """Write one audit entry for one changed entity."""
        self._audit.append(
            at=self.now,
            actor=self.actor.user,
            workstation=self.actor.workstation,
            action=action,
            entity_type=entity_type,
            entity_key=entity_key,
            before=before,
            after=after,
            reason=reason,
            operation_id=self.id,
        )
        self.kinds.add(entity_type)
        self.actions.add(action)

    def intent(self, kind: str, args: dict[str, Any], expect: dict[str, Any] | None = None) -> None:
        """Queue what this operation did for the server: ``kind`` with ``args``, expecting ``expect``.

        Intents of one operation share its id; the server re-checks ``expect`` against its
        own state (e.g. "the position is empty", "the sample is at version 7").
        """
        if self._clock is None:
            self._clock = load_clock(self.session, self.now)
        append_intent(
            self.session,
            operation_id=self.id,
            kind=kind,
            args=args,
            expect=expect or {},
            stamp=self._clock.tick(),
            at=self.now,
            actor=self.actor.user,
        )

    def key(self, entity_type: str, local_id: int) -> str:
        """The UUID every replica knows the row ``local_id`` of ``entity_type`` by."""
        return uuid_of(self.session, entity_type, local_id)

    def finish(self) -> None:
        if self._clock is not None:
            save_clock(self.session, self._clock)
        self.session.flush()
        self._audit.flush_head()

    @property
    def change(self) -> Change:
        return Change(
            frozenset(self.samples), frozenset(self.locations), frozenset(self.kinds), frozenset(self.actions)
        )


class OperationRunner:
    """Opens operations on a database for an actor; notifies listeners after commit."""

    def __init__(self, db: Database, actor: Actor, clock: Clock) -> None:
        self.db = db
        self.actor = actor
        self.clock = clock

    @contextmanager
    def operation(self) -> Iterator[Operation]:
        with self.db.writing() as session:
            op = Operation(session, self.actor, self.clock())
            yield op
            op.finish()
        self.db.notify(op.change)
