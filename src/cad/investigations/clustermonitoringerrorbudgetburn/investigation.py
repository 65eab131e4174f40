"""clustermonitoringerrorbudgetburn: is the monitoring operator unavailable because the
customer broke user workload monitoring?"""

from __future__ import annotations

from cad.actions import escalate, note_and_report_from, service_log, silence
from cad.clients.kube import KINDS
from cad.documentation import documentation_link
from cad.errors import ClientError
from cad.investigations.clustermonitoringerrorbudgetburn.checks import (
    SL_SUMMARY,
    available_message,
    uwm_problem,
)
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.findings import cluster_unreachable
from cad.investigations.framework.resources import Resources


class ClusterMonitoringErrorBudgetBurn(Investigation):
    """Sends a service log and silences when the customer misconfigured UWM."""

    name = "clustermonitoringerrorbudgetburn"
    aliases = ("cmbb",)
    description = "Monitoring error budget burn: user workload monitoring misconfiguration"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return cluster_unreachable(notes, error)
        try:
            operators = kube.list(KINDS["ClusterOperator"], fields={"metadata.name": "monitoring"})
        except ClientError as exc:
            raise InfrastructureError("K8s API failure listing clusteroperators", exc) from exc
        if len(operators) != 1:
            notes.warning(f"Found {len(operators)} monitoring clusteroperators, expected 1")
            return Result(
                actions=[
                    *note_and_report_from(notes, cluster.id, self.name),
                    escalate(
                        "Unexpected monitoring clusteroperator count - "
                        "manual investigation required"
                    ),
                ]
            )
        problem = uwm_problem(available_message(operators[0]))
        if problem is None:
            notes.success("Monitoring CO not degraded due to UWM misconfiguration")
            return Result(
                actions=[
                    *note_and_report_from(notes, cluster.id, self.name),
                    escalate(
                        "Monitoring CO not degraded due to UWM misconfiguration - "
                        "manual investigation required"
                    ),
                ]
            )
        notes.warning(problem.warning)
        link = documentation_link(cluster.product, "monitoring-stack")
        return Result(
            actions=[
                *note_and_report_from(notes, cluster.id, self.name),
                service_log("Major", SL_SUMMARY, problem.service_log_description(link)),
                silence(problem.reason),
            ]
        )
