"""Tables of the central server (SQLite or PostgreSQL).

Every table holding laboratory data carries ``site``, so that a distributed engine
(Citus) can shard by site: queries filter by it and site-local rows join on it.
Timestamps are ISO 8601 UTC text and JSON is canonical text: identical on both back ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracseq_desktop.store.types import JSONText, UTCDateTime


class Base(DeclarativeBase):
    pass


class ChangeCounter(Base):
    """A site's change counter: locked by every push to the site and bumped before its commit,
    so within a site seq order = commit order (pushes to other sites do not wait)."""

    __tablename__ = "change_counter"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ServerKey(Base):
    """The token-signing secret shared by every server process on this database."""

    __tablename__ = "server_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Site(Base):
    __tablename__ = "site"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserSite(Base):
    __tablename__ = "user_site"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64), primary_key=True)


class Workstation(Base):
    __tablename__ = "workstation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    site: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_through: Mapped[int] = mapped_column(BigInteger, default=0)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RefreshToken(Base):
    """Refresh tokens are stored hashed; each use replaces it, and a reused one revokes its family."""

    __tablename__ = "refresh_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    workstation_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Location(Base):
    __tablename__ = "location"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str | None] = mapped_column(String(36), index=True)
    unit_type: Mapped[str | None] = mapped_column(String(32))
    temperature_class: Mapped[str | None] = mapped_column(String(8))
    rows: Mapped[int | None] = mapped_column(Integer)
    cols: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    #: field -> clock stamp of its last accepted write (per-field last-writer-wins)
    clocks: Mapped[dict[str, str]] = mapped_column(JSONText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Sample(Base):
    __tablename__ = "sample"
    __table_args__ = (UniqueConstraint("box", "row", "col", name="uq_sample_position"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    sample_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    volume_nl: Mapped[int | None] = mapped_column(BigInteger)
    concentration: Mapped[float | None] = mapped_column(Float)
    concentration_unit: Mapped[str | None] = mapped_column(String(16))
    project: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(100))
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    freeze_thaw_count: Mapped[int] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONText())
    parent: Mapped[str | None] = mapped_column(String(36))
    box: Mapped[str | None] = mapped_column(String(36), index=True)
    row: Mapped[int | None] = mapped_column(Integer)
    col: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    clocks: Mapped[dict[str, str]] = mapped_column(JSONText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MutationRecord(Base):
    """Every intent received, with its final outcome: the idempotency record."""

    __tablename__ = "mutation"
    __table_args__ = (UniqueConstraint("workstation_id", "seq", name="uq_mutation_workstation_seq"),)

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    workstation_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    operation_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[dict[str, Any]] = mapped_column(JSONText())
    expect: Mapped[dict[str, Any]] = mapped_column(JSONText())
    hlc: Mapped[str] = mapped_column(String(96))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    conflict_id: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChangeRecord(Base):
    """The change feed, one ordered run per site: an entity's whole state after a push touched it."""

    __tablename__ = "change"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity_type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(36))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONText())


class AuditRecord(Base):
    """Workstations' audit entries, each exactly once (unique by workstation and local id)."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("workstation_id", "local_id", name="uq_audit_workstation_entry"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    workstation_id: Mapped[str] = mapped_column(String(36))
    local_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_key: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    reason: Mapped[str | None] = mapped_column(Text)
    operation_id: Mapped[str] = mapped_column(String(36))
    hash: Mapped[str] = mapped_column(String(64))


class Conflict(Base):
    __tablename__ = "conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    subject: Mapped[dict[str, Any]] = mapped_column(JSONText())
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONText())
    mutation_key: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_option: Mapped[str | None] = mapped_column(String(64))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FieldHistory(Base):
    """Values that lost a last-writer-wins merge or were overwritten: nothing goes silently."""

    __tablename__ = "field_history"
    __table_args__ = (Index("ix_field_history_entity", "entity_type", "entity_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_key: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(100))
    kept: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    lost: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    mutation_key: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class UnitReadingBlock(Base):
    """One workstation's readings of one unit and one hour, packed and sealed (``store/readings.py``).

    Keyed by site first (the distribution key), then unit and hour: a dashboard's range
    query reads one index range. Several workstations may hold readings of one unit.
    """

    __tablename__ = "unit_reading_block"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(36), primary_key=True)
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workstation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlarmEventRecord(Base):
    """Alarm events (raised, cleared, acknowledged), each once: the workstation made its UUID."""

    __tablename__ = "alarm_event"
    __table_args__ = (Index("ix_alarm_event_unit_at", "site", "unit", "at"),)

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alarm: Mapped[str] = mapped_column(String(36))
    unit: Mapped[str] = mapped_column(String(36))
    workstation_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    peak: Mapped[float | None] = mapped_column(Float)
    limit_value: Mapped[float | None] = mapped_column(Float)
    actor: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
