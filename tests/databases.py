"""Database fixtures: a fresh SQLite file, and a throwaway PostgreSQL database on
127.0.0.1:5432. Without PostgreSQL the PostgreSQL tests are skipped with a loud reason, unless
``CI`` is set, where they fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cad.store import Store, upgrade
from tests.postgres import PostgresUnavailableError, scratch_database

PG_MISSING = "PostgreSQL NOT REACHABLE at 127.0.0.1:5432: the PostgreSQL tests did NOT run"


def postgres_database() -> Iterator[str]:
    """A new database for the session; dropped afterwards."""
    try:
        with scratch_database("cad_test") as url:
            yield url
    except PostgresUnavailableError as error:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_MISSING} ({error})")
        pytest.skip(PG_MISSING)


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / f'cad-{uuid.uuid4().hex[:8]}.sqlite'}"


def fresh_store(url: str) -> Store:
    upgrade(url)
    return Store(url)
