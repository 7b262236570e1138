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


# -- freezer monitoring (migration 0002) -------------------------------------------------


class UnitLink(Base):
    """How a storage unit's controller is reached."""

    __tablename__ = "unit_link"

    unit_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), primary_key=True)
    port: Mapped[str] = mapped_column(String(200))
    protocol: Mapped[str] = mapped_column(String(32))
    address: Mapped[int] = mapped_column(Integer)
    baud: Mapped[int] = mapped_column(Integer)
    poll_interval_s: Mapped[float]
    simulated: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UnitAlarmSettings(Base):
    """A unit's alarm limits; a unit without a row uses its temperature class's defaults."""

    __tablename__ = "unit_alarm_settings"

    unit_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), primary_key=True)
    high_c: Mapped[float | None]
    low_c: Mapped[float | None]
    delay_s: Mapped[float]
    door_delay_s: Mapped[float]
    hysteresis_c: Mapped[float]
    ln2_level_low_mm: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReadingBlock(Base):
    """One unit's readings of one hour, packed (see ``store/readings.py``)."""

    __tablename__ = "reading_block"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)  #: hours since the epoch
    data: Mapped[bytes]


class ReadingRollup(Base):
    """Count, min, max and sum of temperature and LN2 level per unit and hour (period 3600) or day (86400)."""

    __tablename__ = "reading_rollup"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)  #: epoch seconds // period_s
    n: Mapped[int] = mapped_column(Integer)
    t_n: Mapped[int] = mapped_column(Integer)
    t_min: Mapped[float | None]
    t_max: Mapped[float | None]
    t_sum: Mapped[float]
    l_n: Mapped[int] = mapped_column(Integer)
    l_min: Mapped[float | None]
    l_max: Mapped[float | None]
    l_sum: Mapped[float]


class AlarmRecord(Base):
    """One alarm from raising to acknowledgement; open while not cleared or not acknowledged."""

    __tablename__ = "alarm"
    __table_args__ = (Index("ix_alarm_unit_cleared", "unit_id", "cleared_at"), Index("ix_alarm_ack", "acknowledged_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    peak: Mapped[float | None]
    limit_value: Mapped[float | None]
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    ack_comment: Mapped[str | None] = mapped_column(Text)


class AlarmEngineState(Base):
    """What a unit's alarm engine remembers besides its active alarms (migration 0006).

    Written in the transaction of the reading or failed poll that changed it, read when
    an engine is created, so a restart neither restarts an alarm delay nor forgets a
    probe that stopped working. ``pending`` lists the conditions still inside their
    delay: ``[{"kind": ..., "since": "<UTC text>", "peak": ...}]``.
    """

    __tablename__ = "alarm_engine_state"

    unit_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), primary_key=True)
    pending: Mapped[list[dict[str, Any]]] = mapped_column(JSONText())
    seen_probes: Mapped[int] = mapped_column(Integer)  #: bit i: probe i has reported a value
    missed_polls: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlarmExposure(Base):
    """A sample that was in the unit during a temperature excursion."""

    __tablename__ = "alarm_exposure"

    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarm.id", ondelete="CASCADE"), primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id", ondelete="CASCADE"), primary_key=True, index=True)


class SyncOutbox(Base):
    """Intents waiting for (or answered by) the central server; ``seq`` runs without gaps."""

    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_status", "status", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(36), unique=True)
    operation_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[dict[str, Any]] = mapped_column(JSONText())
    expect: Mapped[dict[str, Any]] = mapped_column(JSONText())
    #: UUIDs of the entities the intent touches (a pull stops before pages that touch them)
    entities: Mapped[list[str]] = mapped_column(JSONText())
    hlc: Mapped[str] = mapped_column(String(96))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    #: pending, applied, duplicate, conflict or rejected
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    conflict_id: Mapped[str | None] = mapped_column(String(36))


class SyncKey(Base):
    """The UUID under which a local row is known to every replica, and the site owning it."""

    __tablename__ = "sync_key"
    __table_args__ = (UniqueConstraint("entity_type", "uuid", name="uq_sync_key_uuid"),)

    entity_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    local_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    site: Mapped[str | None] = mapped_column(String(64))


class SyncConflict(Base):
    """A conflict the server found, as pulled; shown in the conflict inbox until resolved."""

    __tablename__ = "sync_conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    site: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    summary: Mapped[str] = mapped_column(Text)
    subject: Mapped[dict[str, Any]] = mapped_column(JSONText())
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_option: Mapped[str | None] = mapped_column(String(64))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the command line lists a conflict as new once, the first time a sync brings it
    announced: Mapped[bool] = mapped_column(Boolean, default=False)


# -- workflows (migration 0004) ------------------------------------------------------------------
class WorkflowRecord(Base):
    """A named workflow; its graphs are the versions below."""

    __tablename__ = "workflow"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkflowVersionRecord(Base):
    """One version's graph as JSON; once published, triggers refuse any change or deletion."""

    __tablename__ = "workflow_version"
    __table_args__ = (UniqueConstraint("workflow_id", "version", name="uq_workflow_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflow.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONText())
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkflowRunRecord(Base):
    """A run of one workflow version on samples; ``state`` holds each sample's place in the graph."""

    __tablename__ = "workflow_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("workflow_version.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    samples: Mapped[list[str]] = mapped_column(JSONText())
    state: Mapped[dict[str, Any]] = mapped_column(JSONText())
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(100))
    workstation: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkflowStepResultRecord(Base):
    """What one step did for one sample (or the whole run), in the order it happened."""

    __tablename__ = "workflow_step_result"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_workflow_step_result_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("workflow_run.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    barcode: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONText())
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkflowSignatureRecord(Base):
    """An electronic signature: who (name and printed name), when, and what it means."""

    __tablename__ = "workflow_signature"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("workflow_run.id", ondelete="RESTRICT"), index=True)
    step_id: Mapped[str] = mapped_column(String(40))
    signer: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(String(16))
    statement: Mapped[str] = mapped_column(Text)
    barcodes: Mapped[list[str]] = mapped_column(JSONText())
    workstation: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserAccountRecord(Base):
    """A local account for signing: a salted scrypt hash of the password, never the password."""

    __tablename__ = "user_account"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    salt: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(128))
    scrypt_n: Mapped[int] = mapped_column(Integer)
    scrypt_r: Mapped[int] = mapped_column(Integer)
    scrypt_p: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BoxScanRecord(Base):
    """A camera scan of a whole box: the picture, what was read, and the operation that accepted it."""

    __tablename__ = "box_scan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)
    box_label: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    workstation: Mapped[str] = mapped_column(String(100))
    image: Mapped[bytes] = mapped_column()  # PNG or JPEG as taken (LargeBinary)
    image_format: Mapped[str] = mapped_column(String(8))
    rows: Mapped[int] = mapped_column(Integer)
    cols: Mapped[int] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSONText())
    operation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
