"""The service end to end: receiver, store, embedded workers, controller, simulators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from cad.service import Service
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from cad.store import RunRecord, current_run
from cad.webhook.signature import sign
from cad.worker.embedded import EmbeddedWorkers
from tests.worlds import STOPPED_BY_CUSTOMER

from .conftest import SECRET, Start

CLUSTER = "2abcdefghijklmnopqrstuvwxyz01234"
STOPPED = STOPPED_BY_CUSTOMER


def seed(sandbox: Sandbox, *incidents: str, **cluster: object) -> None:
    sandbox.seed(
        WorldSpec.model_validate(
            {
                "now": "2026-11-29T10:00:00Z",
                "clusters": [{"id": CLUSTER, "name": "my-cluster", **cluster}],
            }
        )
    )
    for incident in incidents:
        sandbox.create_incident(
            incident, "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
        )


def deliver(sandbox: Sandbox, url: str, incident: str, webhook_id: str) -> int:
    body = json.dumps(
        sandbox.pagerduty.webhook_payload(incident, event_id=f"evt-{webhook_id}")
    ).encode()
    headers = {
        "X-PagerDuty-Signature": sign(body, SECRET),
        "X-Webhook-Id": webhook_id,
        "Content-Type": "application/json",
    }
    return httpx.post(
        f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10
    ).status_code


def wait_for_runs(service: Service, count: int, timeout_s: float = 60) -> list[RunRecord]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = service.store.history.runs()
        pending = service.store.deliveries.counts().keys() & {"queued", "processing"}
        if len(runs) >= count and all(r.status != "running" for r in runs) and not pending:
            return runs  # a run is recorded before its delivery is marked done
        time.sleep(0.1)
    raise AssertionError(f"expected {count} finished runs, have {service.store.history.runs()}")


def wait_until_nothing_more_can_run(service: Service, timeout_s: float = 30) -> None:
    """Return once no delivery can start another run. Embedded workers (SQLite): a worker
    has claimed from the queue after this call began and found nothing (at most ``count``
    claims are in flight when it is called; the next empty one began after). The queue
    worker (PostgreSQL): no job is left waiting or running (a run starts only from a job)."""
    workers = service.workers
    assert workers is not None
    if isinstance(workers, EmbeddedWorkers):
        needed = workers.idle_polls + workers.count + 1
        workers.wake()

        def settled() -> bool:
            return workers.idle_polls >= needed

    else:

        def settled() -> bool:
            with service.store.engine.connect() as conn:
                pending = conn.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                    )
                ).scalar()
            return pending == 0

    deadline = time.monotonic() + timeout_s
    while not settled():
        assert time.monotonic() < deadline, f"the queue did not settle in {timeout_s} s"
        time.sleep(0.05)


def test_the_same_delivery_posted_ten_times_gives_one_run_and_one_set_of_effects(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1", aws=STOPPED)
    service, url = start()
    assert [deliver(sandbox, url, "Q1", "wh-1") for _ in range(10)] == [202] * 10
    runs = wait_for_runs(service, 1)
    assert len(runs) == 1
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert incident.escalation_policy_id == "PSILENT"
    assert {a.type for a in runs[0].actions} >= {
        "limited_support",
        "pagerduty_note",
        "silence_incident",
    }


def test_past_the_fleet_budget_a_limited_support_becomes_a_note_and_an_escalation(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1", "Q2", aws=STOPPED)
    service, url = start(workers=1, budget_limited_support_per_hour=1)
    assert deliver(sandbox, url, "Q1", "a") == 202
    wait_for_runs(service, 1)
    assert deliver(sandbox, url, "Q2", "b") == 202
    wait_for_runs(service, 2)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    second = sandbox.pagerduty.incident("Q2")
    assert second.escalation_policy_id != "PSILENT"
    assert "fleet budget of 1 limited_support per hour reached" in second.notes[-1]["content"]
    scraped = httpx.get(f"{url}/metrics", timeout=10).text
    assert 'cad_fleet_budget_refused_total{action_type="limited_support"} 1.0' in scraped


def test_two_incidents_run_in_parallel(sandbox: Sandbox, start: Start) -> None:
    seed(sandbox, "Q1", "Q2", state="uninstalling")
    service, url = start()
    assert deliver(sandbox, url, "Q1", "a") == 202
    assert deliver(sandbox, url, "Q2", "b") == 202
    runs = wait_for_runs(service, 2)
    assert sorted(str(r.incident_id) for r in runs) == ["Q1", "Q2"]
    assert all(
        sandbox.pagerduty.incident(i).escalation_policy_id == "PSILENT" for i in ("Q1", "Q2")
    )


def test_a_burst_for_one_incident_is_coalesced_into_one_run(sandbox: Sandbox, start: Start) -> None:
    seed(sandbox, "Q1", state="uninstalling")
    service, url = start(start_workers=False)
    for webhook in ("a", "b", "c"):
        assert deliver(sandbox, url, "Q1", webhook) == 202
    service.workers.start()
    wait_for_runs(service, 1)
    wait_until_nothing_more_can_run(service)
    assert len(service.store.history.runs()) == 1
    assert service.store.deliveries.counts() == {"done": 1, "coalesced": 2}


@pytest.mark.parametrize("start", ["sqlite"], indirect=True)
def test_an_embedded_worker_stopped_mid_run_is_taken_up_again_without_repeating_an_effect(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1", aws=STOPPED)
    service, url = start(start_workers=False)
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    claimed = service.store.deliveries.claim("worker-that-dies")
    assert claimed is not None
    run = service.store.history.start(delivery_id=claimed.id, incident_id="Q1")
    token = current_run.set(run)
    try:  # the effects happen, then the process dies before recording the end of the run
        service.runtime.built.controller.investigate(claimed.payload)
    finally:
        current_run.reset(token)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    service.workers.start(recover=True)  # a restart: the unfinished delivery is requeued
    runs = wait_for_runs(service, 2)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.pagerduty.incident("Q1").notes) == 1
    rerun = next(r for r in runs if r.status != "running" and r.id != run)
    outcomes = {a.type: a.outcome for a in rerun.actions}
    assert outcomes["limited_support"] == "skipped"
    assert outcomes["pagerduty_note"] == "skipped"


@pytest.mark.parametrize("start", ["postgresql"], indirect=True)
def test_a_job_whose_worker_died_is_taken_up_again_without_repeating_an_effect(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1", aws=STOPPED)
    service, url = start(
        start_workers=False, worker_heartbeat_seconds=0.5, worker_stalled_after_seconds=2
    )
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    with service.store.engine.begin() as conn:  # a worker took the job ...
        dead = conn.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - interval '1 hour') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"), {"w": dead}
        )
    claimed = service.store.deliveries.claim_incident("Q1", "worker-that-dies")
    assert claimed is not None
    run = service.store.history.start(delivery_id=claimed.id, incident_id="Q1")
    token = current_run.set(run)
    try:  # ... applied the effects ...
        service.runtime.built.controller.investigate(claimed.payload)
    finally:
        current_run.reset(token)
    with (
        service.store.engine.begin() as conn
    ):  # ... and died after posting the note, before recording it
        conn.execute(text("DELETE FROM ledger WHERE type = 'pagerduty_note'"))
    service.workers.start()  # a live worker finds the job of the silent one
    runs = wait_for_runs(service, 2)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.pagerduty.incident("Q1").notes) == 1
    assert sorted(str(r.status) for r in runs) == ["interrupted", "succeeded"]
    rerun = next(r for r in runs if r.status == "succeeded")
    skipped = {a.type: a.outcome for a in rerun.actions}
    assert skipped["limited_support"] == "skipped"
    assert skipped["pagerduty_note"] == "skipped"
    assert service.store.deliveries.counts() == {"done": 1}
    scraped = httpx.get(f"{url}/metrics", timeout=10).text
    assert "cad_stalled_jobs_recovered_total 1.0" in scraped


@pytest.mark.parametrize("start", ["postgresql"], indirect=True)
def test_a_transient_failure_is_retried_by_the_queue_before_anyone_is_told(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1", aws=STOPPED)
    sandbox.inject("pagerduty", method="GET", path="/incidents/Q1/alerts", status=503, times=1)
    service, url = start(workers=1, worker_retry_wait_seconds=1)
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    runs = wait_for_runs(service, 2)
    assert [r.status for r in reversed(runs)] == ["deferred", "succeeded"]
    assert "pagerduty GET /incidents/Q1/alerts failed (HTTP 503" in str(runs[-1].error)
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert "CAD investigation failed" not in incident.notes[0]["content"]
    assert incident.escalation_policy_id == "PSILENT"
    assert service.store.deliveries.counts() == {"done": 1}
    assert "cad_run_retries_total 1.0" in httpx.get(f"{url}/metrics", timeout=10).text


@pytest.mark.parametrize("start", ["postgresql"], indirect=True)
def test_the_last_attempt_notes_and_escalates_a_failure_that_persists(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1", aws=STOPPED)
    sandbox.inject("ocm", method="GET", path="/api/clusters_mgmt/v1/clusters", status=503)
    service, url = start(workers=1, worker_max_retries=1, worker_retry_wait_seconds=1)
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    runs = wait_for_runs(service, 2)
    assert [r.status for r in reversed(runs)] == ["deferred", "failed"]
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1  # the first attempt deferred: one note, from the last
    assert "CAD could not look up cluster" in incident.notes[0]["content"]
    assert incident.escalation_level == 2
    assert service.store.deliveries.counts() == {"done": 1}  # handed to a human: handled


def test_history_shows_what_cad_did_newest_first(
    sandbox: Sandbox, start: Start, tmp_path: Path
) -> None:
    seed(sandbox, "Q1", state="uninstalling")
    service, url = start()
    deliver(sandbox, url, "Q1", "a")
    wait_for_runs(service, 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    env["CAD_DATABASE_URL"] = service.store.url
    cadctl = str(Path(sys.executable).with_name("cadctl"))
    done = subprocess.run(
        [cadctl, "history", "--incident", "Q1", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [run] = json.loads(done.stdout)["runs"]
    assert run["incident_id"] == "Q1"
    assert run["chain"][0]["investigation"] == "precheck"
    human = subprocess.run(
        [cadctl, "history", "--cluster", CLUSTER],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert "silence incident" in human.stdout
