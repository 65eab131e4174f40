"""Alembic environment: migrations run on the connection CAD hands over (cad.store.migrate),
which bounds its waits and, on PostgreSQL, holds the migration lock."""

from __future__ import annotations

from alembic import context

from cad.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
