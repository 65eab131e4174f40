"""A small history to read in the web UI: a failed CHGM run (its limited support failed, its
note says so) of organization org-acme, a succeeded CMBB run of org-globex, and a run still
going (no organization yet)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update

from cad.controller.outcome import ChainStep, RunOutcome
from cad.executor.report import ActionRecord, Outcome
from cad.store import DurableLedger, Store, current_run
from cad.store.models import RunRow

LS_ERROR = "OCM answered 503 Service Unavailable on every attempt"
NOTE_TEXT = "🟠 CAD: limited support could not be set\nfailed: limited support (503)"
CHGM_REASON = "the cluster's instances were stopped by a user of the customer's account"
INCIDENT_URL = "https://example.pagerduty.com/incidents/QCHGM1"


@dataclass(frozen=True)
class Seeded:
    chgm: int
    cmbb: int
    running: int


def _action(
    kind: str,
    description: str,
    outcome: Outcome,
    *,
    content: dict[str, object],
    attempts: int = 1,
    error: str | None = None,
    preview: str | None = None,
) -> ActionRecord:
    return ActionRecord(
        index=0,
        origin="investigation",
        type=kind,
        lane="ocm" if kind != "pagerduty_note" else "pagerduty",
        description=description,
        outcome=outcome,
        attempts=attempts,
        error=error,
        content={"type": kind, **content},
        preview=preview,
    )


def _payload(incident: str, url: str) -> str:
    return json.dumps(
        {
            "event": {
                "id": f"evt-{incident}",
                "event_type": "incident.triggered",
                "data": {
                    "id": incident,
                    "title": "ClusterHasGoneMissing CRITICAL (1)",
                    "html_url": url,
                    "service": {"id": "PSVC", "summary": "prod-deadmanssnitch"},
                },
            }
        }
    )


def _started(store: Store, run: int, at: datetime) -> None:
    with store.session() as session:
        session.execute(update(RunRow).where(RunRow.id == run).values(started_at=at))


def seed_history(store: Store) -> Seeded:
    """Three runs: CHGM (failed, 2026-01-10 08:00 UTC), CMBB (succeeded, 2026-01-11 09:00)
    and one still running."""
    delivery, _ = store.deliveries.add(
        webhook_id="wh-chgm",
        event_id="evt-chgm",
        incident_id="QCHGM1",
        event_type="incident.triggered",
        payload=_payload("QCHGM1", INCIDENT_URL),
        queued=False,
    )
    chgm = store.history.start(delivery_id=delivery, incident_id="QCHGM1")
    token = current_run.set(chgm)
    try:
        DurableLedger(store).record(
            "incident:QCHGM1",
            "sl:1",
            action_type="service_log",
            description="send service log 'Cluster has gone missing'",
            content={"summary": "Cluster has gone missing"},
        )
    finally:
        current_run.reset(token)
    chain = ChainStep(
        investigation="chgm",
        stage="actioning",
        outcome="ran",
        reason=CHGM_REASON,
        attempts=1,
        actions=[
            _action(
                "service_log",
                "send service log 'Cluster has gone missing'",
                Outcome.SUCCEEDED,
                content={"summary": "Cluster has gone missing", "severity": "Error"},
            ),
            _action(
                "limited_support",
                "set limited support 'Cluster not checking in'",
                Outcome.FAILED,
                content={"summary": "Cluster not checking in"},
                attempts=3,
                error=LS_ERROR,
            ),
            _action(
                "pagerduty_note",
                "note '🟠 CAD: limited support could not be set'",
                Outcome.SUCCEEDED,
                content={"content": NOTE_TEXT.splitlines()[0]},
                preview=NOTE_TEXT,
            ),
        ],
    )
    store.history.finish(
        chgm,
        RunOutcome(
            mode="pagerduty",
            dry_run=False,
            status="failed",
            exit_code=1,
            incident={"id": "QCHGM1", "title": "ClusterHasGoneMissing CRITICAL (1)"},
            cluster={
                "id": "c-111",
                "external_id": "ext-111",
                "name": "prod-east",
                "infra": "no",
                "organization_id": "org-acme",
            },
            alert="ClusterHasGoneMissing",
            chain=[chain],
            errors=["limited_support failed: " + LS_ERROR],
        ),
    )
    _started(store, chgm, datetime(2026, 1, 10, 8, 0, tzinfo=UTC))
    cmbb = store.history.start(delivery_id=None, incident_id="QCMBB2")
    store.history.finish(
        cmbb,
        RunOutcome(
            mode="pagerduty",
            dry_run=False,
            status="succeeded",
            exit_code=0,
            incident={"id": "QCMBB2", "title": "ClusterMonitoringErrorBudgetBurnSRE"},
            cluster={
                "id": "c-222",
                "external_id": "ext-222",
                "name": "staging-west",
                "organization_id": "org-globex",
            },
            alert="ClusterMonitoringErrorBudgetBurnSRE",
            chain=[
                ChainStep(
                    investigation="cmbb",
                    stage="actioning",
                    outcome="ran",
                    reason="the monitoring stack is healthy again",
                )
            ],
        ),
    )
    _started(store, cmbb, datetime(2026, 1, 11, 9, 0, tzinfo=UTC))
    running = store.history.start(delivery_id=None, incident_id="QRUN3")
    return Seeded(chgm=chgm, cmbb=cmbb, running=running)
