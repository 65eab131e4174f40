"""``cadctl db upgrade``: CAD's migrations (Alembic), the same for SQLite and PostgreSQL;
on PostgreSQL they include the job queue's schema (procrastinate)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

from cad.store.db import engine_url

__all__ = ["downgrade", "upgrade"]


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


def downgrade(url: str, revision: str) -> None:
    """Undo migrations down to ``revision`` (an operator's step; CAD never calls it)."""
    command.downgrade(_config(url), revision)
