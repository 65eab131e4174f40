"""Database fixtures: a fresh SQLite file, and a throwaway PostgreSQL database on
127.0.0.1:5432. Without PostgreSQL the PostgreSQL tests are skipped with a loud reason, unless
``CI`` is set, where they fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cad.store import Store, upgrade

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_MISSING = "PostgreSQL NOT REACHABLE at 127.0.0.1:5432: the PostgreSQL tests did NOT run"


def postgres_database() -> Iterator[str]:
    """A new database for the session; dropped afterwards."""
    name = f"cad_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_MISSING} ({error})")
        pytest.skip(PG_MISSING)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / f'cad-{uuid.uuid4().hex[:8]}.sqlite'}"


def fresh_store(url: str) -> Store:
    upgrade(url)
    return Store(url)
