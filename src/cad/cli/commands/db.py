"""``cadctl db``: CAD's database."""

from __future__ import annotations

import typer

from cad.cli.common import _fail, _reason, _settings, _store_name
from cad.cli.options import LogLevel, Version


def db_upgrade(log_level: LogLevel = "", show_version: Version = False) -> None:
    """Apply CAD's migrations to CAD_DATABASE_URL (or the SQLite file); on PostgreSQL they
    include the job queue's schema."""
    from cad.store import upgrade
    from cad.store.engine import StoreTimeouts

    settings = _settings(log_level)
    try:
        upgrade(settings.store_url(), StoreTimeouts.of(settings))
    except Exception as error:
        raise _fail(f"could not migrate {_store_name(settings)}: {_reason(error)}", 1) from None
    typer.echo(f"database at {_store_name(settings)} is up to date")
