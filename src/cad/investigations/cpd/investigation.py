"""cpd: why is the cluster's installation delayed? DNS not ready, a BYOVPC subnet without a
route to the internet (the customer is told), or blocked egress; otherwise handed to SRE."""

from __future__ import annotations

from cad.actions import NoteWriter, escalate, note_and_report_from, service_log, silence
from cad.clients.ocm.models import Cluster
from cad.documentation import documentation_link
from cad.errors import ClientError
from cad.investigations.cpd import checks
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.egress_notes import verify_egress_into
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.framework.resources import Resources


class ClusterProvisioningDelay(Investigation):
    """Tells the customer about a BYOVPC subnet without a default route (and silences);
    escalates everything else with what it found."""

    name = "cpd"
    aliases = ()
    description = "Cluster provisioning delay: DNS, BYOVPC subnet routes, blocked egress"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes("CPD")
        cluster = resources.cluster
        if cluster.state == "ready":
            # The alert should not fire (or should resolve) once the cluster is ready.
            notes.warning(checks.READY_WARNING)
            return self._escalate(
                resources, notes, "Cluster ready but alert fired - CAD team investigation required"
            )
        notes.success("Cluster installation did not yet finish")

        if not resources.cluster_deployment.has_cluster_metadata:
            notes.warning(checks.NO_CLUSTER_METADATA_WARNING)
            return self._escalate(
                resources,
                notes,
                "ClusterDeployment.Spec.ClusterMetadata empty - faulty install configuration",
            )
        notes.success("Installation hive job started")

        if not cluster.dns_ready:
            notes.warning(checks.dns_not_ready_warning(cluster.id))
            return self._escalate(resources, notes, "Cluster DNS not ready")
        notes.success("Cluster DNS is ready")

        blocked = self._subnet_without_default_route(resources, cluster)
        if blocked is not None:
            notes.warning(checks.missing_route_warning(blocked))
            link = documentation_link(cluster.product, "aws-custom-vpc")
            return Result(
                actions=[
                    *note_and_report_from(notes, cluster.id, self.name, now=resources.now()),
                    service_log(
                        checks.BYOVPC_ROUTING_SEVERITY,
                        checks.BYOVPC_ROUTING_SUMMARY,
                        checks.byovpc_routing_description(link),
                    ),
                    silence("Missing route to internet in subnet route table"),
                ]
            )
        notes.success("BYOVPC has valid routing")

        # Always escalated: the original does not trust the verifier enough to act on it.
        verify_egress_into(resources, notes)
        return self._escalate(
            resources, notes, "ClusterProvisioningDelay - manual investigation required"
        )

    def _subnet_without_default_route(self, resources: Resources, cluster: Cluster) -> str | None:
        """The first of the cluster's BYOVPC subnets whose route table (its own, else its
        VPC's main one) has no ``0.0.0.0/0`` route; ``None`` when all have one or the cluster
        is not BYOVPC."""
        if not cluster.subnet_ids:
            return None
        aws = resources.aws
        for subnet_id in cluster.subnet_ids:
            try:
                table = aws.get_route_table_for_subnet(subnet_id)
            except ClientError as exc:
                raise InfrastructureError(
                    "AWS API failure checking subnet route tables", exc
                ) from exc
            if not checks.has_default_route(table):
                return subnet_id
        return None

    def _escalate(self, resources: Resources, notes: NoteWriter, reason: str) -> Result:
        return Result(
            actions=[
                *note_and_report_from(notes, resources.cluster.id, self.name, now=resources.now()),
                escalate(reason),
            ]
        )
