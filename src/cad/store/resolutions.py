"""An ``incident.resolved`` delivery, handled on receipt: stored ``resolved``, and in its
transaction the incident's queued work cancelled (its queued deliveries, one history run
saying why, and with :class:`CancelJobs` its waiting job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from cad.store.models import DeliveryRow, RunRow

__all__ = ["CANCELLED_BY_RESOLUTION", "CancelJobs", "Resolution", "record_resolution"]

CANCELLED_BY_RESOLUTION = "cancelled: the incident was resolved before CAD worked on it"
"""Why a run in the history never ran (delivery ``N``, the resolution, is named after it)."""


class CancelJobs(Protocol):
    """Cancels the incident's waiting job on ``connection`` (as :class:`Enqueue`); returns
    how many it cancelled."""

    def __call__(self, connection: Any, incident_id: str) -> int: ...


@dataclass(frozen=True)
class Resolution:
    """What an ``incident.resolved`` delivery did: its id, whether it is new (not a
    duplicate), how many queued deliveries it cancelled, and the run that says so."""

    id: int
    created: bool
    cancelled: int = 0
    run_id: int | None = None


def record_resolution(
    session: Session, row: DeliveryRow, cancel_jobs: CancelJobs | None
) -> Resolution:
    """Add the resolution's delivery ``row`` and cancel its incident's queued work."""
    session.add(row)
    session.flush()
    cancelled, run_id = _cancel_queued(session, row.incident_id, row.id, row.received_at)
    if cancel_jobs is not None:
        cancel_jobs(session.connection().connection.driver_connection, row.incident_id)
    return Resolution(row.id, True, cancelled, run_id)


def _cancel_queued(
    session: Session, incident_id: str, resolution: int, now: datetime
) -> tuple[int, int | None]:
    """The incident's queued deliveries become ``cancelled``, with one run that says why."""
    queued = list(
        session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.incident_id == incident_id, DeliveryRow.status == "queued")
            .order_by(DeliveryRow.id)
        )
    )
    if not queued:
        return 0, None
    why = f"{CANCELLED_BY_RESOLUTION} (delivery {resolution}, incident.resolved)"
    run = RunRow(
        delivery_id=queued[0].id,
        incident_id=incident_id,
        status="cancelled",
        started_at=now,
        finished_at=now,
        chain="[]",
        error=why,
    )
    session.add(run)
    session.flush()
    for row in queued:
        row.status, row.run_id, row.error, row.lease_until = "cancelled", run.id, why, None
    return len(queued), run.id
