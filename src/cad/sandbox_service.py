"""``cadctl serve --sandbox``: the service pointed at the simulators, with the sandbox's routes.

Not part of the production layer (an import contract keeps production code from importing
it): only the CLI, when asked for the sandbox, the tests and the benchmarks load it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.scenarios.model import load_library
from cad.service import Service, build_service
from cad.simulators.faults import Fault
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier

__all__ = ["SANDBOX_WEBHOOK_SECRET", "build_sandbox_service"]

SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"  # noqa: S105  # the local sandbox only


def build_sandbox_service(
    settings: Settings,
    config: InvestigationConfig,
    *,
    workers: int,
    sandbox: Sandbox,
    start_workers: bool = True,
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
    )


def _sandbox_routes(app: FastAPI, sandbox: Sandbox, secrets: list[str]) -> None:
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
