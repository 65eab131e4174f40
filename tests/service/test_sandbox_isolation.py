"""`serve --sandbox` lives in its own world: a throwaway store and secrets of its own, whatever
the environment says, and no endpoint ever answers with a secret."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from cad.config.investigation_config import load_default_config
from cad.investigations.registry import REGISTRY
from cad.sandbox_service import build_sandbox_service
from cad.simulators.sandbox import Sandbox
from cad.simulators.server import ServerThread
from cad.store import Store, upgrade
from cad.worker.queue import IncidentQueue
from tests.cli.serving import PRODUCTION_SECRETS, production_env, serving
from tests.cli.test_cadctl import cadctl
from tests.databases import postgres_database

SCENARIO = "chgm-customer-stopped-instances"


def production_state(store: Store) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return {
            table: sorted(tuple(row) for row in conn.execute(text(query)))
            for table, query in {
                "jobs": "SELECT id, status::text, attempts FROM procrastinate_jobs",
                "deliveries": "SELECT id, status, attempts FROM deliveries",
                "runs": "SELECT id, status FROM runs",
            }.items()
        }


def finished_run(url: str, incident: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = httpx.get(f"{url}/runs", params={"incident": incident}, timeout=10).json()["runs"]
        if runs and runs[0]["status"] != "running":
            return dict(runs[0])
        time.sleep(0.2)
    raise AssertionError(f"no finished run of {incident} in {timeout_s} s")


def assert_no_secret(answer: httpx.Response, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in answer.text, f"{answer.request.url} answered with a secret"


def test_serve_sandbox_never_touches_the_configured_database_nor_answers_a_secret(
    tmp_path: Path,
) -> None:
    for url in postgres_database():
        # Given a production database holding a delivery whose job waits in the queue
        upgrade(url)
        production = Store(url)
        production.deliveries.add(
            webhook_id="prod-webhook",
            event_id="prod-event",
            incident_id="QPROD",
            event_type="incident.triggered",
            payload=json.dumps({"event": {"event_type": "incident.triggered"}}),
            queued=True,
            enqueue=IncidentQueue(),
        )
        before = production_state(production)
        assert [status for _, status, _ in before["jobs"]] == ["todo"]
        # And an environment pointing at it, with production's secrets
        env = production_env(tmp_path, CAD_DATABASE_URL=url)
        # When the sandbox is served and a scenario is triggered through it
        with serving("--sandbox", env=env) as served:
            triggered = httpx.post(f"{served.url}/sandbox/scenarios/{SCENARIO}", timeout=60)
            assert triggered.status_code == 200, triggered.text
            incident = triggered.json()["incident_id"]
            assert triggered.json()["webhook"]["status"] == 202
            run = finished_run(served.url, incident)
            answers = [
                triggered,
                httpx.get(f"{served.url}/sandbox/incidents/{incident}", timeout=10),
                httpx.get(f"{served.url}/runs", timeout=10),
                httpx.get(f"{served.url}/runs/{run['id']}", timeout=10),
                httpx.get(f"{served.url}/metrics", timeout=10),
                httpx.get(f"{served.url}/healthz", timeout=10),
                httpx.get(f"{served.url}/readyz", timeout=10),
            ]
            # And the CLI drives it the same way, with no secret to handle
            driven = cadctl("sandbox", "trigger", SCENARIO, "--url", served.url, env=env)
        assert driven.returncode == 0, driven.stderr
        assert "webhook answered 202" in driven.stdout
        # Then the sandbox ran the scenario on a store of its own
        assert run["status"] == "succeeded"
        assert served.said("store sqlite:///")
        # And production's database is exactly as it was: its job still waits, untaken
        assert production_state(production) == before
        production.close()
        # And no answer carried any of the environment's secrets, nor a "secret" field
        for answer in answers:
            assert_no_secret(answer, list(PRODUCTION_SECRETS.values()))
        assert "secret" not in triggered.json()


@pytest.fixture
def sandbox_service(sandbox: Sandbox) -> Iterator[tuple[Sandbox, str, list[str]]]:
    settings = sandbox.isolated_settings(api_docs=True)
    service = build_sandbox_service(
        settings, load_default_config(known=REGISTRY.names()), workers=1, sandbox=sandbox
    )
    server = ServerThread(service.app).start()
    try:
        yield sandbox, server.url, settings.secret_values()
    finally:
        server.stop()
        service.close()


def test_no_endpoint_of_the_sandbox_answers_with_a_secret(
    sandbox_service: tuple[Sandbox, str, list[str]],
) -> None:
    _, url, secrets = sandbox_service
    # Given the sandbox's own secrets (webhook signing secret, the simulators' credentials)
    assert len(secrets) >= 3
    # When every route is called (a scenario first, so that there is something to show)
    triggered = httpx.post(f"{url}/sandbox/scenarios/{SCENARIO}", timeout=60)
    incident = triggered.json()["incident_id"]
    run = finished_run(url, incident)
    values = {"name": SCENARIO, "incident_id": incident, "run_id": str(run["id"])}
    routes = [r for r in _app_routes(url) if r[0] in {"GET", "POST"}]
    answers = [triggered]
    for method, path in routes:
        if path == "/webhooks/pagerduty":
            continue  # takes input, answers with a status (tested in test_receiver)
        answers.append(httpx.request(method, url + path.format(**values), timeout=60))
    # Then none answers with any of them
    assert {answer.request.url.path for answer in answers} >= {
        "/docs",
        "/openapi.json",
        f"/sandbox/incidents/{incident}",
        f"/runs/{run['id']}",
        f"/ui/runs/{run['id']}",
    }
    ui = [a for a in answers if a.request.url.path.startswith("/ui/")]
    assert {a.status_code for a in ui} == {200}  # open on loopback: the pages themselves
    for answer in answers:
        assert_no_secret(answer, secrets)
    assert run["status"] == "succeeded"  # the scenario really ran, through the receiver


def _app_routes(url: str) -> list[tuple[str, str]]:
    spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
    found = [(m.upper(), path) for path, item in spec["paths"].items() for m in item]
    web_ui = [("GET", f"/ui/{page}") for page in ("runs", "runs/{run_id}", "status")]
    return [*found, ("GET", "/docs"), ("GET", "/redoc"), ("GET", "/openapi.json"), *web_ui]
