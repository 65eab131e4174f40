"""The job queue on PostgreSQL (procrastinate): one job per incident.

The receiver queues an incident's job in the transaction that stores its delivery
(:class:`IncidentQueue`); ``cadctl worker`` processes run the jobs. The job's ``lock`` is the
incident, so one job per incident runs at a time, on any machine; its ``queueing_lock`` is the
incident too, so an incident never has two jobs waiting (the waiting one takes every delivery
stored before it starts).
"""

from __future__ import annotations

from typing import Any

import procrastinate
import psycopg
import psycopg.conninfo
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from sqlalchemy import text
from sqlalchemy.engine import make_url

from cad.store.db import JobAlreadyQueuedError, Store, StoreUnavailableError

__all__ = [
    "QUEUE",
    "TASK",
    "IncidentQueue",
    "conninfo",
    "incident_job_lock",
    "queue_status",
    "require_queue",
]

QUEUE = "cad"
TASK = "cad.investigate_incident"


def incident_job_lock(incident_id: str) -> str:
    """The lock (and queueing lock) of an incident's jobs."""
    return f"incident:{incident_id}"


def conninfo(url: str) -> str:
    """The libpq connection string for a SQLAlchemy PostgreSQL URL."""
    parsed = make_url(url)
    values: dict[str, Any] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
        **dict(parsed.query),
    }
    return psycopg.conninfo.make_conninfo(
        **{key: value for key, value in values.items() if value is not None}
    )


class IncidentQueue:
    """Queues incidents' jobs on a connection the caller owns (the receiver's transaction).

    It never opens a connection of its own: ``procrastinate``'s deferral runs on the one it is
    given, so the job is committed, or rolled back, with the delivery."""

    def __init__(self) -> None:
        self._app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())

    def job(self, incident_id: str) -> tuple[str, str, str]:
        """The incident's job as the store's one-statement receive queues it (queue, task,
        lock): the same job :meth:`__call__` defers."""
        return QUEUE, TASK, incident_job_lock(incident_id)

    def __call__(self, connection: Any, incident_id: str) -> None:
        lock = incident_job_lock(incident_id)
        try:
            # A savepoint (psycopg opens one inside a transaction in progress): a refused job
            # must not abort the delivery's insert.
            with connection.transaction():
                self._app.configure_task(
                    name=TASK, queue=QUEUE, lock=lock, queueing_lock=lock, connection=connection
                ).defer(incident_id=incident_id)
        except AlreadyEnqueued as waiting:
            raise JobAlreadyQueuedError(lock) from waiting
        except ConnectorException as error:  # the delivery's transaction is rolled back too
            raise StoreUnavailableError(
                f"the job could not be queued: {type(error.__cause__).__name__}"
            ) from error

    def cancel(self, connection: Any, incident_id: str) -> int:
        """Cancel the incident's waiting job (``todo``: not yet started, or a retry waiting
        out its backoff) on ``connection``, in the caller's transaction; returns how many
        were cancelled. A job under way is left to finish (its run checks the incident's
        state before it writes to PagerDuty)."""
        lock = incident_job_lock(incident_id)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM procrastinate_jobs "
                    "WHERE queueing_lock = %s AND status = 'todo' AND queue_name = %s",
                    (lock, QUEUE),
                )
                waiting = [int(row[0]) for row in cursor.fetchall()]
            manager = self._app.job_manager
            return sum(manager.cancel_job_by_id(job, connection=connection) for job in waiting)
        except (ConnectorException, psycopg.Error) as error:
            raise StoreUnavailableError(
                f"the job could not be cancelled: {type(error).__name__}"
            ) from error


def require_queue(store: Store) -> None:
    """Raise ``StoreUnavailableError`` unless the database answers and holds the job queue's
    tables (one catalogue lookup: cheap enough for every start)."""
    with store.session() as session:
        found = session.scalar(text("SELECT to_regclass('procrastinate_jobs')"))
    if found is None:
        raise StoreUnavailableError("the job queue's tables are missing")


def queue_status(store: Store, stalled_after_s: float) -> dict[str, Any]:
    """The job queue, read from procrastinate's tables: jobs waiting, running, stalled (their
    worker has been silent for ``stalled_after_s``) and failed; each worker's heartbeat and
    jobs; and the store's deliveries and runs. Raises ``StoreUnavailableError`` when the
    tables are missing."""
    require_queue(store)
    with store.session() as session:
        jobs = {
            str(status): int(n)
            for status, n in session.execute(
                text(
                    "SELECT status::text, count(*) FROM procrastinate_jobs "
                    "WHERE queue_name = :queue GROUP BY status"
                ),
                {"queue": QUEUE},
            )
        }
        workers = session.execute(
            text(
                "SELECT w.id, EXTRACT(EPOCH FROM now() - w.last_heartbeat), count(j.id) "
                "FROM procrastinate_workers w LEFT JOIN procrastinate_jobs j "
                "ON j.worker_id = w.id AND j.status = 'doing' AND j.queue_name = :queue "
                "GROUP BY w.id ORDER BY w.id"
            ),
            {"queue": QUEUE},
        ).all()
        orphans = int(
            session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs "
                    "WHERE status = 'doing' AND worker_id IS NULL AND queue_name = :queue"
                ),
                {"queue": QUEUE},
            )
            or 0
        )
    per_worker: dict[str, dict[str, Any]] = {}
    for worker_id, silent_s, running in workers:
        silent = float(silent_s)
        stalled = silent > stalled_after_s
        per_worker[str(worker_id)] = {
            "running": 0 if stalled else int(running),
            "stalled": int(running) if stalled else 0,
            "heartbeat_age_s": round(silent, 1),
        }
    if orphans:
        per_worker["(gone)"] = {"running": 0, "stalled": orphans, "heartbeat_age_s": None}
    return store.status_report(
        "procrastinate",
        per_worker,
        queued=jobs.get("todo", 0),
        failed=jobs.get("failed", 0),
        jobs=jobs,
    )
