"""Manual mode: precheck, ccam (as the original's manual flow), then the target
investigation on one cluster, with PagerDuty actions dropped by the executor."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from cad.config.investigation_config import ChainEntry
from cad.controller.chain import ChainFailedError, ChainRun, run_chain
from cad.controller.dependencies import Dependencies
from cad.controller.metrics import ControllerMetrics
from cad.controller.outcome import ExitCode, RunOutcome
from cad.controller.run import Run, invalid
from cad.errors import CADError
from cad.investigations.framework.resources import IncidentInfo

__all__ = ["ManualMode"]


@dataclass(frozen=True)
class ManualMode:
    """Runs investigations an operator asks for by cluster."""

    deps: Dependencies
    metrics: ControllerMetrics

    def run(
        self,
        cluster_identifier: str,
        investigation: str,
        *,
        dry_run: bool = False,
        params: dict[str, str] | None = None,
    ) -> RunOutcome:
        """See :meth:`cad.controller.controller.Controller.run_manual`."""
        outcome = RunOutcome(
            mode="manual", dry_run=dry_run, status="succeeded", exit_code=ExitCode.OK
        )
        try:
            target = self.deps.registry.resolve(investigation).name
        except CADError as error:
            return invalid(outcome, str(error))
        label = {"investigation": target, "dry_run": str(dry_run).lower()}
        self.metrics.manual_started.labels(**label).inc()
        try:
            cluster = self.deps.ocm.find_cluster(cluster_identifier)
        except CADError as error:
            return self._failed(outcome, label, f"cluster {cluster_identifier!r}: {error}")
        run = Run(self.deps, outcome)
        run.describe_cluster(cluster)
        assert run.cluster is not None
        chain = ChainRun(
            self.deps,
            self.metrics,
            run.cluster,
            run.infra,
            None,
            IncidentInfo(),
            dry_run=dry_run,
            manual=True,
            params=params or {},
            known_cluster=cluster,
        )
        with structlog.contextvars.bound_contextvars(cluster=cluster.id):
            try:
                run_chain(chain, _entries(target))
            except ChainFailedError as error:
                outcome.chain = chain.steps
                return self._failed(outcome, label, str(error))
        outcome.chain = chain.steps
        status = (
            "stopped"
            if any(s.outcome == "stopped" for s in chain.steps)
            else ("success" if chain.acted else "no_findings")
        )
        self.metrics.manual_completed.labels(status=status, **label).inc()
        return outcome

    def _failed(self, outcome: RunOutcome, label: dict[str, str], what: str) -> RunOutcome:
        self.metrics.manual_completed.labels(status="error", **label).inc()
        outcome.status, outcome.exit_code = "failed", ExitCode.FAILED
        outcome.errors.append(what)
        return outcome


def _entries(target: str) -> list[ChainEntry]:
    """Precheck and ccam before the target, unless the target is one of them (precheck
    alone runs alone)."""
    before = [
        name
        for name in ("precheck", "ccam")
        if name != target and not (target == "precheck" and name == "ccam")
    ]
    return [ChainEntry(name=name) for name in [*before, target]]
