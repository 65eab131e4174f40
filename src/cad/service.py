"""``cadctl serve`` and ``cadctl worker``: the receiver, the store and the workers, wired
together."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.controller.build import Built, build_controller
from cad.executor.budget import BudgetLimits
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier
from cad.store import DurableLedger, Store, StoreWriteBudget, upgrade
from cad.store.engine import StoreTimeouts
from cad.webhook.app import create_app
from cad.webhook.metrics import ServiceMetrics
from cad.worker.distributed import QueueOptions, QueueWorker
from cad.worker.embedded import EmbeddedWorkers
from cad.worker.queue import IncidentQueue

__all__ = [
    "SANDBOX_WEBHOOK_SECRET",
    "Runtime",
    "Service",
    "Workers",
    "build_runtime",
    "build_service",
    "queue_options",
]

SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"  # noqa: S105  # the local sandbox only


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
    sandbox: Sandbox | None = None,
    migrate: bool = True,
) -> Runtime:
    """Store (migrated unless ``migrate`` is false), metrics registry and controller with
    the durable ledger and the fleet budget, for ``settings`` (pointed at ``sandbox``)."""
    timeouts = StoreTimeouts.of(settings)
    if migrate:
        upgrade(settings.store_url(), timeouts)
    store = Store(settings.store_url(), timeouts)
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
            now=sandbox.clock.now if sandbox is not None else None,
        ),
        registry=registry,
        egress=SandboxEgressVerifier(sandbox) if sandbox is not None else None,
        now=sandbox.clock.now if sandbox is not None else None,
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
    sandbox: Sandbox | None
    receiver_store: Store | None = None

    @property
    def store(self) -> Store:
        """The service's store."""
        return self.runtime.store

    def close(self) -> None:
        """Stop the workers, then close clients and the store. The sandbox belongs to whoever
        started it (and may outlive this service)."""
        if self.workers is not None:
            self.workers.stop()
        if self.receiver_store is not None:
            self.receiver_store.close()
        self.runtime.close()


def build_service(
    settings: Settings,
    config: InvestigationConfig,
    *,
    workers: int,
    sandbox: Sandbox | None = None,
    start_workers: bool = True,
    migrate: bool = True,
) -> Service:
    """The service for ``settings`` (pointed at ``sandbox`` when given).

    On SQLite, ``workers`` embedded threads run the deliveries. On PostgreSQL, the receiver
    queues a job per incident in the delivery's transaction, and ``workers`` is the
    concurrency of a queue worker inside this process (0: none, ``cadctl worker`` processes
    run them). The receiver has a store of its own, whose waits are bounded by
    ``CAD_WEBHOOK_STORE_TIMEOUT_SECONDS``."""
    runtime = build_runtime(settings, config, sandbox=sandbox, migrate=migrate)
    receiver_store = Store(settings.store_url(), StoreTimeouts.receiving(settings))
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
        store=receiver_store,
        secrets=settings.webhook_secrets(),
        event_types=settings.event_types(),
        metrics=runtime.metrics,
        api_token=settings.api_token.get_secret_value() if settings.api_token else None,
        on_queued=pool.wake if pool is not None else lambda: None,
        enqueue=IncidentQueue() if queued else None,
        store_timeout_s=settings.webhook_store_timeout_seconds,
    )
    if sandbox is not None:
        _sandbox_routes(app, sandbox, settings.webhook_secrets())
    if start_workers and pool is not None:
        pool.start()
    return Service(app, runtime, pool, sandbox, receiver_store)


def _sandbox_routes(app: FastAPI, sandbox: Sandbox, secrets: list[str]) -> None:
    from cad.scenarios.model import load_library
    from cad.simulators.faults import Fault

    @app.post("/sandbox/scenarios/{name}")
    def trigger(name: str) -> JSONResponse:
        scenarios = {s.name: s for s in load_library()}
        scenario = scenarios.get(name)
        if scenario is None or scenario.incident is None:
            return JSONResponse({"error": f"no webhook scenario {name!r}"}, status_code=404)
        sandbox.reset()
        sandbox.seed(scenario.world)
        incident = scenario.incident
        sandbox.create_incident(
            scenario.incident_id(),
            incident.title,
            alerts=[alert.details for alert in incident.alerts],
            service_id=incident.service.id,
            service_summary=incident.service.summary,
        )
        for fault in scenario.faults:
            sandbox.faults(fault.system).add(Fault(**fault.model_dump(exclude={"system"})))
        payload: dict[str, Any] = sandbox.pagerduty.webhook_payload(
            scenario.incident_id(), payload_format=incident.payload
        )
        return JSONResponse(
            {
                "incident_id": scenario.incident_id(),
                "payload": json.dumps(payload),
                "secret": secrets[0],
            }
        )

    @app.get("/sandbox/incidents/{incident_id}")
    def incident_state(incident_id: str) -> JSONResponse:
        if incident_id not in sandbox.pagerduty.incidents:
            return JSONResponse({"error": f"no incident {incident_id}"}, status_code=404)
        found = sandbox.pagerduty.incident(incident_id)
        return JSONResponse(
            {
                "title": found.title,
                "policy": found.escalation_policy_id,
                "level": found.escalation_level,
                "notes": [n["content"] for n in found.notes],
            }
        )
