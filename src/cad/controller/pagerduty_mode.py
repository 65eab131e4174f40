"""PagerDuty mode: payload → incident → cluster id → cluster → organization routing → alert
config → chain → title.

Every failure after the incident is known ends with a note saying what failed and an
escalation (or, when the run may defer, a deferred outcome for a later attempt).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from cad.actions import title_prefix
from cad.clients.ocm.models import Cluster
from cad.clients.pagerduty.payload import (
    IncidentEvent,
    InvalidPayloadError,
    NoClusterIdError,
    decode_payload,
    parse_payload,
)
from cad.config.filters import FilterContext, FilterNode, sampling_rng
from cad.config.investigation_config import (
    AI_INVESTIGATION,
    UNHANDLED_NOTE,
    AlertConfig,
    ChainEntry,
    InvestigationConfig,
)
from cad.controller.chain import ChainFailedError, ChainRun, run_chain
from cad.controller.dependencies import Dependencies, filter_context
from cad.controller.metrics import ControllerMetrics
from cad.controller.org_routing import route_to_organization
from cad.controller.outcome import ExitCode, RunOutcome
from cad.controller.run import Run, invalid
from cad.domain import IncidentRef
from cad.errors import CADError, NotFoundError, caused_by_transient
from cad.investigations.framework.resources import IncidentInfo

__all__ = ["AI_FALLBACK", "PagerDutyMode"]

AI_FALLBACK = AlertConfig(
    alert_title="aiassisted-fallback",
    investigations=[
        ChainEntry(name="precheck"),
        ChainEntry(
            name=AI_INVESTIGATION,
            when=FilterNode(field="HCP", operator="in", values=["false"]),
        ),
    ],
)
"""The chain of an alert no other chain handles, when the config has an ``ai_agent``
section: as the original's, precheck, then the agent for classic clusters."""


@dataclass(frozen=True)
class PagerDutyMode:
    """Runs the incidents PagerDuty payloads are about."""

    deps: Dependencies
    config: InvestigationConfig
    metrics: ControllerMetrics

    def investigate(
        self,
        payload: bytes | str | dict[str, Any],
        *,
        dry_run: bool = False,
        reconcile: bool = False,
        defer_transient: bool = False,
        run_id: int | None = None,
        repeat_effects: bool = False,
    ) -> RunOutcome:
        """See :meth:`cad.controller.controller.Controller.investigate`."""
        outcome = RunOutcome(
            mode="pagerduty",
            dry_run=dry_run,
            reconcile=reconcile,
            repeat_effects=repeat_effects,
            defer_transient=defer_transient,
            run_id=run_id,
            status="succeeded",
            exit_code=ExitCode.OK,
        )
        try:
            event = parse_payload(payload if isinstance(payload, dict) else decode_payload(payload))
        except InvalidPayloadError as error:
            return invalid(outcome, str(error))
        if self.deps.pagerduty is None:
            return invalid(outcome, "PagerDuty mode needs a PagerDuty client (CAD_PD_TOKEN)")
        run = Run(self.deps, outcome, IncidentRef(id=event.incident_id, title=event.title))
        outcome.incident = {"id": event.incident_id, "title": event.title}
        with structlog.contextvars.bound_contextvars(incident=event.incident_id):
            return self._investigate(event, run)

    def escalate_early_failure(
        self, payload: bytes | str, what: str, *, dry_run: bool = False
    ) -> RunOutcome:
        """See :meth:`cad.controller.controller.Controller.escalate_early_failure`."""
        outcome = RunOutcome(
            mode="pagerduty", dry_run=dry_run, status="failed", exit_code=ExitCode.FAILED
        )
        try:
            event = parse_payload(decode_payload(payload))
        except InvalidPayloadError as error:
            outcome.errors.append(what)
            return invalid(outcome, str(error))
        outcome.incident = {"id": event.incident_id, "title": event.title}
        run = Run(self.deps, outcome, IncidentRef(id=event.incident_id, title=event.title))
        return run.fail(what)

    def _investigate(self, event: IncidentEvent, run: Run) -> RunOutcome:
        pagerduty = self.deps.pagerduty
        assert pagerduty is not None
        try:
            event = self._complete(event)
            run.incident = IncidentRef(id=event.incident_id, title=event.title)
            run.outcome.incident = {
                "id": event.incident_id,
                "title": event.title,
                "service": event.service_summary,
            }
            cluster_id = pagerduty.cluster_id(event.incident_id)
        except NoClusterIdError as error:
            return run.fail(f"CAD could not find a cluster id in the incident's alerts: {error}")
        except CADError as error:
            return run.fail(f"CAD could not read the incident: {error}", cause=error)
        try:
            cluster = self.deps.ocm.find_cluster(cluster_id)
        except NotFoundError as error:
            return run.fail(
                f"CAD: Cluster not found. The alerts name cluster {cluster_id!r}: {error}"
            )
        except CADError as error:
            return run.fail(
                f"CAD could not look up cluster {cluster_id!r} in OCM: {error}", cause=error
            )
        infra_error = run.describe_cluster(cluster)
        if (
            infra_error is not None
            and run.outcome.defer_transient
            and caused_by_transient(infra_error)
        ):
            return run.fail(
                f"CAD could not tell whether {cluster.id} is an infrastructure cluster: "
                f"{infra_error}",
                cause=infra_error,
            )
        with structlog.contextvars.bound_contextvars(cluster=cluster.id):
            route_to_organization(run, cluster)
            return self._route(event, cluster, run)

    def _complete(self, event: IncidentEvent) -> IncidentEvent:
        if event.format == "webhook_v3":
            return event
        assert self.deps.pagerduty is not None
        details = self.deps.pagerduty.get_incident(event.incident_id)
        return event.model_copy(
            update={
                "title": details.title,
                "html_url": details.html_url,
                "service_id": details.service_id,
                "service_summary": details.service_summary,
            }
        )

    def _route(self, event: IncidentEvent, cluster: Cluster, run: Run) -> RunOutcome:
        outcome = run.outcome
        alert = self.config.match(event.title, experimental=self.deps.runtime.experimental)
        if alert is None:
            outcome.status = "unhandled"
            if self.config.ai_agent is not None:
                return self._run_alert(event, cluster, run, AI_FALLBACK, UNHANDLED_NOTE)
            run.note_and_escalate(UNHANDLED_NOTE, "No automation implemented for this alert")
            return outcome
        outcome.alert = alert.display_name
        filters = filter_context(
            self.deps.ocm,
            cluster,
            alert_name=alert.alert_title,
            alert_title=event.title,
            service_name=event.service_summary,
            subscription=run.subscription,
        )
        if alert.when is not None:
            try:
                passes, reason = alert.when.evaluate(filters, sampling_rng(event.incident_id, ""))
            except Exception as error:
                return run.fail(
                    f"CAD could not evaluate the filter of alert {alert.display_name!r}: {error}"
                )
            if not passes:
                self.metrics.filtered.labels(alert_type=alert.display_name, investigation="").inc()
                outcome.status = "filtered"
                text = f"🤖 CAD's config filters this alert out ({reason}); escalated to SRE. 🤖"
                if self.config.ai_agent is not None:
                    return self._run_alert(event, cluster, run, AI_FALLBACK, text)
                run.note_and_escalate(text, "Alert filtered by CAD config")
                return outcome
        return self._run_alert(event, cluster, run, alert, None, filters)

    def _run_alert(
        self,
        event: IncidentEvent,
        cluster: Cluster,
        run: Run,
        alert: AlertConfig,
        fallback_note: str | None,
        filters: FilterContext | None = None,
    ) -> RunOutcome:
        """Run the alert's chain. ``fallback_note``: this is the AI fallback of an alert no
        chain handles (or whose filter rejected it), and what to tell the incident when the
        agent's step does not run (an HCP cluster): the incident is escalated with it."""
        outcome = run.outcome
        outcome.alert = alert.display_name
        if filters is None:
            filters = filter_context(
                self.deps.ocm,
                cluster,
                alert_name=alert.alert_title,
                alert_title=event.title,
                service_name=event.service_summary,
                subscription=run.subscription,
            )
        self.metrics.alerts.labels(alert_type=alert.display_name).inc()
        assert run.cluster is not None
        assert run.incident is not None
        chain = ChainRun(
            self.deps,
            self.metrics,
            run.cluster,
            run.infra,
            run.incident,
            IncidentInfo(run.incident.id, run.incident.title, event.service_summary),
            dry_run=outcome.dry_run,
            reconcile=outcome.reconcile,
            repeat_effects=outcome.repeat_effects,
            alert=alert.display_name,
            defer_transient=outcome.defer_transient,
            manual=False,
            filters=filters,
            known_cluster=cluster,
        )
        try:
            run_chain(chain, list(alert.investigations))
        except ChainFailedError as error:
            outcome.chain = chain.steps
            return run.fail(str(error), cause=error)
        outcome.chain = chain.steps
        if fallback_note is not None and not _handed_over(chain):
            run.note_and_escalate(fallback_note, "No automation ran for this alert")
        if chain.acted and not outcome.dry_run:
            run.execute([title_prefix()])
        return outcome


def _handed_over(chain: ChainRun) -> bool:
    """Whether a step of the chain escalated or silenced the incident (or stopped it: the
    step's own actions decided), so the fallback need not escalate it again."""
    handovers = ("escalate_incident", "silence_incident")
    return any(step.outcome == "stopped" for step in chain.steps) or any(
        record.type in handovers for step in chain.steps for record in step.actions
    )
