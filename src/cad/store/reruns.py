"""Re-runs in the delivery queue: a delivery carrying a copy of the incident's latest stored
payload, with who asked for it and why (``cadctl rerun``, the receiver's re-run endpoint);
and the payloads of operators' runs, kept so that they can be re-run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cad.errors import CADError
from cad.store.models import DeliveryRow
from cad.store.records import KeptPayload, RunRequest

__all__ = ["RERUN_EVENT", "UnknownIncidentError", "insert_kept", "insert_rerun"]

RERUN_EVENT = "cad.rerun"
"""The event type of a delivery ``cadctl rerun`` queued (a copy of the incident's payload)."""


class UnknownIncidentError(CADError):
    """A re-run was asked for an incident the store holds no delivery of."""


def insert_rerun(session: Session, incident_id: str, request: RunRequest) -> DeliveryRow:
    """Add (and flush) the queued re-run delivery of ``incident_id``;
    :class:`UnknownIncidentError` when no delivery of the incident is stored."""
    payload = session.scalar(
        select(DeliveryRow.payload)
        .where(DeliveryRow.incident_id == incident_id, DeliveryRow.status != "ignored")
        .order_by(DeliveryRow.id.desc())
        .limit(1)
    )
    if payload is None:
        raise UnknownIncidentError(
            f"no delivery of incident {incident_id!r} is stored: nothing to re-run"
        )
    row = DeliveryRow(
        incident_id=incident_id,
        event_type=RERUN_EVENT,
        received_at=datetime.now(UTC),
        payload=payload,
        status="queued",
        attempts=0,
        reason=request.reason,
        requested_by=request.requested_by,
        repeat_effects=request.repeat_effects,
    )
    session.add(row)
    session.flush()
    return row


def insert_kept(session: Session, kept: KeptPayload, run_id: int) -> DeliveryRow:
    """Add (and flush) ``kept`` as a ``done`` delivery of its incident, run by ``run_id``:
    never queued, so no worker takes it; :meth:`insert_rerun` copies it like a webhook's.
    Its event id is unique among the deliveries (``IntegrityError`` when stored before)."""
    row = DeliveryRow(
        event_id=kept.event_id,
        incident_id=kept.incident_id,
        event_type=kept.event_type,
        received_at=datetime.now(UTC),
        payload=kept.payload,
        status="done",
        attempts=1,
        run_id=run_id,
    )
    session.add(row)
    session.flush()
    return row
