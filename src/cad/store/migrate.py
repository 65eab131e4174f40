"""``cadctl db upgrade``: CAD's migrations (Alembic), the same for SQLite and PostgreSQL;
on PostgreSQL they include the job queue's schema (procrastinate)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

from cad.store.db import engine_url

__all__ = ["upgrade"]


def upgrade(url: str) -> None:
    """Apply every migration to the database at ``url``."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("cad.store").joinpath("migrations"))
    )
    config.set_main_option("sqlalchemy.url", engine_url(url).replace("%", "%%"))
    command.upgrade(config, "head")
