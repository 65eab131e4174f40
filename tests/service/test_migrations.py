"""Migrations at every start, from many processes at once: they take turns under a lock;
deployments that migrate in a job turn them off."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from tests.databases import PG_MISSING, sqlite_url
from tests.postgres import PostgresUnavailableError, scratch_database
from tests.workers import CADCTL, worker_environment

SETTINGS = {
    "CAD_PD_TOKEN": "t",
    "CAD_SILENT_POLICY": "PSILENT",
    "CAD_OCM_CLIENT_ID": "id",
    "CAD_OCM_CLIENT_SECRET": "very-secret-value",
    "CAD_BACKPLANE_URL": "https://backplane.invalid",
    "CAD_BACKPLANE_INITIAL_ARN": "arn:aws:iam::000000000000:role/initial",
    "CAD_PD_WEBHOOK_SECRETS": "s",
}


def test_three_concurrent_upgrades_of_a_fresh_postgresql_database_all_succeed() -> None:
    try:
        with scratch_database("cad_migrate") as url:
            # Given a fresh database
            env = worker_environment(os.environ, url)
            # When three `cadctl db upgrade` start at once
            upgrades = [
                subprocess.Popen(  # our own CLI
                    [CADCTL, "db", "upgrade"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(3)
            ]
            results = [(p.wait(timeout=120), p.communicate()[1]) for p in upgrades]
            # Then all three succeed, and the schema is at its head once
            assert [code for code, _ in results] == [0, 0, 0], results
            engine = create_engine(url)
            with engine.connect() as conn:
                versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            engine.dispose()
            assert len(versions) == 1
    except PostgresUnavailableError:
        pytest.skip(PG_MISSING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_until_healthy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Start ``cadctl serve``, wait (30 s at most) for /healthz, stop it; its output."""
    port = free_port()
    server = subprocess.Popen(  # our own CLI
        [CADCTL, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        healthy = False
        deadline = time.monotonic() + 30
        while not healthy and time.monotonic() < deadline and server.poll() is None:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success
            except httpx.TransportError:
                time.sleep(0.2)
        server.terminate()
        stdout, stderr = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert healthy, stderr
    return subprocess.CompletedProcess(server.args, server.returncode, stdout, stderr)


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_serve_migrates_a_fresh_database_at_start(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    serve_until_healthy(worker_environment(os.environ, url, **SETTINGS))
    assert {"alembic_version", "deliveries"} <= tables(url)


@pytest.mark.parametrize(
    ("args", "settings"),
    [(["--no-migrate"], {}), ([], {"CAD_MIGRATE": "false"})],
    ids=["option", "environment"],
)
def test_serve_told_not_to_migrate_leaves_a_fresh_database_alone(
    tmp_path: Path, args: list[str], settings: dict[str, str]
) -> None:
    # Given a fresh SQLite file, and serve told not to migrate
    url = sqlite_url(tmp_path)
    env = worker_environment(os.environ, url, **SETTINGS, **settings)
    # When it starts
    done = subprocess.run(  # our own CLI
        [CADCTL, "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    # Then it refuses the store it cannot use, and creates no table
    assert done.returncode == 1
    assert "cannot use the store at sqlite:///" in done.stderr
    assert "Traceback" not in done.stderr
    assert "deliveries" not in tables(url)


@pytest.mark.parametrize(
    ("args", "settings"),
    [(["--no-migrate"], {}), ([], {"CAD_MIGRATE": "false"})],
    ids=["option", "environment"],
)
def test_a_worker_told_not_to_migrate_refuses_a_database_never_upgraded(
    args: list[str], settings: dict[str, str]
) -> None:
    try:
        with scratch_database("cad_migrate") as url:
            env = worker_environment(os.environ, url, **SETTINGS, **settings)
            done = subprocess.run(  # our own CLI
                [CADCTL, "worker", *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )
            assert done.returncode == 1
            assert "has `cadctl db upgrade` run?" in done.stderr
            assert "deliveries" not in tables(url)
    except PostgresUnavailableError:
        pytest.skip(PG_MISSING)
