"""The controller: a PagerDuty payload or a manual request, end to end.

PagerDuty mode: payload → incident → cluster id → cluster → alert config → chain → title.
Every failure after the incident is known ends with a note saying what failed and an
escalation. Manual mode: precheck, ccam, then the target, with PagerDuty actions dropped.
"""

from __future__ import annotations

from typing import Any

import structlog

from cad.actions import Action, escalate, note, title_prefix
from cad.clients.ocm.models import Cluster
from cad.clients.pagerduty.payload import (
    IncidentEvent,
    InvalidPayloadError,
    NoClusterIdError,
    decode_payload,
    parse_payload,
)
from cad.config.investigation_config import UNHANDLED_NOTE, ChainEntry, InvestigationConfig
from cad.controller.chain import ChainFailedError, ChainRun, run_chain
from cad.controller.dependencies import Dependencies, cluster_ref, filter_context, infra_status
from cad.controller.metrics import ControllerMetrics
from cad.controller.outcome import ExitCode, RunOutcome
from cad.domain import ClusterRef, IncidentRef, InfraStatus
from cad.errors import CADError, NotFoundError, caused_by_transient
from cad.executor import ExecutionContext, ExecutionOptions, RetryPolicy, WriteClients
from cad.investigations.framework.resources import IncidentInfo

__all__ = ["FAILURE_NOTE", "Controller"]

FAILURE_NOTE = (
    "🚨 CAD investigation failed, CAD team has been notified. Please investigate manually. 🚨"
)
log = structlog.get_logger("cad.controller")


class Controller:
    """Runs one incident or one manual request. Create one per process; runs are independent."""

    def __init__(
        self,
        deps: Dependencies,
        config: InvestigationConfig,
        metrics: ControllerMetrics,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.deps = deps
        self.config = config
        self.metrics = metrics
        self.retry = retry or RetryPolicy()

    # --- PagerDuty mode -------------------------------------------------------------------

    def investigate(
        self,
        payload: bytes | str | dict[str, Any],
        *,
        dry_run: bool = False,
        reconcile: bool = False,
        defer_transient: bool = False,
    ) -> RunOutcome:
        """Investigate the incident a webhook payload (raw JSON, base64 or parsed) is about.

        ``reconcile``: an earlier attempt for this delivery was interrupted, so effects that
        the ledger cannot vouch for (a note posted just before a crash) are looked for first.
        ``defer_transient``: a failure caused by a transient error (5xx, 429, network) is not
        noted and escalated but returned ``deferred``, for a later attempt to try again.
        """
        outcome = RunOutcome(
            mode="pagerduty",
            dry_run=dry_run,
            reconcile=reconcile,
            defer_transient=defer_transient,
            status="succeeded",
            exit_code=ExitCode.OK,
        )
        try:
            event = parse_payload(payload if isinstance(payload, dict) else decode_payload(payload))
        except InvalidPayloadError as error:
            return self._invalid(outcome, str(error))
        if self.deps.pagerduty is None:
            return self._invalid(outcome, "PagerDuty mode needs a PagerDuty client (CAD_PD_TOKEN)")
        with structlog.contextvars.bound_contextvars(incident=event.incident_id):
            return self._investigate(event, outcome)

    def _investigate(self, event: IncidentEvent, outcome: RunOutcome) -> RunOutcome:
        incident = IncidentRef(id=event.incident_id, title=event.title)
        outcome.incident = {"id": event.incident_id, "title": event.title}
        try:
            event = self._complete(event)
            incident = IncidentRef(id=event.incident_id, title=event.title)
            outcome.incident = {
                "id": event.incident_id,
                "title": event.title,
                "service": event.service_summary,
            }
            assert self.deps.pagerduty is not None
            cluster_id = self.deps.pagerduty.cluster_id(event.incident_id)
        except NoClusterIdError as error:
            return self._fail(
                outcome,
                incident,
                None,
                InfraStatus.NO,
                f"CAD could not find a cluster id in the incident's alerts: {error}",
            )
        except CADError as error:
            return self._fail(
                outcome,
                incident,
                None,
                InfraStatus.NO,
                f"CAD could not read the incident: {error}",
                cause=error,
            )
        try:
            cluster = self.deps.ocm.find_cluster(cluster_id)
        except NotFoundError as error:
            return self._fail(
                outcome,
                incident,
                None,
                InfraStatus.NO,
                f"CAD: Cluster not found. The alerts name cluster {cluster_id!r}: {error}",
            )
        except CADError as error:
            return self._fail(
                outcome,
                incident,
                None,
                InfraStatus.NO,
                f"CAD could not look up cluster {cluster_id!r} in OCM: {error}",
                cause=error,
            )
        ref, infra, infra_error = self._describe_cluster(outcome, cluster)
        if infra_error is not None and outcome.defer_transient and caused_by_transient(infra_error):
            return self._fail(
                outcome,
                incident,
                ref,
                infra,
                f"CAD could not tell whether {ref.id} is an infrastructure cluster: {infra_error}",
                cause=infra_error,
            )
        with structlog.contextvars.bound_contextvars(cluster=cluster.id):
            return self._route(event, incident, cluster, ref, infra, outcome)

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

    def _route(
        self,
        event: IncidentEvent,
        incident: IncidentRef,
        cluster: Cluster,
        ref: ClusterRef,
        infra: InfraStatus,
        outcome: RunOutcome,
    ) -> RunOutcome:
        alert = self.config.match(event.title, experimental=self.deps.experimental)
        if alert is None:
            outcome.status = "unhandled"
            reason = "No automation implemented for this alert"
            self._note_and_escalate(outcome, UNHANDLED_NOTE, reason, ref, incident, infra)
            return outcome
        outcome.alert = alert.display_name
        filters = filter_context(
            self.deps.ocm,
            cluster,
            alert_name=alert.alert_title,
            alert_title=event.title,
            service_name=event.service_summary,
        )
        if alert.when is not None:
            try:
                passes, reason = alert.when.evaluate(filters)
            except Exception as error:
                return self._fail(
                    outcome,
                    incident,
                    ref,
                    infra,
                    f"CAD could not evaluate the filter of alert {alert.display_name!r}: {error}",
                )
            if not passes:
                self.metrics.filtered.labels(alert_type=alert.display_name).inc()
                outcome.status = "filtered"
                text = f"🤖 CAD's config filters this alert out ({reason}); escalated to SRE. 🤖"
                self._note_and_escalate(
                    outcome, text, "Alert filtered by CAD config", ref, incident, infra
                )
                return outcome
        self.metrics.alerts.labels(alert_type=alert.display_name).inc()
        info = IncidentInfo(incident.id, incident.title, event.service_summary)
        run = ChainRun(
            self.deps,
            self.metrics,
            ref,
            infra,
            incident,
            info,
            dry_run=outcome.dry_run,
            reconcile=outcome.reconcile,
            manual=False,
            filters=filters,
        )
        try:
            run_chain(run, list(alert.investigations))
        except ChainFailedError as error:
            outcome.chain = run.steps
            return self._fail(outcome, incident, ref, infra, str(error), cause=error)
        outcome.chain = run.steps
        if run.acted and not outcome.dry_run:
            outcome.extra_actions += self._execute(
                [title_prefix()], "controller", ref, incident, infra, outcome
            )
        return outcome

    # --- manual mode ----------------------------------------------------------------------

    def run_manual(
        self,
        cluster_identifier: str,
        investigation: str,
        *,
        dry_run: bool = False,
        params: dict[str, str] | None = None,
    ) -> RunOutcome:
        """Run precheck, ccam (as the original's manual flow) and the target on one cluster."""
        outcome = RunOutcome(
            mode="manual", dry_run=dry_run, status="succeeded", exit_code=ExitCode.OK
        )
        try:
            target = self.deps.registry.resolve(investigation).name
        except CADError as error:
            return self._invalid(outcome, str(error))
        label = {"alert_type": target, "dry_run": str(dry_run).lower()}
        self.metrics.manual_started.labels(**label).inc()
        try:
            cluster = self.deps.ocm.find_cluster(cluster_identifier)
        except CADError as error:
            self.metrics.manual_completed.labels(status="error", **label).inc()
            outcome.status, outcome.exit_code = "failed", ExitCode.FAILED
            outcome.errors.append(f"cluster {cluster_identifier!r}: {error}")
            return outcome
        ref, infra, _ = self._describe_cluster(outcome, cluster)
        chain = [
            name
            for name in ("precheck", "ccam")
            if name != target and not (target == "precheck" and name == "ccam")
        ]
        entries = [ChainEntry(name=name) for name in [*chain, target]]
        run = ChainRun(
            self.deps,
            self.metrics,
            ref,
            infra,
            None,
            IncidentInfo(),
            dry_run=dry_run,
            manual=True,
            params=params or {},
        )
        with structlog.contextvars.bound_contextvars(cluster=cluster.id):
            try:
                run_chain(run, entries)
            except ChainFailedError as error:
                outcome.chain = run.steps
                self.metrics.manual_completed.labels(status="error", **label).inc()
                outcome.status, outcome.exit_code = "failed", ExitCode.FAILED
                outcome.errors.append(str(error))
                return outcome
        outcome.chain = run.steps
        status = (
            "stopped"
            if any(s.outcome == "stopped" for s in run.steps)
            else ("success" if run.acted else "no_findings")
        )
        self.metrics.manual_completed.labels(status=status, **label).inc()
        return outcome

    # --- shared ---------------------------------------------------------------------------

    def _execute(
        self,
        actions: list[Action],
        investigation: str,
        cluster: ClusterRef | None,
        incident: IncidentRef,
        infra: InfraStatus,
        outcome: RunOutcome,
    ) -> list[Any]:
        deps = self.deps
        ctx = ExecutionContext(
            investigation=investigation,
            cluster=cluster,
            incident=incident,
            clients=WriteClients(
                ocm=deps.ocm_writer,
                pagerduty=deps.pagerduty_writer,
                backplane=deps.backplane_writer,
            ),
            infra=infra,
        )
        options = ExecutionOptions(
            dry_run=outcome.dry_run, reconcile=outcome.reconcile, retry=self.retry
        )
        return list(deps.executor.execute(actions, ctx, options).records)

    def _describe_cluster(
        self, outcome: RunOutcome, cluster: Cluster
    ) -> tuple[ClusterRef, InfraStatus, Exception | None]:
        """The cluster's reference and infrastructure status (with the error that made it
        unknown), also written into ``outcome``."""
        ref = cluster_ref(cluster)
        infra, error = infra_status(
            self.deps.ocm, cluster, wait_s=min(0.2, self.deps.run_policy.initial_wait_s)
        )
        outcome.cluster = {
            "id": ref.id,
            "external_id": ref.external_id,
            "name": ref.name,
            "infra": infra.value,
        }
        return ref, infra, error

    def _note_and_escalate(
        self,
        outcome: RunOutcome,
        text: str,
        reason: str,
        cluster: ClusterRef | None,
        incident: IncidentRef,
        infra: InfraStatus,
    ) -> None:
        """Hand the incident to a human with a note saying why (the controller's own actions)."""
        actions: list[Action] = [note(text), escalate(reason)]
        outcome.extra_actions += self._execute(
            actions, "controller", cluster, incident, infra, outcome
        )

    def _fail(
        self,
        outcome: RunOutcome,
        incident: IncidentRef,
        cluster: ClusterRef | None,
        infra: InfraStatus,
        what: str,
        *,
        cause: BaseException | None = None,
    ) -> RunOutcome:
        """Note what failed and escalate (never leave the incident with nobody), unless the
        run may defer a transient failure to a later attempt (the job queue retries it)."""
        outcome.status, outcome.exit_code = "failed", ExitCode.FAILED
        outcome.errors.append(what)
        if outcome.defer_transient and cause is not None and caused_by_transient(cause):
            log.warning("CAD run failed on a transient error, to be tried again", error=what)
            outcome.deferred = True
            return outcome
        log.error("CAD run failed", error=what)
        try:
            text = f"{FAILURE_NOTE}\n{what}"
            self._note_and_escalate(
                outcome, text, "CAD investigation failed", cluster, incident, infra
            )
        except Exception as error:  # the note and escalation are the last resort
            log.error("could not escalate the failed run", error=str(error))
            outcome.errors.append(f"CAD could not escalate the incident: {error}")
        return outcome

    def escalate_early_failure(
        self, payload: bytes | str, what: str, *, dry_run: bool = False
    ) -> RunOutcome:
        """Before a chain could start (a bad config): note what failed and escalate the
        incident the payload names, if it names one."""
        outcome = RunOutcome(
            mode="pagerduty", dry_run=dry_run, status="failed", exit_code=ExitCode.FAILED
        )
        try:
            event = parse_payload(decode_payload(payload))
        except InvalidPayloadError as error:
            outcome.errors.append(what)
            return self._invalid(outcome, str(error))
        incident = IncidentRef(id=event.incident_id, title=event.title)
        outcome.incident = {"id": event.incident_id, "title": event.title}
        return self._fail(outcome, incident, None, InfraStatus.NO, what)

    @staticmethod
    def _invalid(outcome: RunOutcome, what: str) -> RunOutcome:
        outcome.status, outcome.exit_code = "invalid", ExitCode.INVALID_INPUT
        outcome.errors.append(what)
        return outcome
