"""Initial schema: locations, sample types, samples, the hash-chained audit trail, search index.

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


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("entity_key", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("operation_id", sa.String(length=36), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity_type", "entity_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_operation_id"), ["operation_id"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("unit_type", sa.String(length=32), nullable=True),
        sa.Column("temperature_class", sa.String(length=8), nullable=True),
        sa.Column("grid_rows", sa.Integer(), nullable=True),
        sa.Column("grid_cols", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("search_words", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["location.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label"),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "sample_type",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("temperature_classes", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=64), nullable=False),
        sa.Column("sample_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("volume_nl", sa.BigInteger(), nullable=True),
        sa.Column("concentration", sa.Double(), nullable=True),
        sa.Column("concentration_unit", sa.String(length=16), nullable=True),
        sa.Column("project", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("collected_at", sa.String(length=32), nullable=True),
        sa.Column("expires_at", sa.String(length=32), nullable=True),
        sa.Column("freeze_thaw_count", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("box_id", sa.Integer(), nullable=True),
        sa.Column("pos_row", sa.Integer(), nullable=True),
        sa.Column("pos_col", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["box_id"], ["location.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["parent_id"], ["sample.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["sample_type"],
            ["sample_type.name"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("barcode"),
        sa.UniqueConstraint("box_id", "pos_row", "pos_col", name="uq_sample_position"),
    )
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_box_id"), ["box_id"], unique=False)
        batch_op.create_index("ix_sample_owner", ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_sample_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_sample_project", ["project"], unique=False)
        batch_op.create_index("ix_sample_type_status", ["sample_type", "status"], unique=False)

    _create_search_index()
    _protect_audit_trail()
    _seed_sample_types()


#: Sample types known from the start (more can be added): name -> storage classes.
SAMPLE_TYPES = {
    "plasma": "-80C,LN2",
    "serum": "-80C,LN2",
    "whole blood": "+4C",
    "buffy coat": "-80C,LN2",
    "DNA": "-20C,-80C",
    "RNA": "-80C,LN2",
    "tissue": "-80C,LN2",
    "cells": "LN2",
    "urine": "-80C,-20C",
    "saliva": "-80C,-20C",
    "CSF": "-80C",
    "FFPE block": "RT",
}


def _create_search_index() -> None:
    """FTS5 index of each sample's words: barcode, type, project, owner and where it is.

    Triggers keep it in step with ``sample``; ``location.search_words`` carries the
    words of a box and its ancestors, so "freezer 3" finds what is stored there.
    """
    op.execute(
        """CREATE VIRTUAL TABLE sample_fts USING fts5(
            barcode, sample_type, project, owner, place,
            tokenize = "unicode61 tokenchars '-_.'", prefix = '2 3 4')"""
    )
    fields = """new.barcode, new.sample_type, coalesce(new.project, ''), coalesce(new.owner, ''),
        coalesce((SELECT search_words FROM location WHERE id = new.box_id), '')"""
    op.execute(
        f"""CREATE TRIGGER sample_fts_insert AFTER INSERT ON sample BEGIN
            INSERT INTO sample_fts(rowid, barcode, sample_type, project, owner, place)
            VALUES (new.id, {fields}); END"""
    )
    op.execute(
        f"""CREATE TRIGGER sample_fts_update AFTER UPDATE OF barcode, sample_type, project, owner, box_id
            ON sample BEGIN
            DELETE FROM sample_fts WHERE rowid = old.id;
            INSERT INTO sample_fts(rowid, barcode, sample_type, project, owner, place)
            VALUES (new.id, {fields}); END"""
    )
    op.execute(
        "CREATE TRIGGER sample_fts_delete AFTER DELETE ON sample BEGIN DELETE FROM sample_fts WHERE rowid = old.id; END"
    )


def _protect_audit_trail() -> None:
    """The audit trail is append-only: the database itself refuses edits and deletions."""
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"""CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry BEGIN
                SELECT RAISE(ABORT, 'the audit trail is append-only'); END"""
        )


def _seed_sample_types() -> None:
    table = sa.table(
        "sample_type",
        sa.column("name", sa.String),
        sa.column("temperature_classes", sa.String),
        sa.column("description", sa.String),
    )
    op.bulk_insert(
        table,
        [{"name": n, "temperature_classes": c, "description": ""} for n, c in SAMPLE_TYPES.items()],
    )


def downgrade() -> None:
    for name in (
        "audit_entry_no_update",
        "audit_entry_no_delete",
        "sample_fts_insert",
        "sample_fts_update",
        "sample_fts_delete",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS sample_fts")
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.drop_index("ix_sample_type_status")
        batch_op.drop_index("ix_sample_project")
        batch_op.drop_index(batch_op.f("ix_sample_parent_id"))
        batch_op.drop_index("ix_sample_owner")
        batch_op.drop_index(batch_op.f("ix_sample_box_id"))

    op.drop_table("sample")
    op.drop_table("sample_type")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_parent_id"))

    op.drop_table("location")
    op.drop_table("meta")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_operation_id"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_entry")
