"""``cadctl db upgrade``: CAD's migrations (Alembic), the same for SQLite and PostgreSQL;
on PostgreSQL they include the job queue's schema (procrastinate).

Every start of ``serve`` and ``worker`` migrates too, so several processes may migrate one
database at once: on PostgreSQL they take turns under an advisory lock (the later ones find
the schema up to date); on SQLite the migration's immediate transaction serialises them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from cad.store.db import Store
from cad.store.engine import StoreTimeouts, create_store_engine, engine_url

__all__ = ["MIGRATION_LOCK", "downgrade", "migrated", "upgrade"]

MIGRATION_LOCK = "cad:migrations"
"""The key of the PostgreSQL advisory lock migrations run under (``hashtextextended(key, 0)``)."""


@contextmanager
def _migrating(url: str, timeouts: StoreTimeouts | None) -> Iterator[Config]:
    """Alembic's config with one connection of ours, holding the migration lock on PostgreSQL.
    Waiting for the lock counts against the statement timeout."""
    engine = create_store_engine(url, timeouts or StoreTimeouts(), pool_size=1)
    try:
        with engine.connect() as connection:
            locked = _lock(connection) if engine.dialect.name == "postgresql" else False
            try:
                config = Config()
                config.set_main_option(
                    "script_location", str(resources.files("cad.store").joinpath("migrations"))
                )
                config.set_main_option("sqlalchemy.url", engine_url(url).replace("%", "%%"))
                config.attributes["connection"] = connection
                yield config
                connection.commit()
            finally:
                if locked:
                    _unlock(connection)
    finally:
        engine.dispose()


def _lock(connection: Connection) -> bool:
    connection.execute(
        text("SELECT pg_advisory_lock(hashtextextended(:key, 0))"), {"key": MIGRATION_LOCK}
    )
    connection.commit()  # a session lock: it outlives this transaction, not the connection
    return True


def _unlock(connection: Connection) -> None:
    # A connection the database dropped has lost the lock already.
    with contextlib.suppress(SQLAlchemyError):
        connection.rollback()
        connection.execute(
            text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))"), {"key": MIGRATION_LOCK}
        )
        connection.commit()


def migrated(store: Store) -> bool:
    """Whether any of CAD's migrations has been applied to ``store`` (one catalogue lookup;
    SQLAlchemy's errors when the database does not answer)."""
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() is not None


def upgrade(url: str, timeouts: StoreTimeouts | None = None, *, to: str = "head") -> None:
    """Apply the migrations up to ``to`` (every one) to the database at ``url``, waiting no
    longer than ``timeouts`` (for the database, and for another process's migration)."""
    with _migrating(url, timeouts) as config:
        command.upgrade(config, to)


def downgrade(url: str, revision: str, timeouts: StoreTimeouts | None = None) -> None:
    """Undo migrations down to ``revision`` (an operator's step; CAD never calls it)."""
    with _migrating(url, timeouts) as config:
        command.downgrade(config, revision)
