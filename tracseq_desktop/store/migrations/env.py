"""Alembic environment: migrations run on the engine handed over by ``database.upgrade``."""

from __future__ import annotations

from alembic import context

from tracseq_desktop.store.models import Base

engine = context.config.attributes["engine"]
with engine.execution_options(tracseq_write=True).connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
