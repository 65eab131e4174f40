"""insightsoperatordown: why is the Insights operator down? A banned owner, OCPBUGS-22226,
or blocked egress; always handed to SRE."""

from __future__ import annotations

from cad.actions import NoteWriter, escalate, note_and_report_from
from cad.clients.kube import KINDS
from cad.errors import ClientError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.egress_notes import verify_egress_into
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    OwnerLookupError,
    RestConfigError,
    cluster_access_message,
)
from cad.investigations.framework.resources import Resources
from cad.investigations.insightsoperatordown import checks


class InsightsOperatorDown(Investigation):
    """Notes what it finds and escalates, always."""

    name = "insightsoperatordown"
    aliases = ()
    description = "Insights operator down: banned owner, OCPBUGS-22226, blocked egress"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        try:
            owner = resources.owner()
        except OwnerLookupError as exc:
            notes.warning(
                f"encountered an issue when checking if the cluster owner is banned: {exc}"
            )
            return self._escalate(
                resources, notes, "Failed to check user ban status - manual investigation required"
            )
        if owner.banned:
            notes.warning(checks.banned_warning(owner))
            return self._escalate(resources, notes, "User is banned - proactive case required")
        notes.success("User is not banned.")

        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            message = cluster_access_message(error) or str(error)
            notes.warning(f"{message} ({error.cause})")
            return self._escalate(resources, notes, message)
        try:
            found = kube.list(KINDS["ClusterOperator"], fields={"metadata.name": "insights"})
        except ClientError as exc:
            raise InfrastructureError("K8s API failure listing clusteroperators", exc) from exc
        if len(found) != 1:
            notes.warning(f"Found {len(found)} insights clusteroperators, expected 1")
            return self._escalate(
                resources,
                notes,
                "Unexpected insights clusteroperator count - manual investigation required",
            )
        if checks.is_ocpbugs_22226(checks.ClusterOperator.from_object(found[0])):
            notes.warning(checks.OCPBUGS_22226_REMEDIATION)
            return self._escalate(
                resources, notes, "OCPBUGS-22226 detected - manual remediation required"
            )
        notes.success("Ruled out OCPBUGS-22226")

        verify_egress_into(resources, notes)
        return self._escalate(
            resources,
            notes,
            "InsightsOperatorDown investigation completed - manual review required",
        )

    def _escalate(self, resources: Resources, notes: NoteWriter, reason: str) -> Result:
        return Result(
            actions=[
                *note_and_report_from(notes, resources.cluster.id, self.name, now=resources.now()),
                escalate(reason),
            ]
        )
