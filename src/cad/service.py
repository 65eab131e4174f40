"""``cadctl serve`` and ``cadctl worker``: the receiver, the store and the workers, wired
together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.controller.build import Built, build_controller
from cad.egress import EgressVerifier
from cad.executor.budget import BudgetLimits
from cad.metrics import ServiceMetrics
from cad.store import DurableLedger, Store, StoreWriteBudget, upgrade
from cad.webhook.app import create_app
from cad.worker.distributed import QueueOptions, QueueWorker
from cad.worker.embedded import EmbeddedWorkers
from cad.worker.queue import IncidentQueue

__all__ = [
    "Runtime",
    "Service",
    "Workers",
    "build_runtime",
    "build_service",
    "queue_options",
]


class Workers(Protocol):
    """What runs the deliveries: embedded threads (SQLite) or a queue worker (PostgreSQL)."""

    def start(self) -> Workers: ...

    def wake(self) -> None: ...

    def stop(self, timeout_s: float = 30.0) -> None: ...


@dataclass
class Runtime:
    """The store, metrics and controller a receiver or a worker runs with."""

    store: Store
    registry: CollectorRegistry
    metrics: ServiceMetrics
    built: Built

    def close(self) -> None:
        """Close clients, then the store."""
        self.built.close()
        self.store.close()


def build_runtime(
    settings: Settings,
    config: InvestigationConfig,
    *,
    now: Callable[[], datetime] | None = None,
    egress: EgressVerifier | None = None,
    migrate: bool = True,
) -> Runtime:
    """Store (migrated unless ``migrate`` is false), metrics registry and controller with
    the durable ledger and the fleet budget, for ``settings``; ``now`` and ``egress``
    replace the real clock and egress verifier (the sandbox's)."""
    store = Store(settings.store_url())
    if migrate:
        upgrade(settings.store_url())
    registry = CollectorRegistry()
    metrics = ServiceMetrics(registry, store.queue_depth)
    built = build_controller(
        settings,
        config,
        pagerduty=True,
        ledger=DurableLedger(store),
        budget=StoreWriteBudget(
            store,
            BudgetLimits(
                limited_support_per_hour=settings.budget_limited_support_per_hour,
                service_logs_per_hour=settings.budget_service_logs_per_hour,
            ),
            registry=registry,
            now=now,
        ),
        registry=registry,
        egress=egress,
        now=now,
    )
    return Runtime(store, registry, metrics, built)


def queue_options(settings: Settings, concurrency: int) -> QueueOptions:
    """The queue worker's options from ``CAD_WORKER_*``."""
    return QueueOptions(
        concurrency=concurrency,
        heartbeat_s=settings.worker_heartbeat_seconds,
        stalled_after_s=settings.worker_stalled_after_seconds,
        recovery_every_s=max(1.0, settings.worker_stalled_after_seconds / 4),
        max_retries=settings.worker_max_retries,
        retry_wait_s=settings.worker_retry_wait_seconds,
    )


@dataclass
class Service:
    """Everything ``serve`` runs; :meth:`close` stops it in order."""

    app: FastAPI
    runtime: Runtime
    workers: Workers | None

    @property
    def store(self) -> Store:
        """The service's store."""
        return self.runtime.store

    def close(self) -> None:
        """Stop the workers, then close clients and the store (never a sandbox: it belongs to
        whoever started it)."""
        if self.workers is not None:
            self.workers.stop()
        self.runtime.close()


def build_service(
    settings: Settings,
    config: InvestigationConfig,
    *,
    workers: int,
    now: Callable[[], datetime] | None = None,
    egress: EgressVerifier | None = None,
    routes: Callable[[FastAPI], None] | None = None,
    start_workers: bool = True,
) -> Service:
    """The service for ``settings``. ``now`` and ``egress`` as for :func:`build_runtime`;
    ``routes`` adds routes to the receiver's app (the sandbox's).

    On SQLite, ``workers`` embedded threads run the deliveries. On PostgreSQL, the receiver
    queues a job per incident in the delivery's transaction, and ``workers`` is the
    concurrency of a queue worker inside this process (0: none, ``cadctl worker`` processes
    run them)."""
    runtime = build_runtime(settings, config, now=now, egress=egress)
    queued = settings.uses_job_queue()
    pool: Workers | None = None
    if queued and workers > 0:
        pool = QueueWorker(
            runtime.store,
            runtime.built.controller,
            metrics=runtime.metrics,
            options=queue_options(settings, workers),
        )
    elif not queued:
        pool = EmbeddedWorkers(
            runtime.store,
            runtime.built.controller,
            count=max(workers, 1),
            metrics=runtime.metrics,
            poll_s=settings.worker_poll_seconds,
        )
    app = create_app(
        store=runtime.store,
        secrets=settings.webhook_secrets(),
        event_types=settings.event_types(),
        metrics=runtime.metrics,
        api_token=settings.api_token.get_secret_value() if settings.api_token else None,
        on_queued=pool.wake if pool is not None else lambda: None,
        enqueue=IncidentQueue() if queued else None,
    )
    if routes is not None:
        routes(app)
    if start_workers and pool is not None:
        pool.start()
    return Service(app, runtime, pool)
