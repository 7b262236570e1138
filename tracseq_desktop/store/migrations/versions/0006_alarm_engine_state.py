"""Alarm engine state: conditions inside their delay, probes seen, missed polls, kept across restarts.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TIME = sa.String(length=32)  # UTC text, as the models' UTCDateTime stores it


def upgrade() -> None:
    op.create_table(
        "alarm_engine_state",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Text(), nullable=False),
        sa.Column("seen_probes", sa.Integer(), nullable=False),
        sa.Column("missed_polls", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id"),
    )


def downgrade() -> None:
    op.drop_table("alarm_engine_state")
