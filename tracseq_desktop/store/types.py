"""Column types shared by the local and the server store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, String, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as ISO 8601 text that sorts in time order.

    Naive datetimes are refused: a time without a zone is a bug waiting to happen.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return to_utc_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return from_utc_text(value)


def from_utc_text(value: str | None) -> datetime | None:
    """Parse what ``to_utc_text`` wrote (``fromisoformat`` is several times faster than ``strptime``)."""
    if value is None:
        return None
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


def to_utc_text(value: datetime) -> str:
    """The same text ``UTCDateTime`` stores, for raw SQL and hashing: 2026-03-31T14:05:00.000000Z."""
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


class JSONText(TypeDecorator[Any]):
    """JSON kept as compact text with sorted keys (stable for hashing and diffing)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else canonical_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
