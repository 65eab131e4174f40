"""What the service logs, read as a log collector reads it (``CAD_LOG_FORMAT=json``, one JSON
object a line): one line per delivery at the receiver, one per run, the start-up banners as
events, and the optional access log. Never a body, never a secret."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from cad.store import upgrade
from cad.webhook.signature import sign
from tests.cli.serving import Served, serving
from tests.cli.test_cadctl import CLEAN_ENV
from tests.databases import postgres_database
from tests.service.test_worker_cli import worker_env
from tests.workers import CADCTL, wait_for_workers
from tests.worlds import STOPPED_BY_CUSTOMER

SECRET = "logs-webhook-secret-0123456789"
API_TOKEN = "logs-api-token-0123456789"
CLUSTER = "2abcdefghijklmnopqrstuvwxyz01234"
BODY_MARKER = "body-only-text-never-logged"


def payload(incident: str, event_id: str, event_type: str = "incident.triggered") -> bytes:
    return json.dumps(
        {
            "event": {
                "id": event_id,
                "event_type": event_type,
                "data": {
                    "id": incident,
                    "title": f"ClusterHasGoneMissing CRITICAL (1) {BODY_MARKER}",
                    "html_url": f"https://x.pagerduty.com/incidents/{incident}",
                    "service": {"id": "PSVC", "summary": BODY_MARKER},
                },
            }
        }
    ).encode()


def post(served: Served, body: bytes, *, webhook_id: str, secret: str = SECRET) -> int:
    headers = {
        "Content-Type": "application/json",
        "X-PagerDuty-Signature": sign(body, secret),
        "X-Webhook-Id": webhook_id,
    }
    answer = httpx.post(f"{served.url}/webhooks/pagerduty", content=body, headers=headers)
    return answer.status_code


def events(served: Served, name: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in served.stderr if line.startswith("{")]
    return [line for line in lines if line.get("event") == name]


def wait_for(served: Served, name: str, count: int = 1, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while len(events(served, name)) < count:
        assert time.monotonic() < deadline, served.stderr
        time.sleep(0.05)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    yield from postgres_database()


def test_every_delivery_is_one_line_with_its_outcome_and_ids_and_never_its_body(
    database: str,
) -> None:
    # Given a receiver logging JSON lines, with its access log on
    env = {
        **CLEAN_ENV,
        "CAD_DATABASE_URL": database,
        "CAD_PD_WEBHOOK_SECRETS": SECRET,
        "CAD_API_TOKEN": API_TOKEN,
        "CAD_LOG_FORMAT": "json",
        "CAD_ACCESS_LOG": "true",
    }
    with serving("--workers", "0", env=env) as served:
        # When PagerDuty posts a delivery, the same again, an event CAD ignores, one signed
        # with a wrong secret, a signed body that is not JSON, and one too large
        assert post(served, payload("QLOG1", "evt-1"), webhook_id="wh-1") == 202
        assert post(served, payload("QLOG1", "evt-1"), webhook_id="wh-1") == 202
        ignored = payload("QLOG1", "evt-2", "incident.acknowledged")
        assert post(served, ignored, webhook_id="wh-2") == 202
        assert post(served, payload("QLOG1", "evt-3"), webhook_id="wh-3", secret="wrong") == 401
        assert post(served, b"not json " + BODY_MARKER.encode(), webhook_id="wh-4") == 400
        big = b" " * (5 * 1024 * 1024 + 1)
        assert post(served, big, webhook_id="wh-5") == 413
        httpx.get(f"{served.url}/runs", headers={"Authorization": f"Bearer {API_TOKEN}"})
        wait_for(served, "request", 7)
    # Then each delivery is one line, saying what became of it and why
    lines = events(served, "delivery")
    assert [(d["outcome"], d["status"]) for d in lines] == [
        ("accepted", 202),
        ("duplicate", 202),
        ("ignored", 202),
        ("refused", 401),
        ("refused", 400),
        ("refused", 413),
    ]
    accepted, duplicate, ignored_line, bad, malformed, large = lines
    assert accepted["level"] == "info"
    assert accepted["reason"] == "queued"
    assert isinstance(accepted["delivery"], int)
    assert (accepted["incident"], accepted["event_id"], accepted["webhook_id"]) == (
        "QLOG1",
        "evt-1",
        "wh-1",
    )
    assert accepted["event_type"] == "incident.triggered"
    assert duplicate["delivery"] == accepted["delivery"]
    assert "received before" in str(duplicate["reason"])
    assert ignored_line["event_type"] == "incident.acknowledged"
    assert "CAD_WEBHOOK_EVENT_TYPES" in str(ignored_line["reason"])
    assert (bad["reason"], bad["level"]) == ("bad_signature", "warning")
    assert "incident" not in bad  # nothing of an unsigned body is believed
    assert malformed["reason"] == "malformed: the body is not JSON"
    assert large["reason"] == "too_large"
    # And the access log has a line per request, without query strings or headers
    requests = events(served, "request")
    assert [(r["method"], r["path"], r["status"]) for r in requests][-1] == ("GET", "/runs", 200)
    assert {"duration_ms", "bytes", "client"} <= set(requests[0])
    # And the start-up banner is an event too
    [banner] = events(served, "CAD listening")
    assert banner["receiver_only"] is True
    assert banner["url"] == served.url
    # And neither a body, nor a secret, nor a signature is anywhere in the logs
    everything = "".join(served.stderr)
    for never in (BODY_MARKER, SECRET, API_TOKEN, sign(payload("QLOG1", "evt-1"), SECRET)):
        assert never not in everything
    assert all(line.startswith("{") for line in served.stderr if line.strip()), served.stderr


def test_without_the_access_log_requests_are_not_logged(database: str) -> None:
    env = {
        **CLEAN_ENV,
        "CAD_DATABASE_URL": database,
        "CAD_PD_WEBHOOK_SECRETS": SECRET,
        "CAD_LOG_FORMAT": "json",
    }
    with serving("--workers", "0", env=env) as served:
        assert post(served, payload("QLOG2", "evt-10"), webhook_id="wh-10") == 202
        httpx.get(f"{served.url}/healthz")
        wait_for(served, "delivery")
    assert events(served, "request") == []


def test_every_run_is_one_line_with_its_chain_and_actions(sandbox: Sandbox, tmp_path: Path) -> None:
    # Given a service on the simulators, logging JSON, and a cluster whose customer stopped
    # its instances
    sandbox.seed(
        WorldSpec.model_validate(
            {"clusters": [{"id": CLUSTER, "name": "my-cluster", "aws": STOPPED_BY_CUSTOMER}]}
        )
    )
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    env = {
        **CLEAN_ENV,
        **sandbox.environment(),
        "CAD_PD_WEBHOOK_SECRETS": SECRET,
        "CAD_DATABASE_PATH": str(tmp_path / "cad.sqlite"),
        "CAD_LOG_FORMAT": "json",
    }
    with serving("--workers", "1", env=env) as served:
        # When PagerDuty posts its incident
        body = json.dumps(sandbox.pagerduty.webhook_payload("Q1")).encode()
        assert post(served, body, webhook_id="wh-run") == 202
        wait_for(served, "run")
    # Then the run is one line: incident, cluster, alert, outcome, chain, actions, duration
    [run] = events(served, "run")
    assert (run["incident"], run["cluster"], run["alert"]) == (
        "Q1",
        CLUSTER,
        "ClusterHasGoneMissing",
    )
    assert run["status"] == "succeeded"
    assert [step for step in run["chain"] if step["outcome"] != "filtered"] == [
        {"investigation": "precheck", "outcome": "ran"},
        {"investigation": "ccam", "outcome": "ran"},
        {"investigation": "chgm", "outcome": "ran"},
    ]  # mustgather is sampled for one CHGM incident in ten
    actions = {(a["investigation"], a["type"]): a["outcome"] for a in run["actions"]}
    assert actions[("chgm", "limited_support")] == "succeeded"
    assert actions[("chgm", "silence_incident")] == "succeeded"
    assert isinstance(run["duration_s"], float)
    assert (run["attempt"], run["dry_run"]) == (1, False)
    # And no secret of the service's is in the logs
    everything = "".join(served.stderr)
    secrets = [SECRET, sandbox.ocm.client_secret, sandbox.pagerduty.token]
    assert not [secret for secret in secrets if secret in everything]


def test_a_workers_banners_are_events_in_json_mode() -> None:
    for database in postgres_database():  # its own: no job waits in it
        upgrade(database)
        worker = subprocess.Popen(
            [CADCTL, "worker", "--concurrency", "1"],
            env=worker_env(database, CAD_LOG_FORMAT="json"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for_workers(database, 1)
            worker.send_signal(signal.SIGTERM)
            _, stderr = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
        started = next(line for line in lines if line["event"] == "CAD worker started")
        assert started["concurrency"] == 1
        stopped = next(line for line in lines if line["event"] == "CAD worker stopped")
        assert stopped["runs"] == 0
        assert "very-secret-value" not in stderr


def test_the_api_token_warning_is_an_event_in_json_mode(database: str) -> None:
    env = {
        **CLEAN_ENV,
        "CAD_DATABASE_URL": database,
        "CAD_PD_WEBHOOK_SECRETS": SECRET,
        "CAD_LOG_FORMAT": "json",
    }
    with serving("--workers", "0", env=env) as served:
        pass
    [warning] = events(served, "api token missing")
    assert warning["level"] == "warning"
    assert "GET /runs" in str(warning["detail"])
    assert all(line.startswith("{") for line in served.stderr if line.strip()), served.stderr
