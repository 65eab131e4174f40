"""restartcontrolplane: a hosted cluster's control plane is restarted by the annotation
``hypershift.openshift.io/restart-date`` on its HostedCluster; the executor applies it."""

from __future__ import annotations

from cad.actions import AnnotateObject, escalate, note_and_report_from, note_from, silence
from cad.clients.models import KINDS
from cad.errors import ClientError, NotFoundError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.resources import Resources
from cad.investigations.restartcontrolplane import checks


class RestartControlPlane(Investigation):
    """Not HCP: a success line, report, note, silence. HCP: reads the HostedCluster
    ``<hc namespace>/<domain prefix>`` on the management cluster and returns the annotation
    (CAD's clock, RFC 3339 UTC) as an action, then a note and a silence; the executor applies
    the annotation before the silence, and escalates instead when it fails. No access to the
    management cluster is an infrastructure error (retried), as in the original; a missing
    HostedCluster is escalated."""

    name = "restartcontrolplane"
    aliases = ("restart-controlplane",)
    description = "Restart an HCP control plane (annotate its HostedCluster)"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        if not cluster.hcp:
            notes.success(checks.NOT_HCP)
            return Result(
                actions=[
                    *note_and_report_from(notes, cluster.id, self.name, now=resources.now()),
                    silence(checks.NOT_HCP_SILENCE),
                ]
            )
        try:
            hcp = resources.hosted_control_plane
            hosted = resources.management_kube.get(
                KINDS["HostedCluster"], cluster.domain_prefix, namespace=hcp.hc_namespace
            )
        except NotFoundError:
            notes.warning(checks.hc_missing(hcp.hc_namespace, cluster.domain_prefix))
            return Result(actions=[note_from(notes), escalate(checks.RESTART_FAILED)])
        except (RestConfigError, KubeClientError, ClientError) as exc:
            raise InfrastructureError(checks.RESTART_FAILED, exc) from exc
        name = str((hosted.get("metadata") or {}).get("name") or cluster.domain_prefix)
        value = checks.restart_date(resources.now())
        notes.success(checks.restart_line(hcp.hc_namespace, name, value))
        return Result(
            actions=[
                AnnotateObject(
                    kind="HostedCluster",
                    name=name,
                    namespace=hcp.hc_namespace,
                    annotations={checks.RESTART_ANNOTATION: value},
                    management_cluster=True,
                ),
                note_from(notes),
                silence(checks.RESTART_REQUESTED),
            ]
        )
