"""mustgather: the must-gather is collected and uploaded by the executor
(:class:`~cad.actions.CollectMustGather`); this decides where, with which image, and says so."""

from __future__ import annotations

from cad.actions import CollectMustGather, note_and_report_from
from cad.clients.models import KINDS
from cad.errors import ClientError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.resources import Resources
from cad.investigations.mustgather import checks


class MustGather(Investigation):
    """Classic: the image of the cluster's ``openshift/must-gather`` ImageStream (the
    default image when it cannot be read), collected on the cluster. HCP: the ACM image
    (``CAD_ACM_HCP_MUST_GATHER_IMAGE``, else the original's) and the original's gather
    command for the hosted cluster, collected on its management cluster after any other
    must-gather there has finished. Returns the collection (with its upload),
    a cluster report and a note; the executor adds the upload's location to the note. No
    escalation and no silence, as the original; a failed collection or upload fails the chain
    (escalated, never silenced). Where the hosted control plane is cannot be found: an
    infrastructure error (retried)."""

    name = "mustgather"
    aliases = ("must-gather",)
    description = "Collect a must-gather and upload it to Red Hat's SFTP server"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        if cluster.hcp:
            try:
                hcp = resources.hosted_control_plane
            except RestConfigError as exc:
                raise InfrastructureError("must-gather: management cluster unknown", exc) from exc
            action = CollectMustGather(
                image=resources.acm_hcp_must_gather_image or checks.ACM_HCP_IMAGE,
                gather_command=checks.hcp_gather_command(hcp.hcp_namespace, cluster.name),
                management_cluster=True,
                wait_for_others=True,
                product=checks.PRODUCT_HCP,
            )
        else:
            action = CollectMustGather(image=_image(resources), product=checks.PRODUCT_CLASSIC)
        notes.automation(checks.collecting_line(cluster.hcp, action.image, cluster.name))
        return Result(
            actions=[
                action,
                *note_and_report_from(notes, cluster.id, self.name, now=resources.now()),
            ]
        )


def _image(resources: Resources) -> str:
    """The ImageStream's image, or the default when it cannot be read (as oc falls back)."""
    try:
        stream = resources.kube.get(KINDS["ImageStream"], "must-gather", namespace="openshift")
    except (RestConfigError, KubeClientError, ClientError):
        return checks.DEFAULT_IMAGE
    return checks.image_from_stream(stream) or checks.DEFAULT_IMAGE
