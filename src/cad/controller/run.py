"""One run of the controller: the incident, the cluster, its infrastructure status and the
outcome being written, with what every mode does with them (execute the controller's own
actions, note and escalate, fail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from cad.actions import Action, escalate, note
from cad.clients.ocm.models import Cluster, Subscription
from cad.controller.dependencies import Dependencies, cluster_ref, infra_status
from cad.controller.outcome import ExitCode, RunOutcome
from cad.domain import ClusterRef, IncidentRef, InfraStatus
from cad.errors import CADError, caused_by_transient
from cad.executor import ExecutionContext, WriteClients

__all__ = ["FAILURE_NOTE", "Run", "invalid"]

FAILURE_NOTE = (
    "🚨 CAD investigation failed, CAD team has been notified. Please investigate manually. 🚨"
)
log = structlog.get_logger("cad.controller")


@dataclass
class Run:
    """What one run knows so far, and the outcome it writes. ``cluster`` is ``None`` until
    the cluster is found; ``infra`` is "no" until it is asked."""

    deps: Dependencies
    outcome: RunOutcome
    incident: IncidentRef | None = None
    cluster: ClusterRef | None = None
    infra: InfraStatus = InfraStatus.NO
    subscription_id: str = ""
    _subscription: Subscription | None = field(default=None, repr=False)
    _subscription_error: CADError | None = field(default=None, repr=False)

    def describe_cluster(self, cluster: Cluster) -> Exception | None:
        """Learn the cluster's reference, infrastructure status and organization (also
        written into the outcome); return the error that left the status unknown, if one
        did."""
        self.cluster = cluster_ref(cluster)
        self.subscription_id = cluster.subscription_id
        self.infra, error = infra_status(
            self.deps.ocm,
            cluster,
            wait_s=min(0.2, self.deps.runtime.investigation_retry.initial_wait_s),
        )
        self.outcome.cluster = {
            "id": self.cluster.id,
            "external_id": self.cluster.external_id,
            "name": self.cluster.name,
            "infra": self.infra.value,
            "organization_id": self._organization_id(),
        }
        return error

    def subscription(self) -> Subscription:
        """The cluster's OCM subscription, read once per run: a failed read fails every use
        in the run alike (:class:`CADError`; :class:`ValueError` when the cluster has none)."""
        if self._subscription_error is not None:
            raise self._subscription_error
        if self._subscription is None:
            if not self.subscription_id:
                raise ValueError("the cluster has no subscription")
            try:
                self._subscription = self.deps.ocm.get_subscription(self.subscription_id)
            except CADError as error:
                self._subscription_error = error
                raise
            self.deps.organizations.put(
                self.subscription_id, str(self._subscription.organization_id or "")
            )
        return self._subscription

    def _organization_id(self) -> str:
        """The cluster's organization for the history ("" when unknown): read fresh when
        organization routing will need it anyway, else what the process remembers."""
        if not self.subscription_id:
            return ""
        if not self.deps.runtime.org_policies:
            known = self.deps.organizations.get(self.subscription_id)
            if known is not None:
                return known
        try:
            return str(self.subscription().organization_id or "")
        except CADError as error:  # the history goes without; the run does not stop for it
            log.warning("CAD could not read the cluster's organization", error=str(error))
            return ""

    def execute(self, actions: list[Action]) -> None:
        """Execute the controller's own actions for this run (recorded as extra actions)."""
        deps = self.deps
        ctx = ExecutionContext(
            investigation="controller",
            alert=self.outcome.alert or "",
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
        options = deps.runtime.execution_options(
            dry_run=self.outcome.dry_run,
            reconcile=self.outcome.reconcile,
            repeat_effects=self.outcome.repeat_effects,
        )
        records: list[Any] = list(deps.executor.execute(actions, ctx, options).records)
        self.outcome.extra_actions += records

    def note_and_escalate(self, text: str, reason: str) -> None:
        """Hand the incident to a human with a note saying why."""
        self.execute([note(text), escalate(reason)])

    def fail(self, what: str, *, cause: BaseException | None = None) -> RunOutcome:
        """Note what failed and escalate (never leave the incident with nobody), unless the
        run may defer a transient failure to a later attempt (the job queue retries it)."""
        outcome = self.outcome
        outcome.status, outcome.exit_code = "failed", ExitCode.FAILED
        outcome.errors.append(what)
        if outcome.defer_transient and cause is not None and caused_by_transient(cause):
            log.warning("CAD run failed on a transient error, to be tried again", error=what)
            outcome.deferred = True
            return outcome
        log.error("CAD run failed", error=what)
        text = f"{FAILURE_NOTE}\n{what}"
        if outcome.run_id is not None:
            text += f"\nCAD run {outcome.run_id}; see `cadctl history`."
        try:
            self.note_and_escalate(text, "CAD investigation failed")
        except Exception as error:  # the note and escalation are the last resort
            log.error("could not escalate the failed run", error=str(error))
            outcome.errors.append(f"CAD could not escalate the incident: {error}")
        return outcome


def invalid(outcome: RunOutcome, what: str) -> RunOutcome:
    """The outcome of a run refused on its input (nothing was done)."""
    outcome.status, outcome.exit_code = "invalid", ExitCode.INVALID_INPUT
    outcome.errors.append(what)
    return outcome
