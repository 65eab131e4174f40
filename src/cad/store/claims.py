"""Taking a delivery: the claim's lease, coalescing the incident's other queued deliveries
into it (never a re-run), and the request the run carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, update
from sqlalchemy.orm import Session

from cad.store.history import interrupt_runs
from cad.store.models import DeliveryRow, RunRow
from cad.store.records import RunRequest
from cad.store.reruns import RERUN_EVENT

__all__ = ["ClaimedDelivery", "rows_changed", "take"]


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a worker took, and how many deliveries it covers (a burst coalesced)."""

    id: int
    incident_id: str
    payload: str
    attempts: int
    coalesced: int
    request: RunRequest = field(default_factory=lambda: RunRequest(trigger="webhook"))
    """Who asked for the run: PagerDuty (a webhook), or the operator of a re-run."""


def rows_changed(session: Session, statement: Any) -> int:
    """Execute an UPDATE; return how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


def take(session: Session, row: DeliveryRow, worker: str, lease_until: datetime) -> ClaimedDelivery:
    row.status, row.claimed_by = "processing", worker
    row.lease_until, row.attempts = lease_until, row.attempts + 1
    # A run of an earlier attempt the store could not close (it was away) ends here.
    interrupt_runs(session, RunRow.delivery_id == row.id, reason="its attempt was cut short")
    merged = rows_changed(
        session,
        update(DeliveryRow)
        .where(
            and_(
                DeliveryRow.incident_id == row.incident_id,
                DeliveryRow.status == "queued",
                DeliveryRow.id != row.id,
                DeliveryRow.event_type != RERUN_EVENT,  # a re-run is asked for: it runs
            )
        )
        .values(status="coalesced", run_id=None, error=f"covered by delivery {row.id}"),
    )
    request = (
        RunRequest(
            trigger="rerun",
            reason=row.reason,
            requested_by=row.requested_by,
            repeat_effects=bool(row.repeat_effects),
        )
        if row.event_type == RERUN_EVENT
        else RunRequest(trigger="webhook")
    )
    return ClaimedDelivery(row.id, row.incident_id, row.payload, row.attempts, merged, request)
