"""cannotretrieveupdatessre: why can the cluster not retrieve updates? Blocked egress, or
what its ClusterVersion says; always handed to SRE."""

from __future__ import annotations

from cad.actions import NoteWriter, escalate, note_and_report_from
from cad.clients.kube import KINDS
from cad.errors import ClientError, is_transient
from cad.investigations.cannotretrieveupdatessre import checks
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.egress_notes import verify_egress_into
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
    cluster_access_message,
)
from cad.investigations.framework.resources import Resources

NOTE_NAME = "CannotRetrieveUpdatesSRE"


class CannotRetrieveUpdatesSre(Investigation):
    """Notes the egress verdict and the ClusterVersion's update status, and escalates."""

    name = "cannotretrieveupdatessre"
    aliases = ("can-not-retrieve-updates",)
    description = "Cannot retrieve updates: blocked egress, or the ClusterVersion's channel"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes(NOTE_NAME)
        verify_egress_into(resources, notes)
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            message = cluster_access_message(error) or str(error)
            notes.warning(f"{message} ({error.cause})")
            return self._escalate(resources, notes, message)
        try:
            version = checks.ClusterVersion.from_object(
                kube.get(KINDS["ClusterVersion"], "version")
            )
        except ClientError as exc:
            if is_transient(exc):
                raise InfrastructureError(
                    "K8s API failure getting the ClusterVersion", exc
                ) from exc
            notes.warning(f"Failed to get ClusterVersion: {exc}")
        else:
            notes.success(f"ClusterVersion found: {version.desired_version}")
            warning = checks.retrieval_warning(version)
            if warning:
                notes.warning(warning)
        notes.warning(checks.ESCALATION_WARNING)
        return self._escalate(
            resources,
            notes,
            "CannotRetrieveUpdatesSRE investigation completed - manual review required",
        )

    def _escalate(self, resources: Resources, notes: NoteWriter, reason: str) -> Result:
        return Result(
            actions=[
                *note_and_report_from(notes, resources.cluster.id, self.name, now=resources.now()),
                escalate(reason),
            ]
        )
