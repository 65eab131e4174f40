"""``cadctl serve`` and ``cadctl worker``: the receiver, the store and the workers, wired
together."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.controller.build import Built, build_controller
from cad.controller.controller import Controller
from cad.egress import EgressVerifier
from cad.executor.budget import BudgetLimits
from cad.metrics import ServiceMetrics, register_process_metrics
from cad.store import DurableLedger, Store, StoreRateBuckets, StoreWriteBudget, upgrade
from cad.store.engine import StoreTimeouts
from cad.store.instance import ServerLock
from cad.webhook.app import create_app
from cad.worker.distributed import QueueOptions, QueueWorker
from cad.worker.embedded import EmbeddedWorkers
from cad.worker.queue import IncidentQueue
from cad.worker.status import fleet_status

__all__ = [
    "Runtime",
    "Service",
    "Workers",
    "build_runtime",
    "build_service",
    "fleet_budget",
    "queue_options",
    "receiver_only",
]


class Workers(Protocol):
    """What runs the deliveries: embedded threads (SQLite) or a queue worker (PostgreSQL)."""

    def start(self) -> Workers: ...

    def wake(self) -> None: ...

    def stop(self, timeout_s: float = 30.0) -> None: ...


@dataclass
class Runtime:
    """The store, metrics and controller a receiver or a worker runs with. A receiver
    that runs no deliveries (``serve --workers 0`` on PostgreSQL) has no controller
    (``built`` is ``None``): it needs no credentials of OCM, PagerDuty or backplane."""

    store: Store
    registry: CollectorRegistry
    metrics: ServiceMetrics
    built: Built | None

    @property
    def controller(self) -> Controller:
        """The controller; ``RuntimeError`` for a receiver-only runtime, which has none."""
        if self.built is None:
            raise RuntimeError("a receiver-only runtime runs no deliveries: it has no controller")
        return self.built.controller

    def close(self) -> None:
        """Close clients, then the store."""
        if self.built is not None:
            self.built.close()
        self.store.close()


def build_runtime(
    settings: Settings,
    config: InvestigationConfig,
    *,
    now: Callable[[], datetime] | None = None,
    egress: EgressVerifier | None = None,
    migrate: bool = True,
    controller: bool = True,
) -> Runtime:
    """Store (migrated unless ``migrate`` is false), metrics registry and controller with
    the durable ledger and the fleet budget, for ``settings``; ``now`` and ``egress``
    replace the real clock and egress verifier (the sandbox's). Without ``controller``
    (a receiver that runs nothing), no client is built and no credential is needed."""
    timeouts = StoreTimeouts.of(settings)
    if migrate:
        upgrade(settings.store_url(), timeouts)
    store = Store(settings.store_url(), timeouts)
    registry = CollectorRegistry()
    register_process_metrics(registry, revision=settings.build_revision)
    metrics = ServiceMetrics(registry, store.deliveries.depth)
    if not controller:
        return Runtime(store, registry, metrics, None)
    try:
        built = _build_controller(settings, config, store, registry, now, egress)
    except BaseException:
        store.close()
        raise
    return Runtime(store, registry, metrics, built)


def fleet_budget(
    settings: Settings,
    store: Store,
    registry: CollectorRegistry,
    now: Callable[[], datetime] | None = None,
) -> StoreWriteBudget:
    """The fleet's write budget in ``store``, with the limits ``settings`` set."""
    return StoreWriteBudget(
        store,
        BudgetLimits(
            limited_support_per_hour=settings.budget_limited_support_per_hour,
            service_logs_per_hour=settings.budget_service_logs_per_hour,
        ),
        registry=registry,
        now=now,
    )


def _build_controller(
    settings: Settings,
    config: InvestigationConfig,
    store: Store,
    registry: CollectorRegistry,
    now: Callable[[], datetime] | None,
    egress: EgressVerifier | None,
) -> Built:
    return build_controller(
        settings,
        config,
        pagerduty=True,
        ledger=DurableLedger(store),
        budget=fleet_budget(settings, store, registry, now),
        rate_buckets=None if store.is_sqlite else StoreRateBuckets(store),
        registry=registry,
        egress=egress,
        now=now,
    )


def receiver_only(settings: Settings, workers: int) -> bool:
    """Whether ``serve`` with ``workers`` runs no delivery itself (PostgreSQL, no queue worker
    in the process): then it needs no credentials but the webhook secrets and the database."""
    return settings.uses_job_queue() and workers == 0


def queue_options(settings: Settings, concurrency: int) -> QueueOptions:
    """The queue worker's options from ``CAD_WORKER_*``."""
    return QueueOptions(
        concurrency=concurrency,
        heartbeat_s=settings.worker_heartbeat_seconds,
        stalled_after_s=settings.worker_stalled_after_seconds,
        recovery_every_s=max(1.0, settings.worker_stalled_after_seconds / 4),
        max_retries=settings.worker_max_retries,
        retry_wait_s=settings.worker_retry_wait_seconds,
        shutdown_grace_s=settings.shutdown_grace_seconds,
    )


@dataclass
class Service:
    """Everything ``serve`` runs; :meth:`close` stops it in order."""

    app: FastAPI
    runtime: Runtime
    workers: Workers | None
    lock: ServerLock | None = None
    grace_s: float = 25.0
    receiver_store: Store | None = None

    @property
    def store(self) -> Store:
        """The service's store."""
        return self.runtime.store

    def close(self) -> None:
        """Stop the workers (runs in flight get ``grace_s`` to finish; the rest are handed
        back to the queue), then close clients and the stores, then let the next server
        start. The sandbox belongs to whoever started it (and may outlive this service)."""
        try:
            if self.workers is not None:
                self.workers.stop(self.grace_s)
            if self.receiver_store is not None:
                self.receiver_store.close()
            self.runtime.close()
        finally:
            if self.lock is not None:
                self.lock.release()


def build_service(
    settings: Settings,
    config: InvestigationConfig,
    *,
    workers: int,
    now: Callable[[], datetime] | None = None,
    egress: EgressVerifier | None = None,
    routes: Callable[[FastAPI], None] | None = None,
    start_workers: bool = True,
    migrate: bool = True,
) -> Service:
    """The service for ``settings``. ``now`` and ``egress`` as for :func:`build_runtime`;
    ``routes`` adds routes to the receiver's app (the sandbox's).

    On SQLite, ``workers`` embedded threads run the deliveries, and the database's
    :class:`~cad.store.instance.ServerLock` is taken first (a second server on the same file
    raises ``ServerAlreadyRunningError`` before it touches the store). On PostgreSQL, the
    receiver queues a job per incident in the delivery's transaction, and ``workers`` is the
    concurrency of a queue worker inside this process (0: none, ``cadctl worker`` processes
    run them: the receiver then builds no controller and needs only the webhook secrets and
    the database). The receiver has a store of its own, whose waits are bounded by
    ``CAD_WEBHOOK_STORE_TIMEOUT_SECONDS``."""
    queued = settings.uses_job_queue()
    lock = None if queued else ServerLock(settings.store_url()).acquire()
    try:
        runtime = build_runtime(
            settings,
            config,
            now=now,
            egress=egress,
            migrate=migrate,
            controller=not receiver_only(settings, workers),
        )
        return _build_service(settings, runtime, workers, routes, start_workers, lock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _build_service(
    settings: Settings,
    runtime: Runtime,
    workers: int,
    routes: Callable[[FastAPI], None] | None,
    start_workers: bool,
    lock: ServerLock | None,
) -> Service:
    receiver_store = Store(settings.store_url(), StoreTimeouts.receiving(settings))
    queued = settings.uses_job_queue()
    pool: Workers | None = None
    if queued and workers > 0:
        pool = QueueWorker(
            runtime.store,
            runtime.controller,
            metrics=runtime.metrics,
            options=queue_options(settings, workers),
        )
    elif not queued:
        pool = EmbeddedWorkers(
            runtime.store,
            runtime.controller,
            count=max(workers, 1),
            metrics=runtime.metrics,
            poll_s=settings.worker_poll_seconds,
            max_retries=settings.worker_max_retries,
            retry_wait_s=settings.worker_retry_wait_seconds,
        )
    queue = IncidentQueue() if queued else None
    app = create_app(
        store=receiver_store,
        secrets=settings.webhook_secrets(),
        event_types=settings.event_types(),
        metrics=runtime.metrics,
        api_token=settings.api_token.get_secret_value() if settings.api_token else None,
        open_history=settings.listens_on_loopback(),
        api_docs=settings.api_docs,
        on_queued=pool.wake if pool is not None else lambda: None,
        enqueue=queue,
        cancel_jobs=queue.cancel if queue is not None else None,
        store_timeout_s=settings.webhook_store_timeout_seconds,
        access_log=settings.access_log,
        status=functools.partial(fleet_status, receiver_store, settings),
    )
    if routes is not None:
        routes(app)
    if start_workers and pool is not None:
        pool.start()
    return Service(app, runtime, pool, lock, settings.shutdown_grace_seconds, receiver_store)
