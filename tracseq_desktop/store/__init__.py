"""Local store: SQLite through SQLAlchemy 2, migrated with Alembic."""
