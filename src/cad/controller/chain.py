"""Running a chain: each investigation with retries, its actions through the executor."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from cad.clients.agentcore import NotInvokedAgent
from cad.clients.ocm.models import Cluster
from cad.config.filters import FilterContext, sampling_rng
from cad.config.investigation_config import ChainEntry
from cad.controller.dependencies import Dependencies
from cad.controller.metrics import ControllerMetrics
from cad.controller.outcome import ChainStep
from cad.domain import ClusterRef, IncidentRef, InfraStatus
from cad.errors import CADError, StoreUnavailableError
from cad.executor import (
    ExecutionContext,
    ExecutionReport,
    Outcome,
    WriteClients,
)
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.readers import AgentRead
from cad.investigations.framework.resources import IncidentInfo, Resources, SharedClients
from cad.investigations.framework.runner import run_investigation

__all__ = ["ChainFailedError", "ChainRun", "run_chain"]

log = structlog.get_logger("cad.chain")


class ChainFailedError(CADError):
    """The chain could not complete: ``step`` names where, ``cause`` why."""

    def __init__(self, step: str, cause: BaseException) -> None:
        self.step = step
        self.cause = cause
        super().__init__(f"{step}: {cause}")
        self.__cause__ = cause  # the chain of causes, however the error was raised


@dataclass
class ChainRun:
    """Inputs shared by every step of one chain."""

    deps: Dependencies
    metrics: ControllerMetrics
    cluster: ClusterRef
    infra: InfraStatus
    incident: IncidentRef | None
    incident_info: IncidentInfo
    dry_run: bool
    manual: bool
    reconcile: bool = False
    repeat_effects: bool = False
    """An operator's re-run that applies again effects the ledger holds."""
    alert: str = ""
    """The alert config's name (metrics' ``alert_type``); empty in a manual run."""
    defer_transient: bool = False
    """The job queue will try the run again: a store outage holds the PagerDuty phase back."""
    params: dict[str, str] = field(default_factory=dict)
    filters: FilterContext | None = None
    steps: list[ChainStep] = field(default_factory=list)
    shared: SharedClients = field(default_factory=SharedClients)
    known_cluster: Cluster | None = None
    """The cluster as the controller found it: the investigations' resources start from it
    (and from ``infra``) instead of looking both up again."""

    @property
    def acted(self) -> bool:
        """Whether any action was applied (or would have been, in a dry run)."""
        done = (Outcome.SUCCEEDED, Outcome.DRY_RUN)
        return any(a.outcome in done for step in self.steps for a in step.actions)

    def execution_context(self, investigation: str) -> ExecutionContext:
        """The executor's context for one investigation's actions."""
        deps = self.deps
        return ExecutionContext(
            investigation=investigation,
            alert=self.alert,
            cluster=self.cluster,
            incident=self.incident,
            clients=WriteClients(
                ocm=deps.ocm_writer,
                pagerduty=deps.pagerduty_writer,
                backplane=deps.backplane_writer,
                sftp=deps.sftp_writer,
                kube=deps.kube_writer,
            ),
            infra=self.infra,
        )


def run_chain(run: ChainRun, entries: list[ChainEntry]) -> None:
    """Run the entries in order; raise :class:`ChainFailedError` at the first failure. A stop
    reason ends the chain after that investigation's actions. Clients the investigations
    shared are closed at the end, whatever happened."""
    try:
        _run_entries(run, entries)
    finally:
        run.shared.close()


def _run_entries(run: ChainRun, entries: list[ChainEntry]) -> None:
    for entry in entries:
        try:
            cls = run.deps.registry.resolve(entry.name)
        except CADError as exc:  # a name of the original's this CAD does not implement
            raise ChainFailedError(f"investigation {entry.name}", exc) from exc
        stage = entry.stage or cls.default_stage
        if entry.when is not None and run.filters is not None:
            try:
                rng = sampling_rng(run.incident.id if run.incident else run.cluster.id, cls.name)
                passes, reason = entry.when.evaluate(run.filters, rng)
            except Exception as exc:
                raise ChainFailedError(f"evaluating the filter of {cls.name}", exc) from exc
            if not passes:
                run.metrics.filtered.labels(alert_type=run.alert, investigation=cls.name).inc()
                run.steps.append(
                    ChainStep(
                        investigation=cls.name, stage=stage, outcome="filtered", reason=reason
                    )
                )
                continue
        step = ChainStep(investigation=cls.name, stage=stage, outcome="ran")
        run.steps.append(step)
        with structlog.contextvars.bound_contextvars(investigation=cls.name):
            result = _investigate(run, cls, step)
            if result.actions:
                options = run.deps.runtime.execution_options(
                    dry_run=run.dry_run,
                    manual=run.manual,
                    stage=stage,
                    reconcile=run.reconcile,
                    repeat_effects=run.repeat_effects,
                    hold_on_store_outage=run.defer_transient,
                )
                report = run.deps.executor.execute(
                    result.actions, run.execution_context(cls.name), options
                )
                step.actions = list(report.records)
                if report.held_back is not None:
                    why = _failures(report) or report.held_back
                    step.outcome, step.reason = "failed", why
                    raise ChainFailedError(
                        f"actions of {cls.name} held back", StoreUnavailableError(why)
                    )
                if report.status == "failed":
                    step.outcome, step.reason = "failed", _failures(report)
                    raise ChainFailedError(
                        f"actions of {cls.name} failed", CADError(_failures(report))
                    )
            if result.stop:
                step.outcome, step.reason = "stopped", result.stop
                return


def _investigate(run: ChainRun, cls: type[Investigation], step: ChainStep) -> Result:
    """Run one investigation with retries, counting attempts even when it fails."""
    attempts: list[Resources] = []

    def fresh() -> Resources:
        attempts.append(_resources(run, cls.name))
        return attempts[-1]

    try:
        result, step.attempts = run_investigation(
            cls(), fresh, policy=run.deps.runtime.investigation_retry
        )
    except Exception as exc:
        step.outcome, step.reason, step.attempts = "failed", str(exc), len(attempts)
        raise ChainFailedError(f"investigation {cls.name} failed", exc) from exc
    return result


def _failures(report: ExecutionReport) -> str:
    return "; ".join(f"{r.description}: {r.error}" for r in report.failures)


def _resources(run: ChainRun, investigation: str) -> Resources:
    deps = run.deps
    return Resources(
        cluster_id=run.cluster.id,
        investigation=investigation,
        ocm=deps.ocm,
        access=deps.access,
        egress=deps.egress,
        params=run.params,
        incident=run.incident_info,
        now=deps.now,
        cloudtrail_lookback=deps.runtime.cloudtrail_lookback,
        octosql_image=deps.runtime.octosql_image,
        etcd_analysis_timeout_s=deps.runtime.etcd_analysis_timeout_s,
        acm_hcp_must_gather_image=deps.runtime.acm_hcp_must_gather_image,
        shared=run.shared,
        experimental=deps.runtime.experimental,
        update_graph=deps.update_graph,
        known=(run.known_cluster, run.infra) if run.known_cluster is not None else None,
        agent=_agent(run),
    )


def _agent(run: ChainRun) -> AgentRead | None:
    """The AI agent, unless this is a dry run: the agent has its own access to the cluster,
    so a dry run does not invoke it (as egress verification is not run)."""
    agent = run.deps.agent
    if agent is None or not run.dry_run:
        return agent
    return NotInvokedAgent(agent.config, "dry run (the agent is never invoked in a dry run)")
