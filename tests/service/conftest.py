"""Stores on both backends, a sandbox, and a running service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cad.config.investigation_config import load_default_config
from cad.investigations.registry import REGISTRY
from cad.sandbox_service import build_sandbox_service
from cad.service import Service
from cad.simulators.sandbox import Sandbox
from cad.simulators.server import ServerThread
from cad.store import Store
from tests.databases import fresh_store, postgres_database, sqlite_url

SECRET = "service-secret"
"""The webhook signing secret of the services :func:`start` makes."""

Start = Callable[..., tuple[Service, str]]


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


@pytest.fixture(params=["sqlite", "postgresql"])
def start(request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path: Path) -> Iterator[Start]:
    sandbox.reset()
    url = sqlite_url(tmp_path) if request.param == "sqlite" else _fresh_postgres(request)
    started: list[tuple[Service, ServerThread]] = []

    def make(
        *, workers: int = 2, start_workers: bool = True, **overrides: object
    ) -> tuple[Service, str]:
        settings = sandbox.settings(
            pd_webhook_secrets=SECRET, database_url=url, worker_poll_seconds=0.2, **overrides
        )
        service = build_sandbox_service(
            settings,
            load_default_config(known=REGISTRY.names()),
            workers=workers,
            sandbox=sandbox,
            start_workers=start_workers,
        )
        server = ServerThread(service.app).start()
        started.append((service, server))
        return service, server.url

    yield make
    for service, server in started:
        server.stop()
        service.close()


def _fresh_postgres(request: pytest.FixtureRequest) -> str:
    from sqlalchemy import create_engine, text

    url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    with engine.begin() as conn:  # everything, the job queue's types and functions too
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url
