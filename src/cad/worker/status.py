"""The queue and the workers as ``cadctl status`` and the web UI's status page show them."""

from __future__ import annotations

from typing import Any

from cad.config.settings import Settings
from cad.executor.budget import BudgetLimits
from cad.store import Store, StoreWriteBudget

__all__ = ["fleet_status"]


def fleet_status(store: Store, settings: Settings) -> dict[str, Any]:
    """Deliveries queued, running and stalled per worker, failures, runs by status, and the
    fleet budget used this hour (``cadctl status --json``'s document). Raises
    ``StoreUnavailableError`` when the store cannot answer or has no schema yet."""
    limits = BudgetLimits(
        limited_support_per_hour=settings.budget_limited_support_per_hour,
        service_logs_per_hour=settings.budget_service_logs_per_hour,
    )
    if settings.uses_job_queue():
        from cad.worker.queue import queue_status

        report = queue_status(store, settings.worker_stalled_after_seconds)
    else:
        report = store.worker_status()
    budget = StoreWriteBudget(store, limits)
    report["budget"] = {
        kind: {"used": budget.used(kind), "limit": limit}
        for kind, limit in limits.per_type().items()
    }
    return report
