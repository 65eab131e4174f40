"""The store: one database (SQLite: one file, WAL, immediate transactions; or PostgreSQL)
holding the delivery queue (:class:`~cad.store.deliveries.DeliveryQueue`), the run history
(:class:`~cad.store.history.RunHistory`, searched by :class:`~cad.store.search.RunSearch`)
and the executor's ledger (:class:`~cad.store.ledger.DurableLedger`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from cad.errors import StoreUnavailableError
from cad.store.deliveries import (
    CancelJobs,
    ClaimedDelivery,
    DeliveryQueue,
    Enqueue,
    JobAlreadyQueuedError,
)
from cad.store.engine import (
    StoreTimeouts,
    create_store_engine,
    describe_failure,
    engine_url,
    masked,
)
from cad.store.history import RunHistory
from cad.store.models import DeliveryRow
from cad.store.search import RunSearch

__all__ = [
    "CancelJobs",
    "ClaimedDelivery",
    "Enqueue",
    "JobAlreadyQueuedError",
    "Store",
    "StoreUnavailableError",
    "engine_url",
]


class Store:
    """One database: its connections and transactions, and the nouns kept in it,
    ``deliveries``, ``history`` and ``search``. Every statement waits at most
    ``timeouts.statement_s`` (on SQLite, for another connection's lock too)."""

    def __init__(
        self, url: str, timeouts: StoreTimeouts | None = None, *, pool_size: int = 10
    ) -> None:
        self.url = engine_url(url)
        self.is_sqlite = url.startswith("sqlite")
        self.timeouts = timeouts or StoreTimeouts()
        self.engine = create_store_engine(url, self.timeouts, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.deliveries = DeliveryQueue(self)
        self.history = RunHistory(self)
        self.search = RunSearch(self)

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

    @contextmanager
    def statement(self) -> Iterator[Connection]:
        """A connection in autocommit mode, for one statement that is its own transaction
        (no BEGIN and COMMIT round trips); failures as :meth:`session`'s."""
        try:
            with self.engine.connect() as connection:
                yield connection.execution_options(isolation_level="AUTOCOMMIT")
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

    def worker_status(self) -> dict[str, Any]:
        """What the workers are doing: deliveries queued, in progress per worker, stalled
        (a lease that expired: its worker died or hangs), failed; runs by status."""
        now = datetime.now(UTC)
        per_worker: dict[str, dict[str, Any]] = {}
        for worker, lease in self.deliveries.leases():
            slot = per_worker.setdefault(worker or "-", {"running": 0, "stalled": 0})
            slot["stalled" if lease is None or lease <= now else "running"] += 1
        deliveries = self.deliveries.counts()
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
            "deliveries": deliveries if deliveries is not None else self.deliveries.counts(),
            "runs": self.history.counts(),
        }
