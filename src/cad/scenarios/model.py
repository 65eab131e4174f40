"""The scenario file format (docs/scenarios.md). Every field of the issue's format is kept;
added fields: ``incident.id``, ``run.deliveries``, ``run.params``, ``expect.actions[].origin``,
``expect.actions[].investigation``, ``expect.errors_contain``, ``expect.actions[].excludes``,
``run.experimental``, ``world.clusters[].owner.registry_credentials``,
``expect.kubernetes`` and ``expect.sftp`` (issue 18), ``run.org_policy_mapping`` and
``world.escalation_policies`` (issue 19)."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from cad.config.yaml_errors import YamlError, load_yaml_model
from cad.errors import ConfigurationError
from cad.simulators.faults import Fault
from cad.simulators.world import WorldSpec

__all__ = [
    "Expectations",
    "IncidentSpec",
    "KubernetesExpectation",
    "ObjectExpectation",
    "RunSpec",
    "Scenario",
    "ScenarioError",
    "SftpExpectation",
    "load_library",
    "load_scenario",
    "load_scenarios",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertSpec(_Strict):
    """One alert of the incident: its ``body.details``."""

    details: dict[str, Any] = Field(default_factory=dict)


class ServiceSpec(_Strict):
    """The incident's PagerDuty service."""

    id: StrictStr = "PSVC001"
    summary: StrictStr = "osd-deadmanssnitch"


class IncidentSpec(_Strict):
    """How PagerDuty presents the incident."""

    id: StrictStr | None = None
    title: StrictStr
    service: ServiceSpec = ServiceSpec()
    alerts: list[AlertSpec] = Field(default_factory=list)
    payload: Literal["webhook_v3", "event_orchestration"] = "webhook_v3"


class RunSpec(_Strict):
    """How CAD is run: PagerDuty mode on the incident (default) or a manual run."""

    mode: Literal["webhook", "manual"] = "webhook"
    investigation: StrictStr | None = None
    cluster: StrictStr | None = None
    dry_run: StrictBool = False
    deliveries: StrictInt = Field(default=1, ge=1, le=5)
    params: dict[str, StrictStr] = Field(default_factory=dict)
    experimental: StrictBool = False  # CAD_EXPERIMENTAL_ENABLED for this run
    org_policy_mapping: dict[str, Any] | None = None  # CAD_ORG_POLICY_MAPPING for this run
    settings: dict[StrictStr, Any] = Field(default_factory=dict)
    """Settings for this run, by field name (``executor_deadline_seconds: 2``,
    ``octosql_image: ""``): what ``CAD_<NAME>`` would set."""

    @model_validator(mode="after")
    def _manual_needs_target(self) -> RunSpec:
        if self.mode == "manual" and (not self.investigation or not self.cluster):
            raise ValueError("a manual run needs 'investigation' and 'cluster'")
        return self


class ScenarioFault(Fault):
    """A fault applied before the run, on one system."""

    system: Literal[
        "ocm",
        "pagerduty",
        "backplane",
        "aws",
        "kubernetes",
        "update-graph",
        "agentcore",
        "sftp-token",
    ]


class ActionExpectation(_Strict):
    """An action that must appear (in order among the others) with these fields."""

    type: StrictStr
    outcome: Literal["succeeded", "skipped", "failed", "dry_run", "dropped", "replaced"] | None = (
        None
    )
    summary: StrictStr | None = None
    contains: list[StrictStr] = Field(default_factory=list)
    excludes: list[StrictStr] = Field(default_factory=list)
    origin: Literal["investigation", "executor"] | None = None
    investigation: StrictStr | None = None


class PagerDutyExpectation(_Strict):
    """The incident's state after the run."""

    notes_contain: list[StrictStr] = Field(default_factory=list)
    notes_count: StrictInt | None = None
    escalation_policy: StrictStr | None = Field(default=None, min_length=1)
    """``silent``, ``original`` (any policy but the silent one) or a policy id (exactly)."""
    escalation_level: StrictInt | None = None
    title_startswith: StrictStr | None = None


class OcmExpectation(_Strict):
    """OCM's state after the run."""

    limited_support_reasons: StrictInt | None = None
    service_logs_sent: StrictInt | None = None


class ObjectExpectation(_Strict):
    """A Kubernetes object a write touched; ``name`` and ``namespace`` may be globs
    (``must-gather-*``); ``api`` is the cluster's own API or its HCP management cluster's."""

    kind: StrictStr
    name: StrictStr = "*"
    namespace: StrictStr = "*"
    api: Literal["cluster", "management"] = "cluster"


class KubernetesExpectation(_Strict):
    """The writes the Kubernetes APIs (the cluster's and the management cluster's) accepted."""

    writes: StrictInt | None = None
    created: list[ObjectExpectation] = Field(default_factory=list)
    patched: list[ObjectExpectation] = Field(default_factory=list)
    deleted: list[ObjectExpectation] = Field(default_factory=list)


class SftpExpectation(_Strict):
    """The files Red Hat's SFTP server received (``files``: globs of their names)."""

    uploads: StrictInt | None = None
    files: list[StrictStr] = Field(default_factory=list)


class Expectations(_Strict):
    """What must hold after the run."""

    exit_code: StrictInt | None = None
    investigations: list[StrictStr] | None = None
    actions: list[ActionExpectation] = Field(default_factory=list)
    absent: list[StrictStr] = Field(default_factory=list)
    pagerduty: PagerDutyExpectation = PagerDutyExpectation()
    ocm: OcmExpectation = OcmExpectation()
    kubernetes: KubernetesExpectation = KubernetesExpectation()
    sftp: SftpExpectation = SftpExpectation()
    errors_contain: list[StrictStr] = Field(default_factory=list)


class Scenario(_Strict):
    """A world, an incident, how CAD runs, and what must happen."""

    name: StrictStr = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: StrictStr = ""
    incident: IncidentSpec | None = None
    run: RunSpec = RunSpec()
    config: dict[str, Any] | None = None
    world: WorldSpec = WorldSpec()
    faults: list[ScenarioFault] = Field(default_factory=list)
    expect: Expectations = Expectations()

    @model_validator(mode="after")
    def _webhook_needs_incident(self) -> Scenario:
        if self.run.mode == "webhook" and self.incident is None:
            raise ValueError("a webhook run needs an 'incident'")
        return self

    def incident_id(self) -> str:
        """The incident's id (derived from the scenario name unless given)."""
        if self.incident is not None and self.incident.id:
            return self.incident.id
        return "Q" + hashlib.sha256(self.name.encode()).hexdigest()[:12].upper()


class ScenarioError(ConfigurationError):
    """Scenario files that do not load; ``problems`` name file, line and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_scenario(text: str, source: str) -> Scenario:
    """One scenario from YAML text."""
    try:
        return load_yaml_model(Scenario, text, source)
    except YamlError as error:
        raise ScenarioError(error.problems) from None


def load_scenarios(directory: Path) -> list[Scenario]:
    """Every ``*.yaml`` scenario of a directory, sorted by name; names must be unique."""
    if not directory.is_dir():
        raise ScenarioError([f"{directory}: not a directory"])
    problems: list[str] = []
    loaded: dict[str, Scenario] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            scenario = load_scenario(path.read_text(), str(path))
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        if scenario.name in loaded:
            problems.append(f"{path}:1: name: {scenario.name!r} is used by another scenario")
        loaded[scenario.name] = scenario
    if problems:
        raise ScenarioError(problems)
    return [loaded[name] for name in sorted(loaded)]


def load_library() -> list[Scenario]:
    """The scenario library shipped with CAD."""
    folder = resources.files("cad.scenarios").joinpath("library")
    return load_scenarios(Path(str(folder)))
