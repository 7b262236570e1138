"""Server schema: accounts, workstations, tokens, entities by UUID, intents, change feed, audit, conflicts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "server_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "site",
        sa.Column("code", sa.String(length=64), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "user_site",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "site"),
    )
    op.create_table(
        "workstation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_through", sa.BigInteger(), nullable=False),
        _time("registered_at"),
        _time("seen_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        _time("expires_at"),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_refresh_token_family", "refresh_token", ["family"])
    op.create_table(
        "location",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent", sa.String(length=36), nullable=True),
        sa.Column("unit_type", sa.String(length=32), nullable=True),
        sa.Column("temperature_class", sa.String(length=8), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("cols", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("uuid"),
        sa.UniqueConstraint("label"),
    )
    op.create_index("ix_location_site", "location", ["site"])
    op.create_index("ix_location_parent", "location", ["parent"])
    op.create_table(
        "sample",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("barcode", sa.String(length=64), nullable=False),
        sa.Column("sample_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("volume_nl", sa.BigInteger(), nullable=True),
        sa.Column("concentration", sa.Float(), nullable=True),
        sa.Column("concentration_unit", sa.String(length=16), nullable=True),
        sa.Column("project", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        _time("collected_at", nullable=True),
        _time("expires_at", nullable=True),
        sa.Column("freeze_thaw_count", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("parent", sa.String(length=36), nullable=True),
        sa.Column("box", sa.String(length=36), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("col", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("uuid"),
        sa.UniqueConstraint("barcode"),
        sa.UniqueConstraint("box", "row", "col", name="uq_sample_position"),
    )
    op.create_index("ix_sample_site", "sample", ["site"])
    op.create_index("ix_sample_box", "sample", ["box"])
    op.create_table(
        "mutation",
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("expect", sa.Text(), nullable=False),
        sa.Column("hlc", sa.String(length=96), nullable=False),
        _time("at"),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("conflict_id", sa.String(length=36), nullable=True),
        _time("received_at"),
        sa.PrimaryKeyConstraint("key"),
        sa.UniqueConstraint("workstation_id", "seq", name="uq_mutation_workstation_seq"),
    )
    op.create_table(
        "change",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_change_site_seq", "change", ["site", "seq"])
    op.create_table(
        "audit_entry",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        sa.Column("local_id", sa.BigInteger(), nullable=False),
        _time("at"),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("entity_key", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("operation_id", sa.String(length=36), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workstation_id", "local_id", name="uq_audit_workstation_entry"),
    )
    op.create_index("ix_audit_entry_site", "audit_entry", ["site"])
    op.create_table(
        "conflict",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("mutation_key", sa.String(length=36), nullable=False),
        _time("created_at"),
        sa.Column("resolved_option", sa.String(length=64), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_reason", sa.Text(), nullable=True),
        _time("resolved_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conflict_site", "conflict", ["site"])
    op.create_table(
        "field_history",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("entity_key", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("kept", sa.Text(), nullable=True),
        sa.Column("lost", sa.Text(), nullable=True),
        sa.Column("mutation_key", sa.String(length=36), nullable=False),
        _time("at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_field_history_entity", "field_history", ["entity_type", "entity_key"])


def downgrade() -> None:
    for table in (
        "field_history",
        "conflict",
        "audit_entry",
        "change",
        "mutation",
        "sample",
        "location",
        "refresh_token",
        "workstation",
        "user_site",
        "user_account",
        "site",
        "server_key",
        "counter",
    ):
        op.drop_table(table)
