"""The store's operations. SQLite (one file, WAL, immediate transactions) or PostgreSQL."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import (
    CursorResult,
    and_,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from cad.errors import CADError, StoreUnavailableError
from cad.store.engine import (
    StoreTimeouts,
    create_store_engine,
    describe_failure,
    engine_url,
    masked,
)
from cad.store.models import ActionRow, DeliveryRow, RunRow
from cad.store.records import FinishedRun

__all__ = [
    "ClaimedDelivery",
    "Enqueue",
    "JobAlreadyQueuedError",
    "Store",
    "StoreUnavailableError",
    "engine_url",
]


class JobAlreadyQueuedError(CADError):
    """The incident already has a job waiting in the queue: it will take this delivery too."""


class Enqueue(Protocol):
    """Queues the incident's job on ``connection`` (the store's psycopg connection, inside the
    delivery's transaction); raises :class:`JobAlreadyQueuedError` when one is waiting, and
    then leaves the transaction usable (the attempt runs in a savepoint)."""

    def __call__(self, connection: Any, incident_id: str) -> None: ...


def _incident_lock(session: Session, incident_id: str) -> None:
    """Serialise, per incident, the receiver's insert-and-enqueue with a worker's claim: a
    delivery stored while a job for the incident waits is always seen by that job."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"cad:incident:{incident_id}"},
    )


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a worker took, and how many deliveries it covers (a burst coalesced)."""

    id: int
    incident_id: str
    payload: str
    attempts: int
    coalesced: int


def _now() -> datetime:
    return datetime.now(UTC)


def _rows(session: Session, statement: Any) -> int:
    """Execute an UPDATE; return how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


def _due(now: datetime) -> Any:
    return DeliveryRow.lease_until.is_(None) | (DeliveryRow.lease_until <= now)


class Store:
    """Deliveries, runs and action records in one database. Every statement waits at most
    ``timeouts.statement_s`` (on SQLite, for another connection's lock too)."""

    def __init__(
        self, url: str, timeouts: StoreTimeouts | None = None, *, pool_size: int = 10
    ) -> None:
        self.url = engine_url(url)
        self.is_sqlite = url.startswith("sqlite")
        self.timeouts = timeouts or StoreTimeouts()
        self.engine = create_store_engine(url, self.timeouts, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def name(self) -> str:
        """The database's URL without its password, for messages."""
        return masked(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; store failures become :class:`StoreUnavailableError`."""
        try:
            with self._sessions.begin() as session:
                yield session
        except (OperationalError, SQLTimeoutError) as exc:
            raise StoreUnavailableError(
                f"the store at {self.name} is unavailable: {describe_failure(exc)}"
            ) from exc

    def close(self) -> None:
        """Close every connection."""
        self.engine.dispose()

    def ping(self) -> bool:
        """Whether the database answers and the deliveries table can be read (a table lock
        that would stall the receiver makes this false, after the statement timeout)."""
        try:
            with self.session() as session:
                session.execute(select(DeliveryRow.id).limit(0))
            return True
        except Exception:
            return False

    # --- deliveries ---------------------------------------------------------------------

    def add_delivery(
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
            "received_at": _now(),
            "payload": payload,
            "status": "queued" if queued else "ignored",
            "attempts": 0,
        }
        try:
            with self.session() as session:  # a Core insert: the receiver's hot path
                if enqueue is not None:
                    _incident_lock(session, incident_id)
                inserted = session.execute(
                    insert(DeliveryRow).values(**values).returning(DeliveryRow.id)
                )
                if enqueue is not None and queued:
                    self._enqueue(session, enqueue, incident_id)
                return int(inserted.scalar_one()), True
        except IntegrityError:  # seen before: its webhook id or event id is already stored
            pass
        seen = [DeliveryRow.webhook_id == webhook_id] if webhook_id else []
        seen += [DeliveryRow.event_id == event_id] if event_id else []
        with self.session() as session:
            existing = session.scalar(select(DeliveryRow.id).where(or_(*seen))) if seen else None
        return existing or 0, False

    @staticmethod
    def _enqueue(session: Session, enqueue: Enqueue, incident_id: str) -> None:
        # A job already waiting claims every queued delivery of its incident, this one too.
        with contextlib.suppress(JobAlreadyQueuedError):
            enqueue(session.connection().connection.driver_connection, incident_id)

    def claim_incident(
        self, incident_id: str, worker: str, lease: timedelta = timedelta(minutes=10)
    ) -> ClaimedDelivery | None:
        """For the incident's job (PostgreSQL): take the incident's oldest unfinished delivery
        and coalesce its other queued ones into it. The queue runs one job per incident at a
        time, so a delivery still ``processing`` belongs to an attempt that died or failed:
        it is taken again, and the runs that attempt left ``running`` become ``interrupted``."""
        now = _now()
        with self.session() as session:
            _incident_lock(session, incident_id)
            _rows(
                session,
                update(RunRow)
                .where(RunRow.incident_id == incident_id, RunRow.status == "running")
                .values(status="interrupted", finished_at=now, error="its worker stopped"),
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
            return self._take(session, row, worker, now + lease)

    def _take(
        self, session: Session, row: DeliveryRow, worker: str, lease_until: datetime
    ) -> ClaimedDelivery:
        row.status, row.claimed_by = "processing", worker
        row.lease_until, row.attempts = lease_until, row.attempts + 1
        # A run of an earlier attempt the store could not close (it was away) ends here.
        _rows(
            session,
            update(RunRow)
            .where(RunRow.delivery_id == row.id, RunRow.status == "running")
            .values(status="interrupted", finished_at=_now(), error="its attempt was cut short"),
        )
        merged = _rows(
            session,
            update(DeliveryRow)
            .where(
                and_(
                    DeliveryRow.incident_id == row.incident_id,
                    DeliveryRow.status == "queued",
                    DeliveryRow.id != row.id,
                )
            )
            .values(status="coalesced", run_id=None, error=f"covered by delivery {row.id}"),
        )
        return ClaimedDelivery(row.id, row.incident_id, row.payload, row.attempts, merged)

    def requeue_delivery(
        self, delivery_id: int, error: str, *, not_before: datetime | None = None
    ) -> None:
        """Put a claimed delivery back in the queue after a failed attempt (to be retried);
        :meth:`claim` leaves it until ``not_before`` (the embedded worker's backoff)."""
        with self.session() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is not None and row.status == "processing":
                row.status, row.error, row.lease_until = "queued", error, not_before

    def claim(
        self, worker: str, lease: timedelta = timedelta(minutes=10)
    ) -> ClaimedDelivery | None:
        """Take the oldest queued delivery whose incident no other worker is running; the
        incident's other queued deliveries are coalesced into it."""
        now = _now()
        with self.session() as session:
            if not self.is_sqlite:
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
            return self._take(session, row, worker, now + lease)

    def finish_delivery(
        self, delivery_id: int, *, run_id: int | None, error: str | None = None
    ) -> None:
        """Mark a claimed delivery done (or failed, with the error)."""
        with self.session() as session:
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
        with self.session() as session:
            _rows(
                session,
                update(RunRow)
                .where(RunRow.status == "running")
                .values(
                    status="interrupted", finished_at=_now(), error="the process running it stopped"
                ),
            )
            return _rows(
                session,
                update(DeliveryRow)
                .where(DeliveryRow.status == "processing")
                .values(status="queued", claimed_by=None, lease_until=None),
            )

    def hand_back(self, worker: str) -> int:
        """At shutdown: the deliveries ``worker``'s threads (``worker-N``) could not finish go
        back to the queue, and their runs become ``interrupted``; returns how many."""
        now = _now()
        mine = DeliveryRow.claimed_by.startswith(f"{worker}-", autoescape=True)
        with self.session() as session:
            ids = list(
                session.scalars(
                    select(DeliveryRow.id).where(DeliveryRow.status == "processing", mine)
                )
            )
            if not ids:
                return 0
            _rows(
                session,
                update(RunRow)
                .where(RunRow.delivery_id.in_(ids), RunRow.status == "running")
                .values(status="interrupted", finished_at=now, error="handed back at shutdown"),
            )
            return _rows(
                session,
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(ids))
                .values(status="queued", claimed_by=None, lease_until=None),
            )

    def queue_depth(self) -> int:
        """Deliveries waiting for a worker."""
        with self.session() as session:
            return int(
                session.scalar(select(func.count()).where(DeliveryRow.status == "queued")) or 0
            )

    def delivery_counts(self) -> dict[str, int]:
        """Deliveries by status."""
        with self.session() as session:
            return {
                status: int(n)
                for status, n in session.execute(
                    select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
                )
            }

    # --- runs -----------------------------------------------------------------------------

    def start_run(self, *, delivery_id: int | None, incident_id: str | None) -> int:
        """Record that a run started; returns its id."""
        with self.session() as session:
            row = RunRow(
                delivery_id=delivery_id,
                incident_id=incident_id,
                status="running",
                started_at=_now(),
                chain="[]",
            )
            session.add(row)
            session.flush()
            return row.id

    def finish_run(self, run_id: int, outcome: FinishedRun) -> None:
        """Record the run's outcome and every action that was not already recorded."""
        with self.session() as session:
            row = session.get(RunRow, run_id)
            if row is None or row.status != "running":  # interrupted meanwhile: final
                return
            row.status, row.finished_at = outcome.run_status, _now()
            row.cluster_id = (outcome.cluster or {}).get("id")
            row.alert = outcome.alert
            row.chain = json.dumps(
                [
                    {"investigation": s.investigation, "outcome": s.outcome, "reason": s.reason}
                    for s in outcome.chain
                ]
            )
            row.error = "; ".join(outcome.errors) or None
            row.report = outcome.model_dump_json()
            scope = f"incident:{outcome.incident['id']}" if outcome.incident else "manual"
            for record in outcome.all_actions():
                if record.outcome.value == "succeeded" and self._recorded(
                    session, run_id, record.description
                ):
                    continue
                session.add(
                    ActionRow(
                        run_id=run_id,
                        scope=scope,
                        type=record.type,
                        dedupe_key=f"{record.type}:history",
                        description=record.description,
                        content=json.dumps(record.content, ensure_ascii=False),
                        outcome="reported"
                        if record.outcome.value == "succeeded"
                        else record.outcome.value,
                        attempts=record.attempts,
                        duration_s=record.duration_s,
                        error=record.error,
                        recorded_at=_now(),
                    )
                )

    @staticmethod
    def _recorded(session: Session, run_id: int, description: str) -> bool:
        found = session.scalar(
            select(ActionRow.id).where(
                ActionRow.run_id == run_id,
                ActionRow.description == description,
                ActionRow.outcome == "succeeded",
            )
        )
        return found is not None

    def fail_run(self, run_id: int, error: str, *, status: str = "failed") -> None:
        """Record that a run crashed (``deferred``: a later attempt will try again)."""
        with self.session() as session:
            row = session.get(RunRow, run_id)
            if row is not None and row.status == "running":
                row.status, row.finished_at, row.error = status, _now(), error

    def runs(
        self, *, cluster: str | None = None, incident: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Runs, newest first, with their actions."""
        with self.session() as session:
            query = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
            if cluster:
                query = query.where(RunRow.cluster_id == cluster)
            if incident:
                query = query.where(RunRow.incident_id == incident)
            return [self._run_dict(session, row) for row in session.scalars(query)]

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One run with its actions."""
        with self.session() as session:
            row = session.get(RunRow, run_id)
            return self._run_dict(session, row) if row is not None else None

    @staticmethod
    def _run_dict(session: Session, row: RunRow) -> dict[str, Any]:
        actions = session.scalars(
            select(ActionRow).where(ActionRow.run_id == row.id).order_by(ActionRow.id)
        )
        return {
            "id": row.id,
            "delivery_id": row.delivery_id,
            "incident_id": row.incident_id,
            "cluster_id": row.cluster_id,
            "alert": row.alert,
            "status": row.status,
            "started_at": row.started_at.isoformat() if row.started_at else None,
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            "error": row.error,
            "chain": json.loads(row.chain or "[]"),
            "actions": [
                {
                    "type": a.type,
                    "description": a.description,
                    "outcome": "succeeded" if a.outcome in ("succeeded", "reported") else a.outcome,
                    "attempts": a.attempts,
                    "duration_s": a.duration_s,
                    "error": a.error,
                }
                for a in actions
            ],
        }

    def run_counts(self) -> dict[str, int]:
        """Runs by status."""
        with self.session() as session:
            return {
                status: int(n)
                for status, n in session.execute(
                    select(RunRow.status, func.count()).group_by(RunRow.status)
                )
            }

    def worker_status(self) -> dict[str, Any]:
        """What the workers are doing: deliveries queued, in progress per worker, stalled
        (a lease that expired: its worker died or hangs), failed; runs by status."""
        now = _now()
        with self.session() as session:
            rows = session.execute(
                select(DeliveryRow.claimed_by, DeliveryRow.lease_until).where(
                    DeliveryRow.status == "processing"
                )
            ).all()
        per_worker: dict[str, dict[str, Any]] = {}
        for worker, lease in rows:
            lease = (
                lease.replace(tzinfo=UTC) if lease is not None and lease.tzinfo is None else lease
            )
            slot = per_worker.setdefault(worker or "-", {"running": 0, "stalled": 0})
            slot["stalled" if lease is None or lease <= now else "running"] += 1
        deliveries = self.delivery_counts()
        return self.status_report(
            "embedded",
            per_worker,
            queued=deliveries.get("queued", 0),
            failed=deliveries.get("failed", 0),
            deliveries=deliveries,
        )

    def status_report(
        self,
        engine: str,
        per_worker: dict[str, dict[str, Any]],
        *,
        queued: int,
        failed: int,
        deliveries: dict[str, int] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """``cadctl status``'s report, whichever engine counted the work: totals from the
        per-worker counts, deliveries and runs by status."""
        return {
            "engine": engine,
            "queue_depth": queued,
            "running": sum(w["running"] for w in per_worker.values()),
            "stalled": sum(w["stalled"] for w in per_worker.values()),
            "failed": failed,
            "workers": per_worker,
            **extra,
            "deliveries": deliveries if deliveries is not None else self.delivery_counts(),
            "runs": self.run_counts(),
        }
