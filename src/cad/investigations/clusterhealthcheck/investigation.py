"""clusterhealthcheck: twelve informational health checks of a cluster (manual runs only).

Each check adds ✅/⚠️ lines; a check that cannot read what it needs says so in a warning and
the others still run. Ends with a backplane report and a note, never a handover.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cad.actions import NoteWriter, note, note_and_report_from
from cad.clients.kube import KINDS
from cad.errors import ClientError
from cad.investigations.clusterhealthcheck import capacity, checks
from cad.investigations.clusterhealthcheck.alerts import firing_alerts
from cad.investigations.clusterhealthcheck.probes import (
    HealthProbeError,
    api_health_answers,
    etcd_health,
    fetch_firing_alerts,
    latest_minor,
)
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    KubeClientError,
    RestConfigError,
    cluster_access_message,
)
from cad.investigations.framework.readers import KubeRead, UpdateGraphRead
from cad.investigations.framework.resources import Resources

Lines = list[tuple[str, str]]
APISERVERS = (
    ("OpenShift API Server", "openshift-apiserver", {"app": "openshift-apiserver-a"}),
    ("Kube API Server", "openshift-kube-apiserver", {"app": "openshift-kube-apiserver"}),
)


class ClusterHealthCheck(Investigation):
    """Cluster operators, API, etcd, MCPs, CSRs, nodes, capacity, alerts, version, pods,
    PDBs and events; a report and a note."""

    name = "clusterhealthcheck"
    aliases = ("cluster-health-check",)
    description = (
        "Run comprehensive health checks against the cluster "
        "(cluster operators, API, etcd, nodes, pods, events, etc.)"
    )

    def run(self, resources: Resources) -> Result:
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return Result(actions=[note(cluster_access_message(error) or str(error))])
        cluster = resources.cluster
        notes = resources.notes()
        hcp = cluster.hcp
        if hcp:
            notes.warning(checks.HCP_WARNING)
        sections: list[Callable[[], Lines]] = [
            lambda: _listed(kube, "ClusterOperator", "Cluster Operators", checks.cluster_operators),
            lambda: _api(kube, hcp),
            lambda: _etcd(kube, hcp),
            lambda: _mcps(kube, hcp),
            lambda: _listed(
                kube,
                "CertificateSigningRequest",
                "Pending CSRs",
                lambda csrs: checks.pending_csrs(csrs, resources.now()),
            ),
            lambda: _listed(kube, "Node", "Nodes", checks.node_status),
            lambda: _capacity(kube),
            lambda: _alerts(kube),
            lambda: _version(kube, resources.update_graph),
            lambda: _listed(kube, "Pod", "Failing Pods", checks.failing_pods),
            lambda: _listed(
                kube, "PodDisruptionBudget", "Restrictive PDBs", checks.restrictive_pdbs
            ),
            lambda: _listed(kube, "Event", "Events", checks.non_normal_events),
        ]
        for section in sections:
            _append(notes, section())
        return Result(
            actions=note_and_report_from(notes, cluster.id, self.name, now=resources.now())
        )


def _append(notes: NoteWriter, lines: Lines) -> None:
    for kind, text in lines:
        {"success": notes.success, "warning": notes.warning}.get(kind, notes.automation)(text)


def _listed(
    kube: KubeRead, kind: str, title: str, check: Callable[[list[dict[str, Any]]], Lines]
) -> Lines:
    try:
        objects = kube.list(KINDS[kind])
    except ClientError as exc:
        return [("warning", f"{title}: failed to list - {exc}")]
    return check(objects)


def _api(kube: KubeRead, hcp: bool) -> Lines:
    lines = checks.api_health(*api_health_answers(kube))
    if hcp:
        return [
            *lines,
            (
                "warning",
                "API Server Pods: skipped - control plane runs on the management cluster for "
                "HCP clusters",
            ),
        ]
    for title, namespace, labels in APISERVERS:
        try:
            pods = kube.list(KINDS["Pod"], namespace=namespace, labels=labels)
        except ClientError as exc:
            lines.append(("warning", f"{title} Pods: failed to list - {exc}"))
            continue
        lines += checks.apiserver_pods(title, namespace, pods)
    return lines


def _etcd(kube: KubeRead, hcp: bool) -> Lines:
    if hcp:
        return [
            (
                "warning",
                "ETCD Status: skipped - etcd runs on the management cluster for HCP clusters",
            )
        ]
    try:
        output = etcd_health(kube)
    except HealthProbeError as exc:
        if exc.output:
            return [("warning", f"ETCD Status:\n{exc.output}")]
        return [("warning", f"ETCD Status: check failed - {exc}")]
    return [("success", f"ETCD Status:\n{output}")]


def _mcps(kube: KubeRead, hcp: bool) -> Lines:
    if hcp:
        return [("warning", "MachineConfigPools: skipped - MCPs are not used on HCP clusters")]
    return _listed(kube, "MachineConfigPool", "MachineConfigPools", checks.machine_config_pools)


def _capacity(kube: KubeRead) -> Lines:
    try:
        nodes = kube.list(KINDS["Node"])
    except ClientError as exc:
        return [("warning", f"Capacity: failed to list nodes - {exc}")]
    lines = capacity.pre_allocation(nodes)
    if not nodes:
        return lines
    try:
        node_metrics = kube.list(KINDS["NodeMetrics"])
    except ClientError as exc:
        return [
            *lines,
            ("warning", f"Capacity Utilization: unable to query metrics API - {exc}"),
        ]
    return lines + capacity.utilization(nodes, node_metrics)


def _alerts(kube: KubeRead) -> Lines:
    try:
        alerts = fetch_firing_alerts(kube)
    except HealthProbeError as exc:
        return [("warning", f"Firing Alerts: failed to fetch - {exc}")]
    return firing_alerts(alerts)


def _version(kube: KubeRead, graph: UpdateGraphRead | None) -> Lines:
    try:
        cv = kube.get(KINDS["ClusterVersion"], "version")
    except ClientError as exc:
        return [("warning", f"Cluster Version: failed to get - {exc}")]
    return checks.cluster_version(cv, _eol(cv, graph))


def _eol(cv: dict[str, Any], graph: UpdateGraphRead | None) -> str:
    """The EOL issue, or "" (also when the graph cannot be asked: as the original)."""
    version = checks.completed_version(cv)
    minor = checks.parse_minor_version(version) if version else -1
    if minor < 0 or graph is None:
        return ""
    prefix = checks.channel_prefix(str((cv.get("spec") or {}).get("channel") or ""))
    try:
        latest = latest_minor(graph, prefix, minor)
    except ClientError:
        return ""
    return checks.eol_warning(version, prefix, minor, latest)
