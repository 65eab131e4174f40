"""``cadctl db``: CAD's database."""

from __future__ import annotations

import typer

from cad.cli.common import _fail, _reason, _settings, _store_name


def db_upgrade(
    ctx: typer.Context,
) -> None:
    """Apply CAD's migrations to CAD_DATABASE_URL (or the SQLite file); on PostgreSQL they
    include the job queue's schema."""
    from cad.store import upgrade
    from cad.store.engine import StoreTimeouts

    settings = _settings(ctx)
    try:
        upgrade(settings.store_url(), StoreTimeouts.of(settings))
    except Exception as error:
        raise _fail(f"could not migrate {_store_name(settings)}: {_reason(error)}", 1) from None
    typer.echo(f"database at {_store_name(settings)} is up to date")
