"""chgm: why did the cluster stop checking in? Stopped instances, or blocked egress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog

from cad.actions import (
    Action,
    NoteWriter,
    escalate,
    limited_support,
    note_and_report_from,
    service_log,
    silence,
)
from cad.clients import ocm_search
from cad.clients.models import CloudTrailEvent, Instance
from cad.clients.ocm.models import Cluster
from cad.documentation import documentation_link
from cad.errors import ClientError
from cad.investigations.chgm import checks
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import FindingError, InfrastructureError
from cad.investigations.framework.readers import AwsRead
from cad.investigations.framework.resources import Resources

log = structlog.get_logger("cad.investigations.chgm")

REPORT_SUMMARY = "Cluster Has Gone Missing (CHGM)"


@dataclass(frozen=True)
class StoppedInstances:
    """Who stopped the cluster's instances."""

    authorized: bool
    instances: list[Instance]
    culprit: tuple[Instance, CloudTrailEvent, str] | None = None
    explanation: str = ""


class Chgm(Investigation):
    """Customer-stopped instances get limited support; blocked egress is reported."""

    name = "chgm"
    aliases = ()
    description = "Cluster has gone missing: stopped instances or blocked egress"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes("CHGM")
        cluster = resources.cluster
        infra_id = resources.cluster_deployment.infra_id
        aws = resources.aws
        try:
            stopped = self._stopped_instances(resources, cluster, infra_id, aws, notes)
        except FindingError as finding:
            notes.warning(f"Could not complete instance investigation: {finding}")
            return self._escalate(
                notes, cluster, "Investigation incomplete - manual review required"
            )
        if not stopped.authorized and stopped.culprit is not None:
            instance, event, issuer = stopped.culprit
            notes.warning("Customer stopped instances.")
            notes.warning(
                f"Instance {instance.id} ({instance.name or 'unnamed'}, {instance.state}) "
                "was stopped "
                f"by user '{event.username}'"
                + (f" with role '{issuer}'" if issuer else "")
                + f" at {event.event_time.isoformat(timespec='seconds')}."
            )
            return Result(
                actions=[
                    *self._report(notes, cluster),
                    limited_support(
                        checks.LS_SUMMARY, checks.STOPPED_LS_DETAILS, "StoppedInstances"
                    ),
                    silence("Customer stopped instances - cluster in limited support"),
                ]
            )
        notes.success("Customer did not stop nodes.")
        if stopped.explanation:
            notes.warning(stopped.explanation)
        self._hibernation(resources, cluster, notes)
        return self._egress(resources, cluster, notes)

    # --- steps ---------------------------------------------------------------------------

    def _stopped_instances(
        self, resources: Resources, cluster: Cluster, infra_id: str, aws: AwsRead, notes: NoteWriter
    ) -> StoppedInstances:
        try:
            non_running = aws.list_non_running_instances(infra_id)
            running = aws.list_running_instances(infra_id)
        except ClientError as exc:
            raise InfrastructureError(
                "AWS API failure listing the cluster's instances", exc
            ) from exc
        try:
            pools = resources.ocm.list_machine_pools(cluster.id)
            expected = checks.expected_counts(
                cluster.nodes_master,
                cluster.nodes_infra,
                [(p.replicas, p.min_replicas, p.max_replicas) for p in pools],
            )
        except (ClientError, ValueError) as exc:
            raise InfrastructureError("OCM data on expected nodes is missing", exc) from exc
        counts = checks.count_running(i.name for i in running)
        notes.success(
            f"Running instances: {counts.master} master, {counts.infra} infra, "
            f"{counts.worker} worker "
            f"(expected {expected.master} master, {expected.infra} infra, "
            f"{expected.min_worker}-{expected.max_worker} worker)."
        )
        if not non_running:
            return StoppedInstances(
                True,
                [],
                explanation="No non-running instances found; "
                "terminated instances may have already expired.",
            )
        now = resources.now()
        window_start = now - resources.cloudtrail_lookback
        try:
            events = aws.lookup_stop_events(window_start, now)
        except ClientError as exc:
            raise InfrastructureError("AWS CloudTrail failure looking up stop events", exc) from exc
        match = checks.match_events(non_running, events, window_start)
        self._unexplained(match, resources.cloudtrail_lookback)
        for instance, event in match.pairs:
            try:
                issuer = checks.issuer_of(event.cloudtrail_event)
            except checks.CloudTrailRecordError as exc:
                raise FindingError(f"invalid CloudTrail event for {instance.id}", str(exc)) from exc
            if not checks.is_user_allowed_to_stop(event.username, issuer, cluster.ccs):
                return StoppedInstances(False, non_running, (instance, event, issuer))
        return StoppedInstances(True, non_running)

    @staticmethod
    def _unexplained(match: checks.EventMatch, lookback: timedelta) -> None:
        problems = []
        if match.before_window:
            ids = ", ".join(i.id for i in match.before_window)
            hours = lookback.total_seconds() / 3600
            problems.append(f"stopped before the {hours:g}h CloudTrail lookback window: {ids}")
        if match.unexplained:
            ids = ", ".join(i.id for i in match.unexplained)
            problems.append(f"no matching StopInstances or TerminateInstances event: {ids}")
        if problems:
            raise FindingError("non-running instances CAD cannot attribute", "; ".join(problems))

    def _hibernation(self, resources: Resources, cluster: Cluster, notes: NoteWriter) -> None:
        try:
            entries = resources.ocm.list_service_logs(
                cluster.external_id, search=ocm_search.equals("log_type", "cluster-state-updates")
            )
        except ClientError as exc:
            log.warning("hibernation history lookup failed", cluster=cluster.id, error=str(exc))
            notes.warning(f"Could not read the hibernation history: {exc}")
            return
        periods = checks.hibernation_periods(
            (e.summary, e.timestamp) for e in entries if e.timestamp is not None
        )
        if checks.recently_resumed(periods, resources.now()):
            hours = checks.RECENT_WAKEUP.total_seconds() / 3600
            notes.warning(checks.HIBERNATION_WARNING.format(hours=hours))

    def _egress(self, resources: Resources, cluster: Cluster, notes: NoteWriter) -> Result:
        verdict = resources.verify_egress()
        if verdict.outcome == "failure" and "nosnch.in" in verdict.failure_reason:
            notes.warning("Egress `nosnch.in` blocked.")
            return Result(
                actions=[
                    *self._report(notes, cluster),
                    limited_support(checks.LS_SUMMARY, checks.EGRESS_LS_DETAILS, "EgressBlocked"),
                    silence("Deadman's snitch blocked - cluster in limited support"),
                ]
            )
        if verdict.outcome == "failure":
            notes.warning(
                "NetworkVerifier found unreachable targets, but deadmanssnitch is not blocked! "
                f"\n⚠️ Please investigate this cluster.\nUnreachable: \n{verdict.failure_reason}"
            )
            link = documentation_link(cluster.product, "privatelink-firewall")
            description = checks.egress_service_log_description(verdict.failure_reason, link)
            return Result(
                actions=[
                    *self._report(notes, cluster),
                    service_log("Critical", checks.EGRESS_SL_SUMMARY, description),
                    escalate(
                        "Egress blocked but not deadman's snitch - manual investigation required"
                    ),
                ]
            )
        if verdict.outcome == "success":
            notes.success("Network verifier passed")
        elif verdict.outcome == "error":
            notes.warning(f"NetworkVerifier failed to run:\n {verdict.message}")
        else:
            notes.warning(f"Egress was not verified: {verdict.message}")
        return self._escalate(
            notes, cluster, "No automated remediation available - manual investigation required"
        )

    # --- endings -------------------------------------------------------------------------

    @staticmethod
    def _report(notes: NoteWriter, cluster: Cluster) -> list[Action]:
        return note_and_report_from(notes, cluster.id, REPORT_SUMMARY)

    def _escalate(self, notes: NoteWriter, cluster: Cluster, reason: str) -> Result:
        return Result(actions=[*self._report(notes, cluster), escalate(reason)])
