"""Throwaway PostgreSQL databases on the local server, for the tests and the benchmarks
(``python -m benchmarks`` runs from the repository root, so both import this module)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

__all__ = ["LOCAL_ADMIN", "PostgresUnavailableError", "scratch_database"]

LOCAL_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"


class PostgresUnavailableError(Exception):
    """The PostgreSQL server cannot be reached (a test helper's exception, not a CAD error)."""


@contextmanager
def scratch_database(prefix: str, admin_dsn: str = LOCAL_ADMIN) -> Iterator[str]:
    """A new, empty database (its SQLAlchemy URL); dropped afterwards with its sessions.
    Raises :class:`PostgresUnavailableError` when the server does not answer."""
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True)
    except psycopg.OperationalError as error:
        raise PostgresUnavailableError(str(error).strip()) from error
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
