"""etcddatabasequotalowspace: etcd's database nears its quota. CAD finds the etcd pod (on the
cluster, or for HCP in the hosted control plane's namespace on the management cluster) and
returns an ``etcd_snapshot`` action: the executor runs the snapshot-and-analysis Job, puts
the analysis into the note and a report, and deletes the Job."""

from __future__ import annotations

from cad.actions import Action, EtcdSnapshot, escalate, note_and_report_from, silence
from cad.actions.notes import NoteWriter
from cad.clients.models import KINDS
from cad.errors import ClientError
from cad.investigations.etcddatabasequotalowspace import checks
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.readers import KubeRead
from cad.investigations.framework.resources import Resources


class EtcdDatabaseQuotaLowSpace(Investigation):
    """Classic: the first Running etcd pod in ``openshift-etcd`` (``k8s-app=etcd``, else
    ``app=etcd``), its ``etcdctl`` container. HCP: the same in the HCP namespace on the
    management cluster, the image of its ``reset-member`` init container. Then the snapshot
    action, a report and note, and a silence when the alert's title says WARNING, else an
    escalation; the executor escalates instead of silencing when the snapshot fails. No
    access to the cluster (or management cluster) is an infrastructure error (retried)."""

    name = "etcddatabasequotalowspace"
    aliases = ("etcd-quota-low",)
    description = "Snapshot etcd and analyse where its space goes (etcdDatabaseQuotaLowSpace)"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        hcp = cluster.hcp
        try:
            if hcp:
                namespace = resources.hosted_control_plane.hcp_namespace
                kube = resources.management_kube
            else:
                notes.success(checks.NON_HCP)
                namespace, kube = checks.CLASSIC_NAMESPACE, resources.kube
            pods = _etcd_pods(kube, namespace)
        except (RestConfigError, KubeClientError, ClientError) as exc:
            raise InfrastructureError("Failed to reach the etcd pods", exc) from exc

        def stop(warning: str, reason: str) -> Result:
            notes.warning(warning)
            return self._end(notes, resources, [escalate(reason)])

        selected = checks.select_etcd_pod(pods)
        if selected is None:
            problem = checks.no_etcd_pod(namespace, pods)
            if hcp:
                return stop(f"Failed to get etcd pod: {problem}", checks.ESCALATE_ETCD_POD)
            return stop(f"Failed to take etcd snapshot: {problem}", checks.ESCALATE_SNAPSHOT)
        pod = checks.etcd_pod(selected, hcp=hcp)
        if not pod.image:
            if hcp:
                return stop(checks.IMAGE_NOT_FOUND, checks.ESCALATE_IMAGE)
            return stop(
                f"Failed to take etcd snapshot: no {checks.CLASSIC_CONTAINER} container in "
                f"pod {pod.name}",
                checks.ESCALATE_SNAPSHOT,
            )
        if not resources.octosql_image:
            return stop(checks.NO_IMAGE, checks.ESCALATE_BUILD)
        notes.success(checks.snapshot_line(pod, namespace, hcp=hcp))
        snapshot = EtcdSnapshot(
            namespace=namespace,
            etcd_pod=pod.name,
            node=pod.node,
            etcdctl_image=pod.image,
            analyzer_image=resources.octosql_image,
            management_cluster=hcp,
            etcdctl_env=pod.env,
            host_paths=pod.host_paths,
            timeout_seconds=resources.etcd_analysis_timeout_s,
        )
        final: Action
        if checks.is_warning(resources.incident.title):
            final = silence(checks.SILENCE_WARNING_HCP if hcp else checks.SILENCE_WARNING)
        else:
            final = escalate(checks.ESCALATE_CRITICAL_HCP if hcp else checks.ESCALATE_CRITICAL)
        return self._end(notes, resources, [final], first=[snapshot])

    def _end(
        self,
        notes: NoteWriter,
        resources: Resources,
        last: list[Action],
        first: list[Action] | None = None,
    ) -> Result:
        cluster_id = resources.cluster.id
        report = note_and_report_from(notes, cluster_id, self.name, now=resources.now())
        return Result(actions=[*(first or []), *report, *last])


def _etcd_pods(kube: KubeRead, namespace: str) -> list[dict[str, object]]:
    for labels in checks.ETCD_LABELS:
        pods = kube.list(KINDS["Pod"], namespace=namespace, labels=dict(labels))
        if pods:
            return pods
    return []
