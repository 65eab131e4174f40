"""Running a scenario exactly as production would: the sandbox seeded, the incident created,
faults applied, the payload a webhook would carry given to the controller, the real clients
over HTTP; then every expectation checked."""

from __future__ import annotations

import json
import time

import yaml
from pydantic import BaseModel, Field

from cad.config.investigation_config import (
    InvestigationConfig,
    InvestigationConfigError,
    load_default_config,
    parse_config,
)
from cad.controller.build import build_controller
from cad.controller.outcome import RunOutcome
from cad.investigations.registry import REGISTRY
from cad.scenarios.expectations import Check, RunTrace, check_expectations
from cad.scenarios.model import Scenario
from cad.simulators.faults import Fault
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier

__all__ = ["ScenarioResult", "run_scenario"]


class ScenarioResult(BaseModel):
    """A scenario's verdict, with what happened (one ``--json`` record)."""

    name: str
    description: str
    passed: bool
    chain: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    pagerduty: dict[str, object] = Field(default_factory=dict)
    failed_checks: list[dict[str, str]] = Field(default_factory=list)
    checks: int = 0
    error: str | None = None
    duration_s: float = 0.0
    outcomes: list[RunOutcome] = Field(default_factory=list, exclude=True)


def _config(scenario: Scenario) -> InvestigationConfig:
    if scenario.config is None:
        return load_default_config(known=REGISTRY.names())
    return parse_config(
        yaml.safe_dump(scenario.config), f"{scenario.name}: config", known=REGISTRY.names()
    )


def _deliver(scenario: Scenario, sandbox: Sandbox, config: InvestigationConfig) -> list[RunOutcome]:
    webhook = scenario.run.mode == "webhook"
    overrides: dict[str, object] = {"experimental_enabled": scenario.run.experimental}
    if scenario.run.org_policy_mapping is not None:
        overrides["org_policy_mapping"] = scenario.run.org_policy_mapping
    built = build_controller(
        sandbox.settings(**overrides, **scenario.run.settings),
        config,
        pagerduty=webhook,
        dry_run=scenario.run.dry_run,
        egress=SandboxEgressVerifier(sandbox),
        now=sandbox.clock.now,
    )
    for fault in scenario.faults:
        sandbox.faults(fault.system).add(Fault(**fault.model_dump(exclude={"system"})))
    outcomes = []
    try:
        for _ in range(scenario.run.deliveries):
            if webhook:
                assert scenario.incident is not None
                payload = sandbox.pagerduty.webhook_payload(
                    scenario.incident_id(), payload_format=scenario.incident.payload
                )
                outcomes.append(
                    built.controller.investigate(json.dumps(payload), dry_run=scenario.run.dry_run)
                )
            else:
                assert scenario.run.cluster
                assert scenario.run.investigation
                outcomes.append(
                    built.controller.run_manual(
                        scenario.run.cluster,
                        scenario.run.investigation,
                        dry_run=scenario.run.dry_run,
                        params=dict(scenario.run.params),
                    )
                )
    finally:
        built.close()
    return outcomes


def run_scenario(scenario: Scenario, sandbox: Sandbox) -> ScenarioResult:
    """Run one scenario in a (reset) sandbox and check its expectations."""
    started = time.monotonic()
    sandbox.reset()
    result = ScenarioResult(name=scenario.name, description=scenario.description, passed=False)
    try:
        sandbox.seed(scenario.world)
        if scenario.world.now:
            sandbox.clock.freeze()  # the same notes however fast or slow the run
        incident_id = None
        if scenario.incident is not None:
            incident_id = scenario.incident_id()
            sandbox.create_incident(
                incident_id,
                scenario.incident.title,
                alerts=[alert.details for alert in scenario.incident.alerts],
                service_id=scenario.incident.service.id,
                service_summary=scenario.incident.service.summary,
            )
        outcomes = _deliver(scenario, sandbox, _config(scenario))
    except InvestigationConfigError as error:
        result.error = str(error)
        result.duration_s = time.monotonic() - started
        return result
    cluster_id = scenario.world.clusters[0].id if scenario.world.clusters else None
    trace = RunTrace(outcomes)
    checks: list[Check] = check_expectations(
        scenario.expect, trace, sandbox, incident_id=incident_id, cluster_id=cluster_id
    )
    result.outcomes = outcomes
    result.chain = [f"{s.investigation}:{s.outcome}" for s in outcomes[-1].chain]
    result.actions = [f"{r.type}:{r.outcome.value}" for _, r in trace.actions()]
    if incident_id is not None:
        incident = sandbox.pagerduty.incident(incident_id)
        policy = incident.escalation_policy_id
        result.pagerduty = {
            "policy": "silent"
            if policy == sandbox.pagerduty.silent_policy_id
            else ("original" if policy == "PORIGINAL" else policy),
            "level": incident.escalation_level,
            "notes": len(incident.notes),
            "title": incident.title,
        }
    result.checks = len(checks)
    result.failed_checks = [
        {"check": c.name, "expected": c.expected, "actual": c.actual}
        for c in checks
        if not c.passed
    ]
    result.passed = not result.failed_checks
    result.duration_s = time.monotonic() - started
    return result
