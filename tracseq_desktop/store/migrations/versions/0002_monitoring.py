"""Freezer monitoring: device links, alarm limits, packed readings with rollups, alarms and exposures.

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


def upgrade() -> None:
    op.create_table(
        "unit_link",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("port", sa.String(length=200), nullable=False),
        sa.Column("protocol", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Integer(), nullable=False),
        sa.Column("baud", sa.Integer(), nullable=False),
        sa.Column("poll_interval_s", sa.Double(), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    op.create_table(
        "unit_alarm_settings",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("high_c", sa.Double(), nullable=True),
        sa.Column("low_c", sa.Double(), nullable=True),
        sa.Column("delay_s", sa.Double(), nullable=False),
        sa.Column("door_delay_s", sa.Double(), nullable=False),
        sa.Column("hysteresis_c", sa.Double(), nullable=False),
        sa.Column("ln2_level_low_mm", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    op.create_table(
        "reading_block",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "hour"),
    )
    op.create_table(
        "reading_rollup",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_s", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("t_n", sa.Integer(), nullable=False),
        sa.Column("t_min", sa.Double(), nullable=True),
        sa.Column("t_max", sa.Double(), nullable=True),
        sa.Column("t_sum", sa.Double(), nullable=False),
        sa.Column("l_n", sa.Integer(), nullable=False),
        sa.Column("l_min", sa.Double(), nullable=True),
        sa.Column("l_max", sa.Double(), nullable=True),
        sa.Column("l_sum", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "period_s", "bucket"),
    )
    op.create_table(
        "alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.Column("raised_at", sa.String(length=32), nullable=False),
        sa.Column("cleared_at", sa.String(length=32), nullable=True),
        sa.Column("peak", sa.Double(), nullable=True),
        sa.Column("limit_value", sa.Double(), nullable=True),
        sa.Column("announced_at", sa.String(length=32), nullable=False),
        sa.Column("acknowledged_at", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["location.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alarm", schema=None) as batch_op:
        batch_op.create_index("ix_alarm_unit_cleared", ["unit_id", "cleared_at"], unique=False)
        batch_op.create_index("ix_alarm_ack", ["acknowledged_at"], unique=False)

    op.create_table(
        "alarm_exposure",
        sa.Column("alarm_id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["alarm_id"], ["alarm.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sample_id"], ["sample.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alarm_id", "sample_id"),
    )
    with op.batch_alter_table("alarm_exposure", schema=None) as batch_op:
        batch_op.create_index("ix_alarm_exposure_sample_id", ["sample_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alarm_exposure", schema=None) as batch_op:
        batch_op.drop_index("ix_alarm_exposure_sample_id")
    op.drop_table("alarm_exposure")
    with op.batch_alter_table("alarm", schema=None) as batch_op:
        batch_op.drop_index("ix_alarm_ack")
        batch_op.drop_index("ix_alarm_unit_cleared")
    op.drop_table("alarm")
    op.drop_table("reading_rollup")
    op.drop_table("reading_block")
    op.drop_table("unit_alarm_settings")
    op.drop_table("unit_link")
