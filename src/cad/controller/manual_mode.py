"""Manual mode: precheck, ccam (as the original's manual flow), then the target
investigation on one cluster, with PagerDuty actions dropped by the executor.

With filtering (``cadctl run --with-filtering``), the run takes its filters from the config's
first alert whose chain includes the target: that alert's ``when`` and the ``when`` it gives
each of precheck, ccam and the target, evaluated on the cluster (the PagerDuty fields are
empty). The original builds a filter context but no filters, so its flag does nothing."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from cad.clients.ocm.models import Cluster
from cad.config.filters import FilterContext
from cad.config.investigation_config import AlertConfig, ChainEntry, InvestigationConfig
from cad.controller.chain import ChainFailedError, ChainRun, run_chain
from cad.controller.dependencies import Dependencies, filter_context
from cad.controller.metrics import ControllerMetrics
from cad.controller.outcome import ChainStep, ExitCode, RunOutcome
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
        filtering: InvestigationConfig | None = None,
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
        alert = filtering.first_routing(target) if filtering is not None else None
        filters = _filters(run, cluster, target) if filtering is not None else None
        if alert is not None and filters is not None:
            outcome.alert = alert.display_name
            stopped = self._alert_filter(outcome, label, alert, filters)
            if stopped is not None:
                return stopped
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
            filters=filters,
            known_cluster=cluster,
        )
        with structlog.contextvars.bound_contextvars(cluster=cluster.id):
            try:
                run_chain(chain, _entries(target, alert))
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

    def _alert_filter(
        self,
        outcome: RunOutcome,
        label: dict[str, str],
        alert: AlertConfig,
        filters: FilterContext,
    ) -> RunOutcome | None:
        """The finished outcome when the alert's own filter rejects the cluster (or cannot
        be evaluated), else ``None``: the chain runs."""
        if alert.when is None:
            return None
        try:
            passes, reason = alert.when.evaluate(filters)
        except Exception as error:
            what = f"evaluating the filter of alert {alert.display_name!r}: {error}"
            return self._failed(outcome, label, what)
        if passes:
            return None
        target = label["investigation"]
        stage = self.deps.registry.resolve(target).default_stage
        why = f"the filter of alert {alert.display_name!r} rejects this cluster ({reason})"
        outcome.status = "filtered"
        outcome.chain = [
            ChainStep(investigation=target, stage=stage, outcome="filtered", reason=why)
        ]
        self.metrics.filtered.labels(alert_type=alert.display_name, investigation="").inc()
        self.metrics.manual_completed.labels(status="filtered", **label).inc()
        return outcome

    def _failed(self, outcome: RunOutcome, label: dict[str, str], what: str) -> RunOutcome:
        self.metrics.manual_completed.labels(status="error", **label).inc()
        outcome.status, outcome.exit_code = "failed", ExitCode.FAILED
        outcome.errors.append(what)
        return outcome


def _entries(target: str, alert: AlertConfig | None = None) -> list[ChainEntry]:
    """Precheck and ccam before the target, unless the target is one of them (precheck
    alone runs alone); each with the filter ``alert`` gives it, if any."""
    before = [
        name
        for name in ("precheck", "ccam")
        if name != target and not (target == "precheck" and name == "ccam")
    ]
    configured = {e.name: e for e in reversed(alert.investigations)} if alert else {}
    return [
        ChainEntry(name=name, when=configured[name].when if name in configured else None)
        for name in [*before, target]
    ]


def _filters(run: Run, cluster: Cluster, target: str) -> FilterContext:
    return filter_context(
        run.deps.ocm,
        cluster,
        alert_name=target,
        alert_title="",
        service_name="",
        subscription=run.subscription,
    )
