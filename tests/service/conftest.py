"""Stores on both backends, a sandbox, and a running service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cad.store import Store
from tests.databases import fresh_store, postgres_database, sqlite_url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    yield from postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
    created = fresh_store(url)
    if request.param == "postgresql":
        with created.engine.begin() as conn:
            conn.execute(
                text(
                    "TRUNCATE run_actions, ledger, runs, deliveries, write_budget, rate_budget, "
                    "procrastinate_jobs, "
                    "procrastinate_workers RESTART IDENTITY CASCADE"
                )
            )
    yield created
    created.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    created = fresh_store(sqlite_url(tmp_path))
    yield created
    created.close()


StoreFactory = Callable[[], Store]
