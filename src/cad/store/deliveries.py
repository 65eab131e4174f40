"""The delivery queue: webhook deliveries, stored before they are acknowledged, claimed by
workers, coalesced per incident, and finished.

A delivery is ``queued`` (its ``lease_until``, when set, is its backoff: not before then),
``processing`` (a worker's lease until ``lease_until``), ``done``, ``failed``, ``ignored``
(not an event CAD acts on), ``coalesced`` (covered by another delivery of its incident),
``resolved`` (an ``incident.resolved`` event, handled on receipt: see
:meth:`DeliveryQueue.resolve`) or ``cancelled`` (its incident was resolved before a worker
took it).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, InternalError, ProgrammingError
from sqlalchemy.orm import Session

from cad.errors import CADError, StoreUnavailableError
from cad.store.claims import ClaimedDelivery, rows_changed, take
from cad.store.history import interrupt_runs
from cad.store.models import DeliveryRow, RunRow
from cad.store.records import KeptPayload, RunRequest
from cad.store.reruns import RERUN_EVENT, UnknownIncidentError, insert_kept, insert_rerun
from cad.store.resolutions import (
    CANCELLED_BY_RESOLUTION,
    CancelJobs,
    Resolution,
    record_resolution,
)

if TYPE_CHECKING:
    from cad.store.db import Store

__all__ = [
    "CANCELLED_BY_RESOLUTION",
    "RERUN_EVENT",
    "CancelJobs",
    "ClaimedDelivery",
    "DeliveryQueue",
    "Enqueue",
    "IncidentJob",
    "JobAlreadyQueuedError",
    "Resolution",
    "UnknownIncidentError",
]


class JobAlreadyQueuedError(CADError):
    """The incident already has a job waiting in the queue: it will take this delivery too."""


class Enqueue(Protocol):
    """Queues the incident's job on ``connection`` (the store's psycopg connection, inside the
    delivery's transaction); raises :class:`JobAlreadyQueuedError` when one is waiting, and
    then leaves the transaction usable (the attempt runs in a savepoint)."""

    def __call__(self, connection: Any, incident_id: str) -> None: ...


@runtime_checkable
class IncidentJob(Protocol):
    """An :class:`Enqueue` whose job the database can queue itself (procrastinate's job):
    then the receiver stores a delivery and queues its job in one statement."""

    def job(self, incident_id: str) -> tuple[str, str, str]:
        """The incident's job: its queue, task name and lock (its queueing lock too)."""
        ...


_RECEIVE = text(
    "SELECT cad_receive_delivery(:webhook_id, :event_id, :incident_id, :event_type, "
    ":received_at, :payload, :queue, :task, :lock)"
)


def _incident_lock(session: Session, incident_id: str) -> None:
    """Serialise, per incident, the receiver's insert-and-enqueue with a worker's claim: a
    delivery stored while a job for the incident waits is always seen by that job."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"cad:incident:{incident_id}"},
    )


def _due(now: datetime) -> Any:
    return DeliveryRow.lease_until.is_(None) | (DeliveryRow.lease_until <= now)


class DeliveryQueue:
    """The deliveries in the store, from the receiver to the worker that finishes them."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        *,
        webhook_id: str | None,
        event_id: str | None,
        incident_id: str,
        event_type: str,
        payload: str,
        queued: bool,
        enqueue: Enqueue | None = None,
    ) -> tuple[int, bool]:
        """Store a delivery; ``(id, False)`` when its webhook or event id was seen before.

        With ``enqueue`` (PostgreSQL), the incident's job is queued in the same transaction:
        both are stored, or neither."""
        values = {
            "webhook_id": webhook_id,
            "event_id": event_id,
            "incident_id": incident_id,
            "event_type": event_type,
            "received_at": datetime.now(UTC),
            "payload": payload,
            "status": "queued" if queued else "ignored",
            "attempts": 0,
        }
        try:
            if isinstance(enqueue, IncidentJob) and queued:
                return self._receive(values, *enqueue.job(incident_id)), True
            with self.store.session() as session:  # a Core insert: the receiver's hot path
                if enqueue is not None:
                    _incident_lock(session, incident_id)
                inserted = session.execute(
                    insert(DeliveryRow).values(**values).returning(DeliveryRow.id)
                )
                if enqueue is not None and queued:
                    # A job already waiting claims every queued delivery of its incident.
                    with contextlib.suppress(JobAlreadyQueuedError):
                        enqueue(session.connection().connection.driver_connection, incident_id)
                return int(inserted.scalar_one()), True
        except IntegrityError:  # seen before: its webhook id or event id is already stored
            pass
        return self._existing(webhook_id, event_id), False

    def _existing(self, webhook_id: str | None, event_id: str | None) -> int:
        seen = [DeliveryRow.webhook_id == webhook_id] if webhook_id else []
        seen += [DeliveryRow.event_id == event_id] if event_id else []
        with self.store.session() as session:
            existing = session.scalar(select(DeliveryRow.id).where(or_(*seen))) if seen else None
        return existing or 0

    def resolve(
        self,
        *,
        webhook_id: str | None,
        event_id: str | None,
        incident_id: str,
        event_type: str,
        payload: str,
        cancel_jobs: CancelJobs | None = None,
    ) -> Resolution:
        """Store an ``incident.resolved`` delivery (``resolved``) and, in its transaction,
        cancel the incident's queued work: its queued deliveries (retries waiting out their
        backoff too) become ``cancelled``, one ``cancelled`` run in the history says why,
        and with ``cancel_jobs`` (PostgreSQL) the incident's waiting job is cancelled. A
        delivery a worker holds is left to it: its run checks the incident's state before it
        writes to PagerDuty. ``created`` is false when the delivery was seen before."""
        now = datetime.now(UTC)
        try:
            with self.store.session() as session:
                if cancel_jobs is not None:
                    _incident_lock(session, incident_id)
                return record_resolution(
                    session,
                    DeliveryRow(
                        webhook_id=webhook_id,
                        event_id=event_id,
                        incident_id=incident_id,
                        event_type=event_type,
                        received_at=now,
                        payload=payload,
                        status="resolved",
                        attempts=0,
                    ),
                    cancel_jobs,
                )
        except IntegrityError:  # seen before
            return Resolution(self._existing(webhook_id, event_id), False)

    def _receive(self, values: dict[str, Any], queue: str, task: str, lock: str) -> int:
        """The receiver's hot path on PostgreSQL: one statement in its own transaction (one
        round trip) stores the delivery and queues its incident's job (migration 0006)."""
        params = {key: values[key] for key in ("webhook_id", "event_id", "incident_id")}
        params |= {key: values[key] for key in ("event_type", "received_at", "payload")}
        try:
            with self.store.statement() as connection:
                found = connection.execute(
                    _RECEIVE, {**params, "queue": queue, "task": task, "lock": lock}
                ).scalar_one()
        except (ProgrammingError, InternalError) as error:  # the job queue's tables are amiss
            raise StoreUnavailableError(
                f"the job could not be queued: {type(error.orig).__name__}"
            ) from error
        return int(found)

    def add_rerun(
        self, incident_id: str, request: RunRequest, *, enqueue: Enqueue | None = None
    ) -> int:
        """Queue a re-run of an incident: a delivery carrying the payload of the incident's
        latest stored delivery and ``request`` (why, who, whether effects are repeated);
        with ``enqueue`` (PostgreSQL), the incident's job in the same transaction. A re-run
        is never coalesced into another delivery. :class:`UnknownIncidentError` when no
        delivery of the incident is stored."""
        with self.store.session() as session:
            if enqueue is not None:
                _incident_lock(session, incident_id)
            row = insert_rerun(session, incident_id, request)
            if enqueue is not None:
                with contextlib.suppress(JobAlreadyQueuedError):
                    enqueue(session.connection().connection.driver_connection, incident_id)
            return row.id

    def keep(self, kept: KeptPayload, *, run_id: int) -> tuple[int, bool]:
        """Keep the payload of an operator's run as a finished delivery of ``run_id`` (see
        :func:`~cad.store.reruns.insert_kept`); ``(id, False)`` when its event id was stored
        before (a webhook's delivery, or an earlier run of the same payload)."""
        try:
            with self.store.session() as session:
                return insert_kept(session, kept, run_id).id, True
        except IntegrityError:
            return self._existing(None, kept.event_id), False

    def claim_delivery(
        self, delivery_id: int, worker: str, lease: timedelta = timedelta(minutes=10)
    ) -> ClaimedDelivery | None:
        """Take one queued delivery (``cadctl rerun`` running its own on SQLite, no server
        running); ``None`` when it is not queued (a worker took it)."""
        with self.store.session() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is None or row.status != "queued":
                return None
            return take(session, row, worker, datetime.now(UTC) + lease)

    def ended(self, delivery_id: int) -> tuple[str, int | None, str | None] | None:
        """A delivery's status, its run and its error (``None``: no such delivery)."""
        with self.store.session() as session:
            row = session.get(DeliveryRow, delivery_id)
            return None if row is None else (row.status, row.run_id, row.error)

    def claim_incident(
        self, incident_id: str, worker: str, lease: timedelta = timedelta(minutes=10)
    ) -> ClaimedDelivery | None:
        """For the incident's job (PostgreSQL): take the incident's oldest unfinished delivery
        and coalesce its other queued ones into it. The queue runs one job per incident at a
        time, so a delivery still ``processing`` belongs to an attempt that died or failed:
        it is taken again, and the runs that attempt left ``running`` become ``interrupted``."""
        now = datetime.now(UTC)
        with self.store.session() as session:
            _incident_lock(session, incident_id)
            # Runs of deliveries only: an operator's `cadctl investigate` may be running.
            interrupt_runs(
                session,
                RunRow.incident_id == incident_id,
                RunRow.delivery_id.is_not(None),
                reason="its worker stopped",
            )
            row = session.scalar(
                select(DeliveryRow)
                .where(
                    DeliveryRow.incident_id == incident_id,
                    DeliveryRow.status.in_(("queued", "processing")),
                )
                .order_by((DeliveryRow.status == "processing").desc(), DeliveryRow.id)
                .limit(1)
            )
            if row is None:
                return None
            return take(session, row, worker, now + lease)

    def claim(
        self, worker: str, lease: timedelta = timedelta(minutes=10)
    ) -> ClaimedDelivery | None:
        """Take the oldest queued delivery whose incident no other worker is running; the
        incident's other queued deliveries are coalesced into it."""
        now = datetime.now(UTC)
        with self.store.session() as session:
            if not self.store.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(8247316)"))
            busy = select(DeliveryRow.incident_id).where(
                DeliveryRow.status == "processing", DeliveryRow.lease_until > now
            )
            row = session.scalar(
                select(DeliveryRow)
                .where(
                    # A queued delivery's lease_until is its backoff: not before then.
                    ((DeliveryRow.status == "queued") & _due(now))
                    | ((DeliveryRow.status == "processing") & (DeliveryRow.lease_until <= now)),
                    DeliveryRow.incident_id.not_in(busy),
                )
                .order_by(DeliveryRow.id)
                .limit(1)
            )
            if row is None:
                return None
            return take(session, row, worker, now + lease)

    def requeue(self, delivery_id: int, error: str, *, not_before: datetime | None = None) -> None:
        """Put a claimed delivery back in the queue after a failed attempt (to be retried);
        :meth:`claim` leaves it until ``not_before`` (the embedded worker's backoff)."""
        with self.store.session() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is not None and row.status == "processing":
                row.status, row.error, row.lease_until = "queued", error, not_before

    def finish(self, delivery_id: int, *, run_id: int | None, error: str | None = None) -> None:
        """Mark a claimed delivery done (or failed, with the error)."""
        with self.store.session() as session:
            row = session.get(DeliveryRow, delivery_id)
            # Not if it was handed back (shutdown) or taken again: its attempt is over.
            if row is not None and row.status == "processing":
                row.status, row.run_id, row.error, row.lease_until = (
                    ("failed" if error else "done"),
                    run_id,
                    error,
                    None,
                )

    def requeue_unfinished(self) -> int:
        """At start: deliveries left ``processing`` by a previous process go back to the queue,
        and the runs it left ``running`` are marked ``interrupted``."""
        with self.store.session() as session:
            interrupt_runs(
                session, RunRow.delivery_id.is_not(None), reason="the process running it stopped"
            )
            return rows_changed(
                session,
                update(DeliveryRow)
                .where(DeliveryRow.status == "processing")
                .values(status="queued", claimed_by=None, lease_until=None),
            )

    def hand_back(self, worker: str) -> int:
        """At shutdown: the deliveries ``worker``'s threads (``worker-N``) could not finish go
        back to the queue, and their runs become ``interrupted``; returns how many."""
        mine = DeliveryRow.claimed_by.startswith(f"{worker}-", autoescape=True)
        with self.store.session() as session:
            ids = list(
                session.scalars(
                    select(DeliveryRow.id).where(DeliveryRow.status == "processing", mine)
                )
            )
            if not ids:
                return 0
            interrupt_runs(session, RunRow.delivery_id.in_(ids), reason="handed back at shutdown")
            return rows_changed(
                session,
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(ids))
                .values(status="queued", claimed_by=None, lease_until=None),
            )

    def depth(self) -> int:
        """Deliveries waiting for a worker."""
        with self.store.session() as session:
            return int(
                session.scalar(select(func.count()).where(DeliveryRow.status == "queued")) or 0
            )

    def counts(self) -> dict[str, int]:
        """Deliveries by status."""
        with self.store.session() as session:
            return {
                status: int(n)
                for status, n in session.execute(
                    select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
                )
            }

    def leases(self) -> list[tuple[str | None, datetime | None]]:
        """Each delivery in progress: the worker that holds it and its lease's end (UTC)."""
        with self.store.session() as session:
            rows = session.execute(
                select(DeliveryRow.claimed_by, DeliveryRow.lease_until).where(
                    DeliveryRow.status == "processing"
                )
            ).all()
        return [
            (worker, lease.replace(tzinfo=UTC) if lease and lease.tzinfo is None else lease)
            for worker, lease in rows
        ]
