"""consoleerrorbudgetburn: why does the console's error budget burn? Every layer of the path
to the console, in the original's order; two findings (allowedSourceRanges, Route53) are the
customer's to fix and silence the alert, everything else is handed to SRE."""

from __future__ import annotations

from collections.abc import Sequence

from cad.actions import Action, NoteWriter, escalate, note_and_report_from, service_log, silence
from cad.investigations.consoleerrorbudgetburn import workloads
from cad.investigations.consoleerrorbudgetburn.aws_checks import AwsChecks
from cad.investigations.consoleerrorbudgetburn.checks import (
    ALLOWED_SOURCE_RANGES_SILENCE,
    ESCALATION_REASON,
    ROUTE53_SILENCE,
    ClusterFacts,
    ServiceLogText,
    allowed_source_ranges_service_log,
    egress_line,
    network_misconfiguration_service_log,
)
from cad.investigations.consoleerrorbudgetburn.cluster_checks import (
    SERVICE,
    ClusterChecks,
    Exec,
    PodCommandError,
    write,
)
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    AwsClientError,
    ClusterDeploymentNotFoundError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.findings import cluster_unreachable
from cad.investigations.framework.readers import KubeRead
from cad.investigations.framework.resources import Resources

__all__ = ["ConsoleErrorBudgetBurn"]

EXEC_TIMEOUT_S = 30.0
EXEC_LIMIT_BYTES = 1024 * 1024


class ConsoleErrorBudgetBurn(Investigation):
    """Checks the console's network path; silences with a service log when the customer
    broke allowedSourceRanges or the ``*.apps`` DNS records, escalates otherwise."""

    name = "consoleerrorbudgetburn"
    description = "Investigation to analyze a console-ErrorBudgetBurn alert"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        facts = ClusterFacts.from_cluster(resources.cluster)
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return cluster_unreachable(notes, error)
        cluster = ClusterChecks(kube, _executor(kube), facts, notes, resources.now())
        cluster.blackbox_probe()
        if not facts.hcp and cluster.allowed_source_ranges():
            sl = allowed_source_ranges_service_log(facts.machine_cidr)
            notes.automation("Sent AllowedSourceRanges service log and silenced alert")
            return _silence(resources, notes, sl, ALLOWED_SOURCE_RANGES_SILENCE)
        cluster.upstream_dns()
        cluster.pod_health("openshift-ingress", "Router", workloads.ROUTER_LABELS)
        cluster.console_service()
        console_pods = cluster.pod_health("openshift-console", "Console", workloads.CONSOLE_LABELS)
        cluster.node_health(console_pods)
        if facts.cloud_provider == "aws":
            found = self._aws_phase(resources, cluster, facts, notes)
            if found is not None:
                return found
        return Result(
            actions=[
                *note_and_report_from(notes, facts.id, self.name, now=resources.now()),
                escalate(ESCALATION_REASON),
            ]
        )

    def _aws_phase(
        self, resources: Resources, cluster: ClusterChecks, facts: ClusterFacts, notes: NoteWriter
    ) -> Result | None:
        """Checks 8 to 11; the Result when Route53 finds the root cause."""
        try:
            aws = resources.aws
        except AwsClientError as exc:
            notes.warning(f"AWS: unable to initialize AWS client — {exc.cause}")
            return None
        checks = AwsChecks(aws, facts, notes)
        if checks.route53():
            sl = network_misconfiguration_service_log(
                f"The *.apps.{facts.cluster_domain} DNS record is missing from Route53 hosted zones"
            )
            notes.automation("Sent NetworkMisconfiguration service log and silenced alert")
            return _silence(resources, notes, sl, ROUTE53_SILENCE)
        if facts.hcp:
            return None
        checks.dhcp_options()
        kube = cluster.kube
        checks.load_balancer(
            cluster.ingress_controller(),
            lambda: kube.get(SERVICE, "router-default", namespace="openshift-ingress"),
        )
        # PrivateLink clusters reach AWS through endpoints, not the internet: the verifier's
        # internet-bound probe does not apply to them.
        if not facts.private_link:
            _vpc_egress(resources, notes)
        return None


def _vpc_egress(resources: Resources, notes: NoteWriter) -> None:
    """Check 11: the network verifier's verdict."""
    try:
        verdict = resources.verify_egress()
    except ClusterDeploymentNotFoundError as exc:
        notes.warning(f"VPC Egress: unable to fetch ClusterDeployment — {exc.cause}")
        return
    write(
        notes,
        egress_line(
            verdict.outcome, failure_reason=verdict.failure_reason, message=verdict.message
        ),
    )


def _silence(resources: Resources, notes: NoteWriter, sl: ServiceLogText, reason: str) -> Result:
    actions: list[Action] = [
        *note_and_report_from(
            notes, resources.cluster.id, ConsoleErrorBudgetBurn.name, now=resources.now()
        ),
        service_log(
            sl.severity,
            sl.summary,
            sl.description,
            service_name=sl.service_name,
            internal_only=sl.internal_only,
        ),
        silence(reason),
    ]
    return Result(actions=actions)


def _executor(kube: KubeRead) -> Exec:
    """Runs a command through the cluster API's exec subresource; a non-zero exit is a
    failure, as the original's ``ExecInPod`` made it."""

    def run(namespace: str, pod: str, container: str, command: Sequence[str]) -> str:
        result = kube.exec(
            namespace,
            pod,
            command,
            container=container,
            timeout_s=EXEC_TIMEOUT_S,
            limit_bytes=EXEC_LIMIT_BYTES,
        )
        if not result.ok:
            detail = result.stderr.strip()[:200]
            raise PodCommandError(
                f"command terminated with exit code {result.exit_code}"
                + (f": {detail}" if detail else "")
            )
        return result.stdout

    return run
