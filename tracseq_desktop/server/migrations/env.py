"""Alembic environment of the server: migrations run on the engine handed over by ``db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from tracseq_desktop.server.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    if connection.dialect.name == "postgresql":  # several processes may start at once
        connection.execute(text("SELECT pg_advisory_lock(7206550)"))
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(7206550)"))
            connection.commit()
