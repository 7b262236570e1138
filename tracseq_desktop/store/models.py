"""Typed declarative tables of the local store.

Changes to these tables need an Alembic revision in ``migrations/versions``; the
test suite compares the migrated schema with these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracseq_desktop.store.types import JSONText, UTCDateTime


class Base(DeclarativeBase):
    pass


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)
    unit_type: Mapped[str | None] = mapped_column(String(32))
    temperature_class: Mapped[str | None] = mapped_column(String(8))
    grid_rows: Mapped[int | None] = mapped_column(Integer)
    grid_cols: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    #: labels and names of this location and its ancestors, for text search
    search_words: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SampleType(Base):
    __tablename__ = "sample_type"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: comma-separated temperature classes this type may be stored at
    temperature_classes: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")


class Sample(Base):
    __tablename__ = "sample"
    __table_args__ = (
        UniqueConstraint("box_id", "pos_row", "pos_col", name="uq_sample_position"),
        Index("ix_sample_project", "project"),
        Index("ix_sample_owner", "owner"),
        Index("ix_sample_type_status", "sample_type", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    sample_type: Mapped[str] = mapped_column(ForeignKey("sample_type.name"))
    status: Mapped[str] = mapped_column(String(16))
    volume_nl: Mapped[int | None] = mapped_column(BigInteger)
    concentration: Mapped[float | None]
    concentration_unit: Mapped[str | None] = mapped_column(String(16))
    project: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(100))
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    freeze_thaw_count: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONText(), default=dict)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sample.id", ondelete="RESTRICT"), index=True)
    box_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)
    pos_row: Mapped[int | None] = mapped_column(Integer)
    pos_col: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Append-only, hash-chained; triggers in the migration refuse UPDATE and DELETE."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    workstation: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_key: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    reason: Mapped[str | None] = mapped_column(Text)
    operation_id: Mapped[str] = mapped_column(String(36), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Meta(Base):
    """Facts about this database file: whether it holds demo data, its workstation id."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditHead(Base):
    """The newest entry of the chain, so that cutting entries off the end is detected."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
