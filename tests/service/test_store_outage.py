"""SQLite: a write lock held past the busy timeout in the middle of a run is a transient store
outage: the ledger cannot record an effect, so the run holds its PagerDuty phase back and the
delivery is retried with backoff; the last attempt notes and escalates, never silences
(issue 13, item 3; issue 14, item 3). The lock is real: a second sqlite3 connection holding
BEGIN EXCLUSIVE."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from cad.service import Service
from cad.simulators.sandbox import Sandbox
from cad.webhook.signature import sign
from tests.service.test_service import CLUSTER, SECRET, STOPPED, Start, seed, wait_for_runs

pytestmark = pytest.mark.parametrize("start", ["sqlite"], indirect=True)

LIMITED_SUPPORT = "/api/clusters_mgmt/v1/clusters/*/limited_support_reasons"
BUSY_TIMEOUT_S = 1.0


class LockWhenLimitedSupportIsPosted:
    """Holds the database's write lock (BEGIN EXCLUSIVE on a connection of its own) for
    ``hold_s`` from the moment the OCM simulator receives the limited support request; the
    simulator answers it ``latency_ms`` later, so CAD's next store write meets the lock."""

    def __init__(self, sandbox: Sandbox, service: Service, hold_s: float) -> None:
        sandbox.inject("ocm", method="POST", path=LIMITED_SUPPORT, latency_ms=300, times=1)
        self.faults = sandbox.faults("ocm")
        self.hits_before = self.faults.hits
        self.path = Path(str(make_url(service.store.url).database))
        self.hold_s = hold_s
        self.held = threading.Event()
        self.released = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def __enter__(self) -> LockWhenLimitedSupportIsPosted:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._thread.join(timeout=30)

    def _hold(self) -> None:
        deadline = time.monotonic() + 30
        while self.faults.hits == self.hits_before and time.monotonic() < deadline:
            time.sleep(0.005)
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=5)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            self.held.set()
            time.sleep(self.hold_s)  # the outage itself, not a wait for an outcome
            connection.execute("COMMIT")
        finally:
            connection.close()
            self.released.set()


def deliver(sandbox: Sandbox, url: str, incident: str) -> None:
    body = json.dumps(sandbox.pagerduty.webhook_payload(incident)).encode()
    headers = {"X-PagerDuty-Signature": sign(body, SECRET), "Content-Type": "application/json"}
    answer = httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)
    assert answer.status_code == 202


def test_a_lock_held_past_the_busy_timeout_mid_run_is_retried_and_the_run_completes(
    sandbox: Sandbox, start: Start
) -> None:
    # Given a service on SQLite with a short busy timeout and retries, and a customer's
    # stopped cluster (limited support, a note, a silence)
    service, url = start(
        workers=1,
        database_statement_timeout_seconds=BUSY_TIMEOUT_S,
        worker_max_retries=2,
        worker_retry_wait_seconds=1,
    )
    seed(sandbox, "Q1", aws=STOPPED)
    # When another connection holds the write lock past the busy timeout just as limited
    # support is applied
    with LockWhenLimitedSupportIsPosted(sandbox, service, hold_s=2.5) as lock:
        deliver(sandbox, url, "Q1")
        assert lock.released.wait(timeout=30)
    # Then the delivery is retried after the outage and the incident is handled once
    runs = wait_for_runs(service, 2, timeout_s=60)
    assert [r.status for r in reversed(runs)] == ["deferred", "succeeded"]
    assert "StoreUnavailableError" in str(runs[1].error)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert incident.escalation_policy_id == "PSILENT"
    assert service.store.deliveries.counts() == {"done": 1}
    scraped = httpx.get(f"{url}/metrics", timeout=10).text
    assert "cad_run_retries_total 1.0" in scraped


def test_when_the_store_fails_on_the_last_attempt_the_incident_gets_a_note_and_an_escalation(
    sandbox: Sandbox, start: Start
) -> None:
    # Given a service on SQLite whose first attempt is its last, and a customer's stopped
    # cluster
    service, url = start(
        workers=1, database_statement_timeout_seconds=BUSY_TIMEOUT_S, worker_max_retries=0
    )
    seed(sandbox, "Q1", aws=STOPPED)
    # When the write lock is held past the busy timeout just as limited support is applied
    # (and released before the failure is reported)
    with LockWhenLimitedSupportIsPosted(sandbox, service, hold_s=1.8) as lock:
        deliver(sandbox, url, "Q1")
        assert lock.released.wait(timeout=30)
    # Then the incident is with a human, told what failed and in which run: never silenced
    runs = wait_for_runs(service, 1, timeout_s=60)
    assert [r.status for r in runs] == ["failed"]
    incident = sandbox.pagerduty.incident("Q1")
    assert incident.escalation_level == 2
    assert incident.escalation_policy_id != "PSILENT"
    notes = [n["content"] for n in incident.notes]
    assert any("Failed: limited support" in n and "StoreUnavailableError" in n for n in notes)
    assert any(f"CAD run {runs[0].id}; see `cadctl history`." in n for n in notes)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
