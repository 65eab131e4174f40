"""``cadctl serve --sandbox``: the service pointed at the simulators, with the sandbox's routes.

Not part of the production layer (an import contract keeps production code from importing
it): only the CLI, when asked for the sandbox, the tests and the benchmarks load it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.service import Service, build_service
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier
from cad.webhook.signature import sign

__all__ = ["build_sandbox_service"]


def build_sandbox_service(
    settings: Settings,
    config: InvestigationConfig,
    *,
    workers: int,
    sandbox: Sandbox,
    start_workers: bool = True,
    migrate: bool = True,
) -> Service:
    """:func:`cad.service.build_service` on the sandbox's clock and egress answers, with
    routes to trigger a scenario and read an incident."""
    return build_service(
        settings,
        config,
        workers=workers,
        now=sandbox.clock.now,
        egress=SandboxEgressVerifier(sandbox),
        routes=lambda app: _sandbox_routes(app, sandbox, settings.webhook_secrets()),
        start_workers=start_workers,
        migrate=migrate,
    )


def _sandbox_routes(app: FastAPI, sandbox: Sandbox, secrets: list[str]) -> None:
    @app.post("/sandbox/scenarios/{name}")
    async def trigger(name: str) -> JSONResponse:
        """Seed the scenario, then post its incident to this receiver as a signed webhook:
        the signing secret never leaves the server."""
        seeded = await run_in_threadpool(_seed_scenario, sandbox, name)
        if seeded is None:
            return JSONResponse({"error": f"no webhook scenario {name!r}"}, status_code=404)
        incident_id, payload = seeded
        headers = {
            "Content-Type": "application/json",
            "X-PagerDuty-Signature": sign(payload, secrets[0]),
            "X-Webhook-Id": str(uuid.uuid4()),
        }
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            answer = await client.post("/webhooks/pagerduty", content=payload, headers=headers)
        return JSONResponse(
            {
                "incident_id": incident_id,
                "webhook": {"status": answer.status_code, "answer": answer.json()},
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


def _seed_scenario(sandbox: Sandbox, name: str) -> tuple[str, bytes] | None:
    """Load the shipped scenario ``name`` into ``sandbox``: its incident's id and webhook
    payload, or ``None`` when there is no such scenario with an incident."""
    from cad.scenarios.model import load_library
    from cad.simulators.faults import Fault

    scenario = {s.name: s for s in load_library()}.get(name)
    if scenario is None or scenario.incident is None:
        return None
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
    return scenario.incident_id(), json.dumps(payload).encode()
