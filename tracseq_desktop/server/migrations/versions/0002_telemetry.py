"""Telemetry: workstations' freezer readings (hour blocks) and alarm events, append-only, keyed by site first.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "unit_reading_block",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=36), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("site", "unit", "hour", "workstation_id"),
    )
    op.create_table(
        "alarm_event",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("alarm", sa.String(length=36), nullable=False),
        sa.Column("unit", sa.String(length=36), nullable=False),
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        _time("at"),
        _time("started_at", nullable=True),
        sa.Column("peak", sa.Float(), nullable=True),
        sa.Column("limit_value", sa.Float(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _time("received_at"),
        sa.PrimaryKeyConstraint("site", "id"),
    )
    op.create_index("ix_alarm_event_unit_at", "alarm_event", ["site", "unit", "at"])


def downgrade() -> None:
    op.drop_index("ix_alarm_event_unit_at", table_name="alarm_event")
    op.drop_table("alarm_event")
    op.drop_table("unit_reading_block")
