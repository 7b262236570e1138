"""Workflows: definitions, versions, runs, step results, local signing accounts (filled in by the workflow work).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIME = sa.String(length=32)  # UTC text, as the models' UTCDateTime stores it


def upgrade() -> None:
    op.create_table(
        "workflow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "workflow_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(["workflow_id"], ["workflow.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "version", name="uq_workflow_version"),
    )
    op.create_index("ix_workflow_version_workflow_id", "workflow_version", ["workflow_id"], unique=False)
    op.create_table(
        "workflow_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("samples", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["workflow_version.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_workflow_run_version_id", "workflow_run", ["version_id"], unique=False)
    op.create_index("ix_workflow_run_status", "workflow_run", ["status"], unique=False)
    op.create_table(
        "workflow_step_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("barcode", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["workflow_run.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "seq", name="uq_workflow_step_result_seq"),
    )
    op.create_index("ix_workflow_step_result_run_id", "workflow_step_result", ["run_id"], unique=False)
    op.create_table(
        "workflow_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=40), nullable=False),
        sa.Column("signer", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("meaning", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("barcodes", sa.Text(), nullable=False),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("signed_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["workflow_run.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_workflow_signature_run_id", "workflow_signature", ["run_id"], unique=False)
    op.create_table(
        "user_account",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=128), nullable=False),
        sa.Column("scrypt_n", sa.Integer(), nullable=False),
        sa.Column("scrypt_r", sa.Integer(), nullable=False),
        sa.Column("scrypt_p", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Published versions, signatures and step results are records: the database refuses to rewrite them.
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"""CREATE TRIGGER workflow_version_published_no_{verb.lower()} BEFORE {verb} ON workflow_version
                WHEN old.published_at IS NOT NULL BEGIN
                SELECT RAISE(ABORT, 'a published workflow version cannot be changed'); END"""
        )
        for table in ("workflow_signature", "workflow_step_result"):
            op.execute(
                f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN
                    SELECT RAISE(ABORT, 'workflow records are append-only'); END"""
            )


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS workflow_version_published_no_{verb}")
        op.execute(f"DROP TRIGGER IF EXISTS workflow_signature_no_{verb}")
        op.execute(f"DROP TRIGGER IF EXISTS workflow_step_result_no_{verb}")
    op.drop_table("user_account")
    op.drop_index("ix_workflow_signature_run_id", table_name="workflow_signature")
    op.drop_table("workflow_signature")
    op.drop_index("ix_workflow_step_result_run_id", table_name="workflow_step_result")
    op.drop_table("workflow_step_result")
    op.drop_index("ix_workflow_run_status", table_name="workflow_run")
    op.drop_index("ix_workflow_run_version_id", table_name="workflow_run")
    op.drop_table("workflow_run")
    op.drop_index("ix_workflow_version_workflow_id", table_name="workflow_version")
    op.drop_table("workflow_version")
    op.drop_table("workflow")
