"""`cadctl worker`: clear refusals when it cannot run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from cad.store import upgrade
from tests.databases import postgres_database
from tests.workers import CADCTL, worker_environment


def worker_env(database_url: str, **settings: str) -> dict[str, str]:
    return worker_environment(
        os.environ,
        database_url,
        **settings,
        CAD_PD_TOKEN="t",
        CAD_SILENT_POLICY="PSILENT",
        CAD_OCM_CLIENT_ID="id",
        CAD_OCM_CLIENT_SECRET="very-secret-value",
        CAD_BACKPLANE_URL="https://backplane.invalid",
        CAD_BACKPLANE_INITIAL_ARN="arn:aws:iam::000000000000:role/initial",
    )


def cadctl_worker(database_url: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CADCTL, "worker"],
        capture_output=True,
        text=True,
        env=worker_env(database_url, **settings),
        timeout=60,
        check=False,
    )


def test_a_worker_on_sqlite_is_refused_with_what_to_run_instead(tmp_path: Path) -> None:
    done = cadctl_worker(f"sqlite:///{tmp_path / 'cad.sqlite'}")
    assert done.returncode == 2
    assert "cadctl worker needs CAD_DATABASE_URL to be PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_worker_on_a_database_never_upgraded_says_so_without_a_traceback() -> None:
    for url in postgres_database():
        done = cadctl_worker(url, CAD_MIGRATE="false")
        assert done.returncode == 1
        assert "has `cadctl db upgrade` run?" in done.stderr
        assert "Traceback" not in done.stderr
        assert "very-secret-value" not in done.stderr


def test_an_unreachable_store_is_named_without_its_password_and_without_a_traceback() -> None:
    env = worker_environment(os.environ, "postgresql://cad:hunter2-secret@127.0.0.1:1/cad")
    done = subprocess.run(
        [CADCTL, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "could not migrate postgresql://cad:***@127.0.0.1:1/cad" in done.stderr
    assert "Connection refused" in done.stderr
    assert "hunter2-secret" not in done.stderr
    assert "Traceback" not in done.stderr


def scrape(address: str, port: int, timeout_s: float) -> str:
    """The worker's metrics at ``address:port``, once it serves them ('' if it never does)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"http://{address}:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            time.sleep(0.2)
    return ""


def refused(address: str, port: int) -> bool:
    try:
        httpx.get(f"http://{address}:{port}/metrics", timeout=2)
    except httpx.ConnectError:
        return True
    return False


def test_a_worker_serves_its_metrics_on_the_address_it_is_given() -> None:
    for url in postgres_database():
        upgrade(url)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # Given a worker told to serve its metrics on another loopback address
        env = {**worker_env(url), "CAD_METRICS_ADDRESS": "127.0.0.2"}
        worker = subprocess.Popen(
            [CADCTL, "worker", "--metrics-port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Then they are there, and not on 127.0.0.1
            assert "cad_runs_total" in scrape("127.0.0.2", port, timeout_s=30)
            assert refused("127.0.0.1", port)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def test_a_worker_serves_its_metrics_and_stops_cleanly_on_sigterm() -> None:
    for url in postgres_database():
        upgrade(url)
        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        worker = subprocess.Popen(
            [CADCTL, "worker", "--concurrency", "2", "--metrics-port", str(port)],
            env=worker_env(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            scraped = ""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "cad_runs_total" not in scraped:
                try:
                    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                except httpx.TransportError:
                    time.sleep(0.2)
            assert "cad_runs_total" in scraped
            assert "cad_stalled_jobs_recovered_total 0.0" in scraped
            assert refused("127.0.0.2", port)  # loopback only: 0.0.0.0 would answer here
            worker.send_signal(signal.SIGTERM)
            _, stderr = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, stderr
        assert "2 job(s) at a time" in stderr
        assert "stopped after 0 run(s)" in stderr
        assert "very-secret-value" not in stderr
