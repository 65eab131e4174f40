"""`cadctl serve` as a process: one per SQLite database, and a shutdown on SIGTERM or SIGINT
that finishes or hands back the runs in flight, removes its temporary files and exits 0
(issue 13, items 6 and 8)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cad.simulators.sandbox import Sandbox
from cad.store import RunRecord, Store
from cad.webhook.signature import sign
from tests.databases import postgres_database
from tests.service.test_service import CLUSTER, seed
from tests.workers import CADCTL, worker_environment

SECRET = "lifecycle-secret"
UNHANDLED = "SomethingCADCannotHandle CRITICAL (1)"
NOTES = "/incidents/*/notes"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Serve:
    """One `cadctl serve` process on ``database`` (a SQLite file, or a PostgreSQL URL), its
    output in a file."""

    def __init__(
        self, tmp_path: Path, database: Path | str, env: dict[str, str], *args: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"serve-{self.port}.log"
        full_env = worker_environment(os.environ, str(database), env, CAD_WORKER_POLL_SECONDS="0.2")
        if isinstance(database, Path):
            del full_env["CAD_DATABASE_URL"]
            full_env["CAD_DATABASE_PATH"] = str(database)
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [CADCTL, "serve", "--port", str(self.port), "--workers", "1", *args],
                env=full_env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"cadctl serve did not answer in {timeout_s} s: {self.output()}")

    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = 60) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout_s)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    started: list[Serve] = []

    def make(database: Path | str, env: dict[str, str], *args: str) -> Serve:
        started.append(Serve(tmp_path, database, env, *args))
        return started[-1]

    yield make
    for process in started:
        process.kill()


def post(url: str, body: bytes, secret: str = SECRET) -> None:
    headers = {"X-PagerDuty-Signature": sign(body, secret), "Content-Type": "application/json"}
    answer = httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)
    assert answer.status_code == 202, answer.text


def wait_until(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def store_url(database: Path | str) -> str:
    return f"sqlite:///{database}" if isinstance(database, Path) else database


def runs_of(database: Path | str) -> list[RunRecord]:
    store = Store(store_url(database))
    try:
        return store.history.runs()
    finally:
        store.close()


def deliveries_of(database: Path | str) -> dict[str, int]:
    store = Store(store_url(database))
    try:
        return store.deliveries.counts()
    finally:
        store.close()


def slow_unhandled_incident(sandbox: Sandbox, incident: str, note_latency_ms: int) -> bytes:
    """An incident CAD notes and escalates, whose note PagerDuty takes its time to accept."""
    seed(sandbox)
    sandbox.create_incident(incident, UNHANDLED, alerts=[{"cluster_id": CLUSTER}])
    sandbox.inject("pagerduty", method="POST", path=NOTES, latency_ms=note_latency_ms, times=1)
    return json.dumps(sandbox.pagerduty.webhook_payload(incident)).encode()


def simulator_env(sandbox: Sandbox, **settings: str) -> dict[str, str]:
    return {**sandbox.environment(), "CAD_PD_WEBHOOK_SECRETS": SECRET, **settings}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    if request.param == "sqlite":
        yield tmp_path / "cad.sqlite"
    else:  # a database of its own: the server migrates it, its queue worker runs the job
        yield from postgres_database()


@pytest.mark.parametrize(
    ("signum", "database"),
    [(signal.SIGTERM, "sqlite"), (signal.SIGINT, "sqlite"), (signal.SIGTERM, "postgresql")],
    indirect=["database"],
)
def test_a_stopped_server_finishes_its_run_in_flight_and_exits_0(
    sandbox: Sandbox, serve: Callable[..., Serve], signum: int, database: Path | str
) -> None:
    # Given a server running an incident whose note PagerDuty takes three seconds to accept
    body = slow_unhandled_incident(sandbox, "Q1", note_latency_ms=3000)
    server = serve(database, simulator_env(sandbox))
    server.wait_ready()
    post(server.url, body)
    wait_until(lambda: sandbox.faults("pagerduty").hits, 30, "CAD posting its note")
    # When it is told to stop mid-run
    stopped_at = datetime.now(UTC)
    code = server.stop(signum)
    # Then it finished the run within the grace period, left nothing running, and exited 0
    assert code == 0, server.output()
    runs = runs_of(database)
    assert [r.status for r in runs] == ["unhandled"]
    assert runs[0].finished_at is not None
    assert runs[0].finished_at.replace(tzinfo=UTC) > stopped_at
    assert deliveries_of(database) == {"done": 1}
    assert len(sandbox.pagerduty.incident("Q1").notes) == 1
    assert f"CAD stopped ({signal.Signals(signum).name})" in server.output()
    assert "Traceback" not in server.output()


def test_a_stopped_sandbox_server_removes_its_temporary_files_and_exits_0(
    serve: Callable[..., Serve], tmp_path: Path
) -> None:
    # Given `cadctl serve --sandbox` (its simulators' certificate and key, and its throwaway
    # store, in a temporary folder) working on a scenario's incident
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = serve(tmp_path / "unused.sqlite", {"TMPDIR": str(temp)}, "--sandbox")
    server.wait_ready()
    assert list(temp.glob("cad-sandbox-*/key.pem"))
    seeded = httpx.post(
        f"{server.url}/sandbox/scenarios/chgm-customer-stopped-instances", timeout=60
    )
    assert seeded.status_code == 200, seeded.text
    wait_until(
        lambda: httpx.get(f"{server.url}/runs", timeout=5).json()["runs"], 30, "a run to start"
    )
    # When it is told to stop
    code = server.stop(signal.SIGTERM)
    # Then it exited 0 and left nothing on disk
    assert code == 0, server.output()
    assert not list(temp.iterdir())
    assert "CAD stopped (SIGTERM)" in server.output()
    assert "Traceback" not in server.output()


def test_a_run_that_cannot_finish_in_the_grace_period_is_handed_back_and_run_once_at_the_next_start(
    sandbox: Sandbox, serve: Callable[..., Serve], tmp_path: Path
) -> None:
    # Given a server with no grace period, running an incident whose note is slow to land
    database = tmp_path / "cad.sqlite"
    body = slow_unhandled_incident(sandbox, "Q1", note_latency_ms=3000)
    env = simulator_env(sandbox, CAD_SHUTDOWN_GRACE_SECONDS="0")
    first = serve(database, env)
    first.wait_ready()
    post(first.url, body)
    wait_until(lambda: sandbox.faults("pagerduty").hits, 30, "CAD posting its note")
    # When it is told to stop
    assert first.stop() == 0, first.output()
    # Then the run is interrupted, not left running, and its delivery is back in the queue
    assert [r.status for r in runs_of(database)] == ["interrupted"]
    assert deliveries_of(database) == {"queued": 1}
    # When the server starts again
    second = serve(database, simulator_env(sandbox))
    second.wait_ready()
    # Then the delivery runs once more, and the incident has one note and one escalation
    wait_until(lambda: deliveries_of(database) == {"done": 1}, 60, "the delivery to be done")
    assert [r.status for r in runs_of(database)] == ["unhandled", "interrupted"]
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert incident.escalation_level == 2
    assert second.stop() == 0, second.output()


def test_a_second_server_on_the_same_database_refuses_to_start_and_requeues_nothing(
    sandbox: Sandbox, serve: Callable[..., Serve], tmp_path: Path
) -> None:
    # Given a server with a run in flight (its note takes 15 s to land: longer than a
    # second server needs to start and stop on a loaded machine)
    database = tmp_path / "cad.sqlite"
    body = slow_unhandled_incident(sandbox, "Q1", note_latency_ms=15000)
    first = serve(database, simulator_env(sandbox))
    first.wait_ready()
    post(first.url, body)
    wait_until(lambda: sandbox.faults("pagerduty").hits, 30, "CAD posting its note")
    # When a second server starts on the same database
    second = serve(database, simulator_env(sandbox))
    code = second.process.wait(timeout=30)
    # Then it fails at once with a clear error, and the first one's delivery stays its own
    assert code == 1, second.output()
    assert "another CAD server is already running on" in second.output()
    assert str(database) in second.output()
    assert "Traceback" not in second.output()
    assert deliveries_of(database) == {"processing": 1}
    # And the first server finishes it: one note, one escalation
    wait_until(lambda: deliveries_of(database) == {"done": 1}, 60, "the delivery to be done")
    assert len(sandbox.pagerduty.incident("Q1").notes) == 1
    assert [r.status for r in runs_of(database)] == ["unhandled"]
    assert first.stop() == 0, first.output()


@pytest.mark.parametrize("grace", ["-1", "3601"])
def test_a_grace_period_out_of_range_is_refused_naming_the_setting(
    serve: Callable[..., Serve], tmp_path: Path, grace: str
) -> None:
    # Given a grace period that is negative or over an hour
    server = serve(tmp_path / "cad.sqlite", {"CAD_SHUTDOWN_GRACE_SECONDS": grace}, "--sandbox")
    # When serve starts, then it refuses with exit 2, naming the setting
    assert server.process.wait(timeout=60) == 2
    assert "shutdown_grace_seconds" in server.output().lower()
    assert "Traceback" not in server.output()
