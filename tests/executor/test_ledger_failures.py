"""The durable ledger's store is locked: escalations and idempotent actions still happen,
customer-facing writes that are not idempotent fail (and so nothing silences the incident).
When the run will be tried again, the PagerDuty phase is held back instead."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cad.actions import TitleUpdate, escalate, limited_support, note, service_log, silence
from cad.executor import (
    HELD_BACK,
    ExecutionContext,
    ExecutionOptions,
    ExecutionReport,
    Executor,
    ExecutorMetrics,
    Outcome,
    WriteClients,
)
from cad.store.db import Store
from cad.store.engine import StoreTimeouts
from cad.store.ledger import DurableLedger
from cad.store.migrate import upgrade
from cad.testing import FakeOcm, FakePagerDuty, Journal, VirtualClock

from .conftest import CLUSTER, INCIDENT

LOCK_WAIT_S = 0.2  # how long the store waits for the lock before it gives up


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Another connection holds the database's write lock (BEGIN EXCLUSIVE) meanwhile."""
    holder = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    path = tmp_path / "cad.db"
    upgrade(f"sqlite:///{path}")
    store = Store(f"sqlite:///{path}", StoreTimeouts(connect_s=2, statement_s=LOCK_WAIT_S))
    yield path, store
    store.close()


class LockingOcm(FakeOcm):
    """An OCM whose limited-support write lands, then the store's lock is taken (so the
    ledger could check the write but cannot record it)."""

    def __init__(self, journal: Journal, path: Path) -> None:
        super().__init__(journal)
        self.path = path
        self.holder: sqlite3.Connection | None = None

    def post_limited_support_reason(self, cluster_id: str, *, summary: str, details: str) -> None:
        super().post_limited_support_reason(cluster_id, summary=summary, details=details)
        self.holder = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        self.holder.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()


def run(
    store: Store,
    ocm: FakeOcm,
    pagerduty: FakePagerDuty,
    actions: list[object],
    options: ExecutionOptions | None = None,
) -> tuple[ExecutionReport, ExecutorMetrics]:
    clock = VirtualClock()
    metrics = ExecutorMetrics(CollectorRegistry())
    ctx = ExecutionContext(
        investigation="chgm",
        cluster=CLUSTER,
        incident=INCIDENT,
        clients=WriteClients(ocm=ocm, pagerduty=pagerduty),
    )
    with Executor.standard(
        ledger=DurableLedger(store), metrics=metrics, clock=clock, sleep=clock.sleep
    ) as executor:
        return executor.execute(actions, ctx, options), metrics  # type: ignore[arg-type]


def fakes(journal: Journal) -> tuple[FakeOcm, FakePagerDuty]:
    ocm = FakeOcm(journal)
    ocm.external_ids[CLUSTER.external_id] = CLUSTER.id
    pagerduty = FakePagerDuty(journal)
    pagerduty.add_incident(INCIDENT.id, INCIDENT.title)
    return ocm, pagerduty


def limited_support_then_lock(
    store: Store, path: Path, options: ExecutionOptions | None = None
) -> tuple[ExecutionReport, LockingOcm, FakePagerDuty]:
    """A limited support, a note and a silence, with the store locked once the limited
    support landed (the ledger checked it but cannot record it)."""
    journal = Journal()
    _, pagerduty = fakes(journal)
    locking = LockingOcm(journal, path)
    locking.external_ids[CLUSTER.external_id] = CLUSTER.id
    actions: list[object] = [limited_support("LS", "d"), note("n"), silence("ok")]
    try:
        report, _ = run(store, locking, pagerduty, actions, options)
    finally:
        locking.release()
    return report, locking, pagerduty


def test_the_incident_is_escalated_while_the_ledger_cannot_check_or_record_it(
    database: tuple[Path, Store],
) -> None:
    # Given a ledger whose store is locked by another connection
    path, store = database
    ocm, pagerduty = fakes(Journal())
    # When a crash escalation (a note, then an escalation) is executed
    with exclusive_lock(path):
        report, metrics = run(store, ocm, pagerduty, [note("CAD crashed."), escalate("crash")])
    # Then the incident was escalated and its note written
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_level == 2
    assert incident.notes
    assert incident.notes[0].startswith("CAD crashed.")
    assert report.outcomes() == [
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    # And the ledger failure is reported on each record and counted
    for record in report.records:
        assert record.error is not None
        assert "the ledger could not check it" in record.error
        assert "StoreUnavailableError" in record.error
    assert (
        metrics.registry.get_sample_value(
            "cad_executor_hook_failures_total", {"hook": "ledger", "method": "check"}
        )
        == 2
    )


def test_a_service_log_is_not_sent_and_nothing_silenced_while_the_ledger_cannot_check_it(
    database: tuple[Path, Store],
) -> None:
    # Given a ledger whose store is locked by another connection
    path, store = database
    ocm, pagerduty = fakes(Journal())
    # When a service log, a note and a silence are executed
    with exclusive_lock(path):
        report, _ = run(
            store, ocm, pagerduty, [service_log("Major", "Summary"), note("n"), silence("ok")]
        )
    # Then no service log reached the customer: at most once cannot be guaranteed
    assert not any(ocm.service_logs.values())
    failed = report.failures
    assert [r.type for r in failed] == ["service_log"]
    assert failed[0].error is not None
    assert "the ledger could not check it" in failed[0].error
    # And the incident was not silenced but escalated, the note saying why
    outcomes = dict(report.outcomes())
    assert outcomes["silence_incident"] is Outcome.REPLACED
    assert outcomes["escalate_incident"] is Outcome.SUCCEEDED
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_policy_id == "PORIGINAL"
    assert incident.escalation_level == 2
    assert "Not silencing the incident" in incident.notes[0]


def test_a_limited_support_the_ledger_cannot_record_is_a_failed_step_and_never_silenced(
    database: tuple[Path, Store],
) -> None:
    # Given a ledger that can check but, once the limited support landed, not record it
    path, store = database
    # When a limited support, a note and a silence are executed
    report, locking, pagerduty = limited_support_then_lock(store, path)
    # Then the limited support is a failed step that names the ledger
    assert [r.summary for r in locking.limited_support[CLUSTER.id]] == ["LS"]
    (failed,) = report.failures
    assert failed.type == "limited_support"
    assert failed.error is not None
    assert "the ledger could not record it" in failed.error
    # And the incident is escalated, not silenced
    outcomes = dict(report.outcomes())
    assert outcomes["silence_incident"] is Outcome.REPLACED
    assert outcomes["escalate_incident"] is Outcome.SUCCEEDED
    assert pagerduty.incidents[INCIDENT.id].escalation_policy_id == "PORIGINAL"


def test_an_idempotent_title_update_goes_ahead_while_the_ledger_is_locked(
    database: tuple[Path, Store],
) -> None:
    # Given a ledger whose store is locked by another connection
    path, store = database
    ocm, pagerduty = fakes(Journal())
    # When an idempotent title update is executed
    with exclusive_lock(path):
        report, _ = run(store, ocm, pagerduty, [TitleUpdate(prefix="[CAD]")])
    # Then the title changed and the record reports the ledger failure
    assert pagerduty.incidents[INCIDENT.id].title.startswith("[CAD]")
    (record,) = report.records
    assert record.outcome is Outcome.SUCCEEDED
    assert record.error is not None
    assert "ledger" in record.error


def test_when_the_run_will_be_tried_again_a_store_outage_holds_the_pagerduty_phase_back(
    database: tuple[Path, Store],
) -> None:
    # Given a ledger that can check but, once the limited support landed, not record it, and
    # a run the job queue will try again
    path, store = database
    options = ExecutionOptions(hold_on_store_outage=True)
    # When a limited support, a note and a silence are executed
    report, _, pagerduty = limited_support_then_lock(store, path, options)
    # Then nothing was written on the incident: neither silenced nor escalated yet
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.notes == []
    assert incident.escalation_policy_id == "PORIGINAL"
    assert incident.escalation_level == 1
    held = {r.type: r.reason for r in report.records if r.reason == HELD_BACK}
    assert set(held) == {"pagerduty_note", "escalate_incident"}
    assert dict(report.outcomes())["silence_incident"] is Outcome.REPLACED
    # And the report fails, naming the outage it held back for
    assert report.status == "failed"
    assert report.held_back is not None
    assert "StoreUnavailableError" in report.held_back
