"""Cancel on resolve (issue 21): an ``incident.resolved`` webhook cancels the incident's
queued work, and a run under way leaves a resolved incident alone in PagerDuty, saying why."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from cad.simulators.sandbox import Sandbox
from cad.webhook.signature import sign
from cad.worker.distributed import QueueWorker
from tests.service.conftest import SECRET, Start
from tests.service.test_service import (
    CLUSTER,
    STOPPED,
    deliver,
    seed,
    wait_for_runs,
    wait_until_nothing_more_can_run,
)


def resolve(sandbox: Sandbox, url: str, incident: str) -> httpx.Response:
    """Post the signed ``incident.resolved`` event PagerDuty sends for ``incident``."""
    payload = sandbox.pagerduty.webhook_payload(
        incident, event_type="incident.resolved", event_id=f"evt-resolved-{incident}"
    )
    body = json.dumps(payload).encode()
    headers = {"X-PagerDuty-Signature": sign(body, SECRET), "Content-Type": "application/json"}
    return httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)


def test_a_resolved_webhook_cancels_the_queued_work_of_its_incident_which_never_runs(
    sandbox: Sandbox, start: Start
) -> None:
    # Given an incident's delivery waiting in the queue (no worker has started yet)
    seed(sandbox, "Q1", "Q2", aws=STOPPED)
    service, url = start(start_workers=False)
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    # When PagerDuty says the incident was resolved
    answer = resolve(sandbox, url, "Q1")
    # Then the queued work is cancelled on receipt (the job too, on PostgreSQL)
    assert answer.status_code == 202
    assert answer.json()["status"] == "resolved"
    assert answer.json()["cancelled"] == 1
    if isinstance(service.workers, QueueWorker):
        with service.store.engine.connect() as conn:
            statuses = conn.execute(
                text("SELECT status::text FROM procrastinate_jobs WHERE lock = 'incident:Q1'")
            ).scalars()
            assert list(statuses) == ["cancelled"]
    # And once the workers run (another incident shows they do), Q1 is never worked
    service.workers.start()
    assert deliver(sandbox, url, "Q2", "wh-2") == 202
    runs = wait_for_runs(service, 2)
    wait_until_nothing_more_can_run(service)
    [cancelled] = [r for r in service.store.history.runs() if r.incident_id == "Q1"]
    assert cancelled.status == "cancelled"
    assert "the incident was resolved before CAD worked on it" in str(cancelled.error)
    assert cancelled.actions == ()
    assert [w.path for w in sandbox.pagerduty.writes.records if "/Q1" in w.path] == []
    assert len(runs) == 2
    assert service.store.deliveries.counts() == {"cancelled": 1, "resolved": 1, "done": 1}


def test_a_resolved_webhook_with_nothing_queued_is_stored_once_and_cancels_nothing(
    sandbox: Sandbox, start: Start
) -> None:
    seed(sandbox, "Q1")
    service, url = start(start_workers=False)
    first, again = resolve(sandbox, url, "Q1"), resolve(sandbox, url, "Q1")
    assert (first.json()["status"], first.json()["cancelled"]) == ("resolved", 0)
    assert again.json()["status"] == "duplicate"
    assert service.store.history.runs() == []
    assert service.store.deliveries.counts() == {"resolved": 1}


def test_a_run_skips_its_pagerduty_writes_on_an_incident_resolved_while_it_ran(
    sandbox: Sandbox, start: Start
) -> None:
    # Given a responder resolves the incident right after CAD read its alerts
    seed(sandbox, "Q1", aws=STOPPED)
    sandbox.pagerduty.after("GET", "/incidents/Q1/alerts", lambda: sandbox.pagerduty.resolve("Q1"))
    service, url = start(workers=1)
    # When the run goes on to its actions
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    [run] = wait_for_runs(service, 1)
    # Then PagerDuty receives no note, silence, escalation or title change
    assert sandbox.pagerduty.writes.records == []
    assert sandbox.pagerduty.incident("Q1").notes == []
    # And the history says why, action by action
    pagerduty = [a for a in run.actions if a.type.startswith(("pagerduty", "silence", "escal"))]
    assert {a.type for a in pagerduty} >= {"pagerduty_note", "silence_incident"}
    assert {(a.outcome, a.reason) for a in pagerduty} == {("skipped", "the incident was resolved")}
    # And so does the run's report
    report = httpx.get(f"{url}/runs/{run.id}", timeout=10).json()
    reasons = {a["reason"] for a in report["actions"] if a["type"] == "silence_incident"}
    assert reasons == {"the incident was resolved"}
    # What is not PagerDuty's (the customer's limited support) was done as usual
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1


def test_a_failed_run_on_an_incident_resolved_meanwhile_is_not_retried(
    sandbox: Sandbox, start: Start
) -> None:
    # Given an incident naming a cluster OCM does not know, resolved while CAD looks
    seed(sandbox)
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": "nosuchcluster"}]
    )
    sandbox.pagerduty.after("GET", "/incidents/Q1/alerts", lambda: sandbox.pagerduty.resolve("Q1"))
    service, url = start(workers=1, worker_retry_wait_seconds=1)
    # When the run fails and would note and escalate
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    [run] = wait_for_runs(service, 1)
    wait_until_nothing_more_can_run(service)
    # Then nothing is written on the resolved incident, and no attempt follows
    assert run.status == "failed"
    assert {(a.outcome, a.reason) for a in run.actions} == {
        ("skipped", "the incident was resolved")
    }
    assert sandbox.pagerduty.writes.records == []
    assert len(service.store.history.runs()) == 1
    assert service.store.deliveries.counts() == {"done": 1}
