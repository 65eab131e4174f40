"""One claimed delivery through the controller, recorded in the store. Shared by the
embedded worker (SQLite) and the job queue's workers (PostgreSQL).

Every run is logged once, when it ends (``run``): the delivery, the run id, the attempt, the
duration, and :meth:`~cad.controller.outcome.RunOutcome.summary` (incident, cluster, alert,
status, each step's and each action's outcome, errors); a crash as ``status=crashed`` with
its traceback."""

from __future__ import annotations

import time
from dataclasses import dataclass

import structlog

from cad.actions.base import action_class
from cad.controller.controller import Controller
from cad.controller.outcome import RunOutcome
from cad.errors import caused_by_transient
from cad.executor.guards import RESOLVED
from cad.metrics import ServiceMetrics
from cad.retry import retry_transient
from cad.store.db import ClaimedDelivery, Store, StoreUnavailableError
from cad.store.ledger import current_run

__all__ = ["RunResult", "run_delivery"]

log = structlog.get_logger("cad.worker")


@dataclass(frozen=True)
class RunResult:
    """What became of a run: its id, its status (or ``crashed``), when another attempt could
    do better why (``retry_reason``), and the error a delivery that is over failed with."""

    run_id: int
    status: str
    retry_reason: str | None = None
    error: str | None = None


def _retry_reason(outcome: RunOutcome) -> str | None:
    """A failed run that deferred a transient failure, or could not hand the incident to a
    human (PagerDuty was down), is worth another attempt; one that escalated is with a
    person already."""
    if outcome.status != "failed":
        return None
    if outcome.deferred:
        return "; ".join(outcome.errors) or "a transient failure"
    if _escalated(outcome):
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
    returned for a retry instead of being escalated. A crash (CAD's own code, or the store
    failing mid-run) is recorded, never raised: unless it is transient and may be deferred,
    the incident gets a note naming the run and an escalation. Store failures before the
    run starts are raised (the caller retries)."""
    started = time.monotonic()
    run_id = store.history.start(
        delivery_id=claimed.id, incident_id=claimed.incident_id, request=claimed.request
    )
    token = current_run.set(run_id)
    line = {"delivery": claimed.id, "run": run_id, "attempt": claimed.attempts}
    try:
        with structlog.contextvars.bound_contextvars(delivery=claimed.id, run=run_id):
            outcome = controller.investigate(
                claimed.payload,
                dry_run=dry_run,
                reconcile=claimed.attempts > 1,
                defer_transient=defer_transient,
                run_id=run_id,
                repeat_effects=claimed.request.repeat_effects,
            )
        store.history.finish(run_id, outcome)
        metrics.runs.labels(status=outcome.run_status).inc()
        emit = log.info if outcome.status != "failed" else log.warning
        emit("run", **line, duration_s=_since(started), **outcome.summary())
        return RunResult(run_id, outcome.run_status, _retry_reason(outcome))
    except Exception as error:  # a CAD bug or a store outage: record it, keep the worker alive
        what = f"{type(error).__name__}: {error}"
        log.exception(
            "run",
            **line,
            duration_s=_since(started),
            incident=claimed.incident_id,
            status="crashed",
            error=type(error).__name__,
        )
        metrics.runs.labels(status="crashed").inc()
        if defer_transient and caused_by_transient(error):
            _record_crash(store, run_id, what, status="deferred")
            return RunResult(run_id, "crashed", what, what)
        told = _escalate_crash(store, controller, claimed, run_id, error, dry_run=dry_run)
        return RunResult(run_id, "crashed", None if told else what, what)
    finally:
        current_run.reset(token)
        metrics.run_duration.observe(time.monotonic() - started)


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _record_crash(store: Store, run_id: int, what: str, *, status: str = "failed") -> None:
    # The store may be the very thing that failed: give it a few more tries, each bounded by
    # its statement timeout, before the history is left to say "interrupted".
    try:
        retry_transient(lambda: store.history.fail(run_id, what, status=status), attempts=3)
    except StoreUnavailableError as error:  # the next claim marks it interrupted
        log.error("could not record the crashed run", run=run_id, error=str(error))


def _escalate_crash(
    store: Store,
    controller: Controller,
    claimed: ClaimedDelivery,
    run_id: int,
    error: Exception,
    *,
    dry_run: bool,
) -> bool:
    """Note the crash on the incident (its type and the run id; the message stays in the
    run history) and escalate; record the run. Whether a human was told."""
    what = f"CAD crashed during run {run_id} ({type(error).__name__}); see `cadctl history`."
    try:
        outcome = controller.escalate_early_failure(claimed.payload, what, dry_run=dry_run)
    except Exception:  # the last resort failed too: the run history says so
        log.exception("could not escalate the crashed run", run=run_id)
        _record_crash(store, run_id, f"{type(error).__name__}: {error}")
        return False
    outcome.errors.append(f"{type(error).__name__}: {error}")
    try:
        store.history.finish(run_id, outcome)
    except StoreUnavailableError as failure:
        log.error("could not record the crashed run", run=run_id, error=str(failure))
    return _escalated(outcome)


def _escalated(outcome: RunOutcome) -> bool:
    """Whether the incident is with a human: escalated, or resolved meanwhile (its
    escalation was skipped for that: nobody needs telling, no attempt would do better)."""
    return any(
        _hands_to_human(a.type)
        and (
            a.outcome.value == "succeeded"
            or (a.outcome.value == "skipped" and a.reason == RESOLVED)
        )
        for a in outcome.all_actions()
    )


def _hands_to_human(action_type: str) -> bool:
    cls = action_class(action_type)
    return cls is not None and cls.hands_to_human
