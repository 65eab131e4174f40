"""``cadctl db upgrade``: CAD's migrations (Alembic), the same for SQLite and PostgreSQL;
on PostgreSQL they include the job queue's schema (procrastinate)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from cad.store.db import Store, engine_url

__all__ = ["downgrade", "migrated", "upgrade"]


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("cad.store").joinpath("migrations"))
    )
    config.set_main_option("sqlalchemy.url", engine_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration to the database at ``url``."""
    command.upgrade(_config(url), "head")


def migrated(store: Store) -> bool:
    """Whether any of CAD's migrations has been applied to ``store`` (one catalogue lookup;
    SQLAlchemy's errors when the database does not answer)."""
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() is not None


def downgrade(url: str, revision: str) -> None:
    """Undo migrations down to ``revision`` (an operator's step; CAD never calls it)."""
    command.downgrade(_config(url), revision)
