"""``cadctl serve``: the receiver, the store and the embedded workers, wired together."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.controller.build import Built, build_controller
from cad.executor.budget import BudgetLimits
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier
from cad.store import DurableLedger, Store, StoreWriteBudget, upgrade
from cad.webhook.app import create_app
from cad.webhook.metrics import ServiceMetrics
from cad.worker.embedded import EmbeddedWorkers

__all__ = ["SANDBOX_WEBHOOK_SECRET", "Service", "build_service"]

SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"  # noqa: S105  # the local sandbox only


@dataclass
class Service:
    """Everything ``serve`` runs; :meth:`close` stops it in order."""

    app: FastAPI
    store: Store
    workers: EmbeddedWorkers
    built: Built
    sandbox: Sandbox | None

    def close(self) -> None:
        """Stop the workers, then close clients and the store. The sandbox belongs to whoever
        started it (and may outlive this service)."""
        self.workers.stop()
        self.built.close()
        self.store.close()


def build_service(
    settings: Settings,
    config: InvestigationConfig,
    *,
    workers: int,
    sandbox: Sandbox | None = None,
    start_workers: bool = True,
) -> Service:
    """The service for ``settings`` (pointed at ``sandbox`` when given)."""
    store = Store(settings.store_url())
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
            now=sandbox.clock.now if sandbox is not None else None,
        ),
        registry=registry,
        egress=SandboxEgressVerifier(sandbox) if sandbox is not None else None,
        now=sandbox.clock.now if sandbox is not None else None,
    )
    pool = EmbeddedWorkers(
        store, built.controller, count=workers, metrics=metrics, poll_s=settings.worker_poll_seconds
    )
    app = create_app(
        store=store,
        secrets=settings.webhook_secrets(),
        event_types=settings.event_types(),
        metrics=metrics,
        api_token=settings.api_token.get_secret_value() if settings.api_token else None,
        on_queued=pool.wake,
    )
    if sandbox is not None:
        _sandbox_routes(app, sandbox, settings.webhook_secrets())
    if start_workers:
        pool.start()
    return Service(app, store, pool, built, sandbox)


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
