"""Values remembered for the span of one transaction, forgotten by any rollback.

Bulk writes ask the same questions row after row (the next outbox sequence number, the
UUID of a row made a moment ago, a sample type's temperatures). Each answer stays true
while the transaction goes on, and stops being true when part of it is undone: after a
rolled-back SAVEPOINT the next sequence number is again the one before it, and a UUID
made inside it points at nothing. So every rollback (a savepoint's or the whole
transaction's) and the end of the outermost transaction drop everything cached here;
a released savepoint keeps it, since what it wrote stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "tracseq.transaction_cache"
T = TypeVar("T")


def transaction_cache(session: Session, name: str, factory: Callable[[], T]) -> T:
    """The value cached as ``name`` in ``session``'s transaction, made by ``factory`` on first use."""
    cache: dict[str, Any] | None = session.info.get(_KEY)
    if cache is None:
        cache = session.info[_KEY] = {}
    if name not in cache:
        cache[name] = factory()
    return cast(T, cache[name])


def forget(session: Session, name: str) -> None:
    """Drop one cached value (its source changed inside the transaction)."""
    cache: dict[str, Any] | None = session.info.get(_KEY)
    if cache is not None:
        cache.pop(name, None)


@event.listens_for(Session, "after_soft_rollback")
def _on_rollback(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)
