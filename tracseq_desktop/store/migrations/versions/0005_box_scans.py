"""Box scans: the camera picture of a box, what was read in it, and the operation that accepted it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = sa.String(length=32)  # UTC text, as the models' UTCDateTime stores it


def upgrade() -> None:
    op.create_table(
        "box_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("box_label", sa.String(length=64), nullable=False),
        sa.Column("taken_at", _TIME, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("image_format", sa.String(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("cols", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=True),
        sa.Column("accepted_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(["box_id"], ["location.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_box_scan_box_id", "box_scan", ["box_id"], unique=False)
    op.create_index("ix_box_scan_operation_id", "box_scan", ["operation_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_box_scan_operation_id", table_name="box_scan")
    op.drop_index("ix_box_scan_box_id", table_name="box_scan")
    op.drop_table("box_scan")
