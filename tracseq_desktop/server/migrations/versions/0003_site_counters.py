"""One change counter per site: the feed is numbered per site, keyed (site, seq).

Pushes for different sites no longer queue behind one counter row, and every table of
the change feed carries its distribution key first (Citus: ``change`` and
``change_counter`` distributed by ``site``).

Each site's counter starts at the old single counter's value, so every change made from
now on has a higher number than any change before it: a cursor from before (one number
for all sites) stays valid as "that number for every site".

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site"),
    )
    conn = op.get_bind()
    start = conn.execute(sa.text("SELECT value FROM counter WHERE name = 'change'")).scalar()
    sites = {row[0] for row in conn.execute(sa.text("SELECT code FROM site"))}
    sites |= {row[0] for row in conn.execute(sa.text("SELECT DISTINCT site FROM change"))}
    if sites:
        conn.execute(
            sa.text("INSERT INTO change_counter (site, value) VALUES (:site, :value)"),
            [{"site": site, "value": int(start or 0)} for site in sorted(sites)],
        )
    op.create_table(
        "change_feed",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("site", "seq"),
    )
    conn.execute(
        sa.text(
            "INSERT INTO change_feed (site, seq, entity_type, key, data) SELECT site, seq, entity_type, key, data FROM change"
        )
    )
    op.drop_index("ix_change_site_seq", table_name="change")
    op.drop_table("change")
    op.rename_table("change_feed", "change")
    op.drop_table("counter")


def downgrade() -> None:
    raise NotImplementedError(
        "0003 cannot be undone: per-site change numbers may repeat across sites; restore the backup taken before it"
    )
