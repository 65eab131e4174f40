"""One claimed delivery through the controller, recorded in the store. Shared by the
embedded worker (SQLite) and the job queue's workers (PostgreSQL)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import structlog

from cad.controller.controller import Controller
from cad.controller.outcome import RunOutcome
from cad.metrics import ServiceMetrics
from cad.store.db import ClaimedDelivery, Store
from cad.store.ledger import current_run

__all__ = ["RunResult", "run_delivery"]

log = structlog.get_logger("cad.worker")


@dataclass(frozen=True)
class RunResult:
    """What became of a run: its id, its status (or ``crashed``) and, when another attempt
    could do better, why (``retry_reason``)."""

    run_id: int
    status: str
    retry_reason: str | None = None


def _retry_reason(outcome: RunOutcome) -> str | None:
    """A failed run that deferred a transient failure, or could not hand the incident to a
    human (PagerDuty was down), is worth another attempt; one that escalated is with a
    person already."""
    if outcome.status != "failed":
        return None
    if outcome.deferred:
        return "; ".join(outcome.errors) or "a transient failure"
    escalated = any(
        a.type == "escalate_incident" and a.outcome.value == "succeeded"
        for a in outcome.all_actions()
    )
    if escalated:
        return None
    return "; ".join(outcome.errors) or "the run failed and nobody was told"


def run_delivery(
    store: Store,
    controller: Controller,
    metrics: ServiceMetrics,
    claimed: ClaimedDelivery,
    *,
    dry_run: bool = False,
    defer_transient: bool = False,
) -> RunResult:
    """Run ``claimed`` and record the run. A delivery taken before (``attempts > 1``) runs in
    reconcile mode; with ``defer_transient`` (not the last attempt), a transient failure is
    returned for a retry instead of being escalated. A crash of CAD's own code is recorded,
    never raised; store failures are raised (the caller retries)."""
    started = time.monotonic()
    run_id = store.start_run(delivery_id=claimed.id, incident_id=claimed.incident_id)
    token = current_run.set(run_id)
    try:
        with structlog.contextvars.bound_contextvars(delivery=claimed.id, run=run_id):
            outcome = controller.investigate(
                claimed.payload,
                dry_run=dry_run,
                reconcile=claimed.attempts > 1,
                defer_transient=defer_transient,
            )
        store.finish_run(run_id, outcome)
        metrics.runs.labels(status=outcome.run_status).inc()
        return RunResult(run_id, outcome.run_status, _retry_reason(outcome))
    except Exception as error:  # a CAD bug: record it, keep the worker alive
        log.exception("run crashed", delivery=claimed.id, run=run_id)
        store.fail_run(run_id, f"{type(error).__name__}: {error}")
        metrics.runs.labels(status="crashed").inc()
        return RunResult(run_id, "crashed", f"{type(error).__name__}: {error}")
    finally:
        current_run.reset(token)
        metrics.run_duration.observe(time.monotonic() - started)
