"""The fleet write budget in the store, shared by every worker on every machine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import text

from cad.executor.budget import BudgetLimits, hour_window
from cad.store.db import Store

__all__ = ["StoreWriteBudget"]

# One statement takes a unit atomically on SQLite and PostgreSQL alike: the row for the hour
# is created with 1, or incremented while below the limit; no row back means exhausted.
_TAKE = text(
    "INSERT INTO write_budget (action_type, window_start, used) VALUES (:kind, :window, 1) "
    "ON CONFLICT (action_type, window_start) DO UPDATE SET used = write_budget.used + 1 "
    "WHERE write_budget.used < :limit RETURNING used"
)


class StoreWriteBudget:
    """Implements ``WriteBudget`` on the ``write_budget`` table; counts refusals in
    ``cad_fleet_budget_refused_total``."""

    def __init__(
        self,
        store: Store,
        limits: BudgetLimits,
        *,
        registry: CollectorRegistry | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.limits = limits
        self._now = now or (lambda: datetime.now(UTC))
        self._refused = Counter(
            "cad_fleet_budget_refused",
            "Customer-facing writes withheld because the fleet's hourly budget was reached",
            ["action_type"],
            registry=registry,
        )

    def take(self, action_type: str) -> bool:
        limit = self.limits.per_type().get(action_type)
        if limit is None:
            return True
        granted = limit > 0 and self._take(action_type, limit)
        if not granted:
            self._refused.labels(action_type).inc()
        return granted

    def _take(self, action_type: str, limit: int) -> bool:
        window = hour_window(self._now())
        with self.store.session() as session:
            row = session.execute(
                _TAKE, {"kind": action_type, "window": window, "limit": limit}
            ).first()
        return row is not None

    def used(self, action_type: str) -> int:
        """Units taken for ``action_type`` in the current hour (for status and tests)."""
        with self.store.session() as session:
            value = session.execute(
                text(
                    "SELECT used FROM write_budget WHERE action_type = :kind "
                    "AND window_start = :window"
                ),
                {"kind": action_type, "window": hour_window(self._now())},
            ).scalar()
        return int(value or 0)
