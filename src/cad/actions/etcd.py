"""An etcd snapshot taken and analysed by a Job, as the original's
etcddatabasequotalowspace does: an init container saves the snapshot into the pod's own
volume, the ``analyzer`` container (the octosql image) prints where etcd's space goes and
deletes it; CAD reads that log, reports it, and deletes the Job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import structlog
from pydantic import Field

from cad.actions.base import Action, ActionTarget, EffectMetric, Lane
from cad.actions.etcd_analysis import format_analysis, parse_analysis
from cad.actions.jobs import (
    CLEANUP,
    JOB,
    JOB_SLACK_SECONDS,
    MAX_JOB_SECONDS,
    JobFailedError,
    dns_label_problems,
    job_manifest,
    job_name,
    manifest_preview,
    run_job,
)
from cad.errors import ClientError

__all__ = ["ANALYSIS", "REPORT_SUMMARY", "SNAPSHOT_PATH", "EtcdSnapshot"]

ANALYSIS = "analysis"
"""The fact an etcd snapshot records: the analysis report's text."""
REASON = "reason"
REPORT_SUMMARY = "CAD Investigation: Analysis of etcd storage utilization"
SNAPSHOT_PATH = "/snapshot/etcd.snapshot"
_ANALYSIS_METRIC = EffectMetric(
    "cad_investigate_etcd_database_analysis_total",
    "etcd snapshot analyses by status and reason",
    ("status", "reason"),
)
_CLEANUP_METRIC = EffectMetric(
    "cad_investigate_etcd_snapshot_cleanup_total",
    "etcd snapshot cleanups (the analysis Job deleted) by status",
    ("status",),
)
_HCP_ETCD_ENV = {
    "ETCDCTL_API": "3",
    "ETCDCTL_CACERT": "/etc/etcd/tls/etcd-ca/ca.crt",
    "ETCDCTL_CERT": "/etc/etcd/tls/client/etcd-client.crt",
    "ETCDCTL_KEY": "/etc/etcd/tls/client/etcd-client.key",
    "ETCDCTL_ENDPOINTS": "https://etcd-client:2379",
}
log = structlog.get_logger("cad.actions.etcd")


class EtcdSnapshot(Action):
    """Snapshot etcd and analyse the snapshot in a Job, then delete the Job.

    HCP (``management_cluster``): the Job runs in the hosted control plane's namespace on
    the management cluster, next to ``etcd_pod`` (pod affinity, the control plane's
    tolerations), its init container saving the snapshot with the etcd client certificates,
    as the original's. Classic: the Job runs in ``openshift-etcd`` on ``node`` (the etcd
    pod's), privileged on the host network, its init container using the etcd pod's
    ``etcdctl`` image, environment and host paths (``etcdctl_env``, ``host_paths``): the
    snapshot stays in the pod's volume and goes with it, nothing is left on the node.

    The analysis goes into the note and a backplane report. Counted by the original's
    ``etcd_database_analysis_total{status,reason}`` and ``etcd_snapshot_cleanup_total
    {status}`` (the Job deleted).
    """

    type: Literal["etcd_snapshot"] = "etcd_snapshot"
    namespace: str
    etcd_pod: str
    etcdctl_image: str
    analyzer_image: str
    management_cluster: bool = False
    node: str = ""
    etcdctl_env: dict[str, str] = Field(default_factory=dict)
    host_paths: dict[str, str] = Field(default_factory=dict)
    """Classic: the etcdctl container's mounts of host paths (mount path -> host path)."""
    timeout_seconds: float = 300.0

    lane: ClassVar[Lane] = Lane.KUBERNETES
    label: ClassVar[str] = "etcd snapshot"
    short_label: ClassVar[str] = "etcd"
    restricted: ClassVar[bool] = True
    outcome_metrics: ClassVar[tuple[EffectMetric, ...]] = (_ANALYSIS_METRIC, _CLEANUP_METRIC)

    def problems(self) -> list[str]:
        found = dns_label_problems("namespace", self.namespace)
        if not self.etcd_pod.strip():
            found.append("the etcd pod is not named")
        if not self.etcdctl_image.strip():
            found.append("the etcdctl image is empty")
        if not self.analyzer_image.strip():
            found.append("the analyzer image is empty (CAD_OCTOSQL_IMAGE)")
        if not self.management_cluster and not self.node.strip():
            found.append("a classic cluster's snapshot needs the etcd pod's node")
        if not 0 < self.timeout_seconds <= MAX_JOB_SECONDS:
            found.append(f"the timeout must be above 0 and at most {MAX_JOB_SECONDS:g} s")
        return found

    def time_needed_s(self) -> float:
        return self.timeout_seconds + JOB_SLACK_SECONDS

    def _where(self) -> str:
        cluster = "the management cluster" if self.management_cluster else "the cluster"
        return f"{self.namespace} on {cluster}"

    def describe(self) -> str:
        return (
            f"snapshot etcd ({self.etcd_pod}) and analyse it in a Job in {self._where()}, "
            f"at most {self.timeout_seconds:g} s"
        )

    def manifest(self, target: ActionTarget) -> dict[str, Any]:
        """The Job this action creates for ``target``'s run."""
        name = job_name("etcd-analysis", target, self.dedupe_key())
        cluster_id = target.cluster.id if target.cluster is not None else ""
        labels = {"app": "etcd-snapshot-analysis", "cluster-id": cluster_id, "job-id": name}
        pod = self._hcp_pod(name) if self.management_cluster else self._classic_pod()
        return job_manifest(
            name, self.namespace, pod, timeout_s=self.timeout_seconds, labels=labels
        )

    def _analyzer(self) -> dict[str, Any]:
        return {
            "name": "analyzer",
            "image": self.analyzer_image,
            "imagePullPolicy": "Always",
            "command": ["/usr/local/bin/analyze-snapshot.sh", "--delete", SNAPSHOT_PATH],
            "volumeMounts": [{"name": "snapshot-volume", "mountPath": "/snapshot"}],
        }

    def _hcp_pod(self, name: str) -> dict[str, Any]:
        snapshot = {
            "name": "snapshot",
            "image": self.etcdctl_image,
            "command": ["/bin/sh", "-c", f"etcdctl snapshot save {SNAPSHOT_PATH}"],
            "env": [{"name": k, "value": v} for k, v in _HCP_ETCD_ENV.items()],
            "volumeMounts": [
                {"name": "snapshot-volume", "mountPath": "/snapshot"},
                {"name": "client-tls", "mountPath": "/etc/etcd/tls/client", "readOnly": True},
                {"name": "etcd-ca", "mountPath": "/etc/etcd/tls/etcd-ca", "readOnly": True},
            ],
        }
        affinity = {
            "labelSelector": {"matchLabels": {"statefulset.kubernetes.io/pod-name": self.etcd_pod}},
            "topologyKey": "kubernetes.io/hostname",
        }
        return {
            "affinity": {
                "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [affinity]}
            },
            "tolerations": [
                _toleration("hypershift.openshift.io/control-plane", "true"),
                _toleration("hypershift.openshift.io/cluster", self.namespace),
            ],
            "initContainers": [snapshot],
            "containers": [self._analyzer()],
            "volumes": [
                {"name": "snapshot-volume", "emptyDir": {}},
                {"name": "client-tls", "secret": {"secretName": "etcd-client-tls"}},
                {"name": "etcd-ca", "configMap": {"name": "etcd-ca"}},
            ],
        }

    def _classic_pod(self) -> dict[str, Any]:
        hosts = sorted(self.host_paths.items())
        snapshot = {
            "name": "snapshot",
            "image": self.etcdctl_image,
            "command": [
                "/bin/sh",
                "-c",
                f"unset ETCDCTL_ENDPOINTS; etcdctl snapshot save {SNAPSHOT_PATH}",
            ],
            "env": [{"name": k, "value": v} for k, v in sorted(self.etcdctl_env.items())],
            "securityContext": {"privileged": True},
            "volumeMounts": [
                {"name": "snapshot-volume", "mountPath": "/snapshot"},
                *(
                    {"name": f"host-{i}", "mountPath": mount, "readOnly": True}
                    for i, (mount, _) in enumerate(hosts)
                ),
            ],
        }
        return {
            "nodeSelector": {"kubernetes.io/hostname": self.node},
            "hostNetwork": True,
            "tolerations": [
                {"operator": "Exists", "effect": "NoSchedule"},
                {"operator": "Exists", "effect": "NoExecute"},
            ],
            "initContainers": [snapshot],
            "containers": [self._analyzer()],
            "volumes": [
                {"name": "snapshot-volume", "emptyDir": {}},
                *(
                    {"name": f"host-{i}", "hostPath": {"path": path, "type": "Directory"}}
                    for i, (_, path) in enumerate(hosts)
                ),
            ],
        }

    def preview(self, target: ActionTarget) -> str:
        return manifest_preview(self.describe(), self.manifest(target))

    def identity(self) -> dict[str, Any]:
        # One snapshot per incident and cluster: a re-delivery that finds another running
        # etcd pod does not take a second one.
        return {"namespace": self.namespace, "management_cluster": self.management_cluster}

    def outcome_counts(
        self, outcome: str, facts: Mapping[str, str]
    ) -> list[tuple[str, dict[str, str]]]:
        counts: list[tuple[str, dict[str, str]]] = []
        if outcome == "succeeded":
            counts.append((_ANALYSIS_METRIC.name, {"status": "success", "reason": "completed"}))
        elif outcome == "failed":
            reason = facts.get(REASON, "analysis_job_failed")
            counts.append((_ANALYSIS_METRIC.name, {"status": "failure", "reason": reason}))
        if outcome in ("succeeded", "failed") and CLEANUP in facts:
            counts.append((_CLEANUP_METRIC.name, {"status": facts[CLEANUP]}))
        return counts

    def probe(self, target: ActionTarget) -> str | None:
        done = target.recall(self.action_type, JOB)
        if done is not None:
            return f"etcd was already snapshotted and analysed for this incident (Job {done})"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.facts[REASON] = "analysis_job_failed"
        run = run_job(
            target,
            self.manifest(target),
            container="analyzer",
            timeout_s=self.timeout_seconds,
            management=self.management_cluster,
        )
        analysis = parse_analysis(run.log)
        if analysis.empty():
            target.facts[REASON] = "parse_failed"
            raise JobFailedError(
                f"Job {run.namespace}/{run.name} printed no etcd analysis "
                f"({len(run.log)} characters of log)"
            )
        text = format_analysis(analysis)
        target.facts[ANALYSIS] = text
        target.facts.pop(REASON, None)
        self._report(target, text)
        return (
            f"CAD took an etcd snapshot and analysed it (Job {run.namespace}/{run.name}):\n{text}"
        )

    def _report(self, target: ActionTarget, text: str) -> None:
        # The analysis is in the note already: a report that fails is logged, not retried
        # (a retry would take another snapshot).
        if target.backplane is None or target.cluster is None:
            return
        try:
            # The internal id, as every other report (the original used the external id here).
            target.facts["report_id"] = target.backplane.create_report(
                target.cluster.id, summary=REPORT_SUMMARY, data=text
            )
        except ClientError as exc:
            log.warning("could not store the etcd analysis report", error=str(exc))


def _toleration(key: str, value: str) -> dict[str, str]:
    return {"key": key, "operator": "Equal", "value": value, "effect": "NoSchedule"}
