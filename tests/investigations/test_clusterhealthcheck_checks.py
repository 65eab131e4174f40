"""clusterhealthcheck's pure checks, with the original's test cases as tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cad.investigations.clusterhealthcheck import capacity, checks
from cad.investigations.clusterhealthcheck.alerts import (
    AlertsParseError,
    FiringAlert,
    firing_alerts,
    parse_alerts,
)
from cad.testing.readers import NOW


def obj(name: str, namespace: str = "", **fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"metadata": meta, **fields}


def conds(*triples: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "conditions": [
            {"type": t, "status": s, "reason": r, "message": f"{t} message"} for t, s, r in triples
        ]
    }


def text(lines: list[tuple[str, str]]) -> str:
    return "\n".join(line for _, line in lines)


def kinds(lines: list[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in lines}


# --- cluster operators ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operators", "expected", "kind"),
    [
        (
            [
                obj("a", status=conds(("Available", "True", "AsExpected"))),
                obj("b", status=conds(("Degraded", "False", "AsExpected"))),
            ],
            "all 2 operators are healthy",
            "success",
        ),
        (
            [
                obj("a", status=conds(("Degraded", "True", "Broken"))),
                obj("b", status=conds(("Available", "False", "Down"))),
            ],
            "1 degraded - a (reason: Broken)",
            "warning",
        ),
        (
            [obj("b", status=conds(("Available", "False", "Down")))],
            "1 unavailable - b (reason: Down)",
            "warning",
        ),
        (
            [obj("c", status=conds(("Progressing", "True", "Upgrading")))],
            "1 progressing - c (reason: Upgrading)",
            "warning",
        ),
        ([], "Cluster Operators: none found", "warning"),
    ],
)
def test_cluster_operators_are_healthy_or_named_by_problem(
    operators: list[dict[str, Any]], expected: str, kind: str
) -> None:
    lines = checks.cluster_operators(operators)
    assert expected in text(lines)
    assert kinds(lines) == {kind}


# --- API server ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected", "kind"),
    [
        (("ok", "ok", "ok"), "all endpoints healthy (healthz=ok, livez=ok, readyz=ok)", "success"),
        (("ok", "error: HTTP 500", "ok"), "livez=error", "warning"),
    ],
)
def test_api_health_is_ok_only_when_every_endpoint_answers_ok(
    answers: tuple[str, str, str], expected: str, kind: str
) -> None:
    lines = checks.api_health(*answers)
    assert expected in text(lines)
    assert kinds(lines) == {kind}


def ready_pod(name: str, ready: bool, reason: str = "") -> dict[str, Any]:
    status = "True" if ready else "False"
    return obj(
        name, "openshift-apiserver", status={"phase": "Running", **conds(("Ready", status, reason))}
    )


@pytest.mark.parametrize(
    ("pods", "expected", "kind"),
    [
        (
            [ready_pod("apiserver-1", True)],
            "OpenShift API Server Pods: all 1 pods are Ready",
            "success",
        ),
        (
            [ready_pod("apiserver-1", True), ready_pod("apiserver-2", False, "ContainersNotReady")],
            "1/2 not ready - apiserver-2 (ContainersNotReady)",
            "warning",
        ),
        ([], "no pods found in openshift-apiserver", "warning"),
    ],
)
def test_apiserver_pods_are_all_ready_or_listed(
    pods: list[dict[str, Any]], expected: str, kind: str
) -> None:
    lines = checks.apiserver_pods("OpenShift API Server", "openshift-apiserver", pods)
    assert expected in text(lines)
    assert kinds(lines) == {kind}


def test_an_unready_pod_without_a_reason_is_named_by_its_phase() -> None:
    pod = obj("p", status={"phase": "Pending"})
    assert "p (Pending)" in text(checks.apiserver_pods("Kube API Server", "ns", [pod]))


# --- etcd pod choice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("containers", "expected"),
    [(["etcdctl", "etcd"], "etcdctl"), (["setup", "etcd"], "etcd"), (["other"], "etcd")],
)
def test_etcdctl_runs_in_the_etcdctl_or_etcd_container(
    containers: list[str], expected: str
) -> None:
    pod = obj("etcd-0", spec={"containers": [{"name": c} for c in containers]})
    assert checks.etcd_container(pod) == expected


def test_the_first_running_pod_is_chosen() -> None:
    pods = [obj("a", status={"phase": "Pending"}), obj("b", status={"phase": "Running"})]
    assert checks.running_pod(pods) == pods[1]
    assert checks.running_pod(pods[:1]) is None


# --- machine config pools ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pools", "expected", "kind"),
    [
        (
            [obj("worker", status=conds(("Degraded", "False", "")))],
            "all 1 pools are healthy",
            "success",
        ),
        (
            [obj("worker", status=conds(("Degraded", "True", "RenderFailed")))],
            "1 degraded - worker (reason: RenderFailed, message: Degraded message)",
            "warning",
        ),
        (
            [
                obj(
                    "worker",
                    status={
                        **conds(("Updating", "True", "")),
                        "updatedMachineCount": 1,
                        "machineCount": 3,
                    },
                )
            ],
            "1 updating - worker (1/3 updated)",
            "warning",
        ),
        ([], "MachineConfigPools: none found", "warning"),
    ],
)
def test_machine_config_pools_are_healthy_degraded_or_updating(
    pools: list[dict[str, Any]], expected: str, kind: str
) -> None:
    lines = checks.machine_config_pools(pools)
    assert expected in text(lines)
    assert kinds(lines) == {kind}


# --- CSRs ----------------------------------------------------------------------------------


def csr(name: str, *condition_types: str) -> dict[str, Any]:
    created = (NOW - timedelta(minutes=5, seconds=3)).isoformat().replace("+00:00", "Z")
    return {
        "metadata": {"name": name, "creationTimestamp": created},
        "spec": {"signerName": "kubernetes.io/kubelet-serving", "username": "system:node:worker-1"},
        "status": {"conditions": [{"type": t, "status": "True"} for t in condition_types]},
    }


def test_approved_or_denied_csrs_are_not_pending() -> None:
    assert checks.pending_csrs([csr("a", "Approved"), csr("b", "Denied")], NOW) == [
        ("success", "Pending CSRs: none")
    ]


def test_a_pending_csr_is_listed_with_requester_and_age() -> None:
    assert checks.pending_csrs([csr("csr-1")], NOW) == [
        (
            "warning",
            "Pending CSRs: 1 pending - csr-1 (requester: system:node:worker-1, age: 5m3s)",
        )
    ]


@pytest.mark.parametrize(
    ("seconds", "expected"), [(0, "0s"), (45, "45s"), (125, "2m5s"), (3600, "1h0m0s")]
)
def test_durations_read_as_go_prints_them(seconds: int, expected: str) -> None:
    assert checks.go_duration(seconds) == expected


# --- nodes ---------------------------------------------------------------------------------


def node(name: str, *extra: tuple[str, str, str], **spec: Any) -> dict[str, Any]:
    return obj(name, spec=spec, status=conds(("Ready", "True", "KubeletReady"), *extra))


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([node("w1"), node("w2")], "Nodes: all 2 nodes are Ready and healthy"),
        (
            [obj("w1", status=conds(("Ready", "False", "KubeletNotReady")))],
            "Nodes: 1 not ready - w1 (status: False, reason: KubeletNotReady)",
        ),
        ([node("w1", unschedulable=True)], "Nodes: 1 scheduling disabled - w1"),
        ([node("w1", ("MemoryPressure", "True", ""))], "w1: MemoryPressure"),
        ([node("w1", ("DiskPressure", "True", ""))], "w1: DiskPressure"),
        (
            [
                node(
                    "w1",
                    taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
                )
            ],
            "Node Taints: 1 taint(s) found:\n  w1: node.kubernetes.io/unschedulable: NoSchedule",
        ),
        ([], "Nodes: none found"),
    ],
)
def test_nodes_are_checked_for_readiness_scheduling_pressure_and_taints(
    nodes: list[dict[str, Any]], expected: str
) -> None:
    assert expected in text(checks.node_status(nodes))


# --- capacity ------------------------------------------------------------------------------


def sized(name: str, cpu: str, mem: str, alloc_cpu: str, alloc_mem: str) -> dict[str, Any]:
    return obj(
        name,
        status={
            "capacity": {"cpu": cpu, "memory": mem},
            "allocatable": {"cpu": alloc_cpu, "memory": alloc_mem},
        },
    )


def test_capacity_under_the_threshold_lists_every_node() -> None:
    nodes = [
        sized("worker-1", "4", "16Gi", "3500m", "15Gi"),
        sized("worker-2", "4", "16Gi", "4", "16Gi"),
    ]
    lines = capacity.pre_allocation(nodes)
    assert "less than 80%" in text(lines)
    assert "worker-1: CPU 13%, Memory 6% (15Gi/16Gi)" in text(lines)
    assert "worker-2: CPU" in text(lines)
    assert [kind for kind, _ in lines] == ["success", "automation"]


def test_capacity_over_the_threshold_warns() -> None:
    lines = capacity.pre_allocation([sized("worker-1", "4", "16Gi", "500m", "2Gi")])
    assert (
        "1 node(s) with >=80% pre-allocation - worker-1 (CPU: 88%, Memory: 88% [2Gi/16Gi])"
        in text(lines)
    )


def test_utilization_compares_node_metrics_with_capacity() -> None:
    nodes = [sized("w1", "4", "16Gi", "4", "16Gi"), sized("w2", "2", "8Gi", "2", "8Gi")]
    metrics = [
        obj("w1", usage={"cpu": "1", "memory": "4Gi"}),
        obj("w2", usage={"cpu": "1900m", "memory": "1Gi"}),
        obj("gone", usage={"cpu": "1", "memory": "1Gi"}),
    ]
    lines = capacity.utilization(nodes, metrics)
    assert "1 node(s) with >=80% utilization - w2 (CPU: 95%, Memory: 13% [1Gi/8Gi])" in text(lines)
    assert "w1: CPU 25%, Memory 25% (4Gi/16Gi)" in text(lines)
    assert capacity.utilization(nodes, []) == [
        ("warning", "Capacity Utilization: no node metrics available")
    ]


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (1024, "1Ki"),
        (1024 * 1024, "1Mi"),
        (1024**3, "1Gi"),
        (2 * 1024**3, "2Gi"),
        (512 * 1024, "512Ki"),
        (256 * 1024 * 1024, "256Mi"),
    ],
)
def test_bytes_are_formatted_as_the_original(size: int, expected: str) -> None:
    assert capacity.format_bytes(size) == expected


@pytest.mark.parametrize(
    ("quantity", "value"),
    [("250m", "0.25"), ("3", "3"), ("16Gi", str(16 * 1024**3)), ("1e3", "1000"), ("500M", "5E+8")],
)
def test_kubernetes_quantities_are_read(quantity: str, value: str) -> None:
    parsed = capacity.parse_quantity(quantity)
    assert parsed is not None
    assert parsed == type(parsed)(value)
    assert capacity.parse_quantity("lots") is None


# --- cluster version -----------------------------------------------------------------------


def version(*triples: tuple[str, str, str], channel: str = "stable-4.16") -> dict[str, Any]:
    return {
        "metadata": {"name": "version"},
        "spec": {"channel": channel},
        "status": {
            "history": [{"state": "Completed", "version": "4.16.5"}],
            "conditions": [{"type": t, "status": s, "message": m} for t, s, m in triples],
        },
    }


@pytest.mark.parametrize(
    ("cv", "eol", "expected", "kind"),
    [
        (version(("Available", "True", "")), "", "Cluster Version: 4.16.5", "success"),
        (version(("Failing", "True", "boom")), "", "4.16.5 - Failing: boom", "warning"),
        (version(("Progressing", "True", "moving")), "", "Progressing: moving", "warning"),
        (
            version(("RetrievedUpdates", "False", "no route")),
            "",
            "Cannot retrieve updates: no route",
            "warning",
        ),
        (version(), "EOL: x", "4.16.5 - EOL: x", "warning"),
    ],
)
def test_the_cluster_version_line_names_its_issues(
    cv: dict[str, Any], eol: str, expected: str, kind: str
) -> None:
    lines = checks.cluster_version(cv, eol)
    assert expected in text(lines)
    assert kinds(lines) == {kind}


@pytest.mark.parametrize(
    ("current", "latest", "warns"), [(14, 18, True), (16, 18, False), (14, 14, False)]
)
def test_eol_warns_beyond_two_minors_behind(current: int, latest: int, warns: bool) -> None:
    warning = checks.eol_warning(f"4.{current}.5", "stable", current, latest)
    assert bool(warning) is warns
    if warns:
        assert warning == (
            f"EOL: cluster version 4.{current}.5 is more than 2 minor versions behind latest "
            f"available (stable-4.{latest})"
        )


@pytest.mark.parametrize(
    ("version_text", "minor"),
    [("4.16.5", 16), ("4.14.0", 14), ("4.21.10", 21), ("4.0.0", 0), ("invalid", -1), ("4", -1)],
)
def test_the_minor_version_is_parsed_as_the_original(version_text: str, minor: int) -> None:
    assert checks.parse_minor_version(version_text) == minor


@pytest.mark.parametrize(
    ("channel", "prefix"),
    [("stable-4.16", "stable"), ("fast-4.17", "fast"), ("", "stable"), ("candidate", "stable")],
)
def test_the_channel_prefix_comes_from_the_channel(channel: str, prefix: str) -> None:
    assert checks.channel_prefix(channel) == prefix


# --- pods, PDBs, events --------------------------------------------------------------------


def pod(name: str, phase: str = "Running", reason: str = "", **status: Any) -> dict[str, Any]:
    return obj(name, "default", status={"phase": phase, "reason": reason, **status})


@pytest.mark.parametrize(
    ("pods", "expected"),
    [
        ([pod("ok")], "Failing Pods: none"),
        ([pod("job", "Succeeded")], "Failing Pods: none"),
        ([pod("oom", "Failed", "OOMKilled")], "1 pod(s) with issues:\n  default/oom: OOMKilled"),
        (
            [pod("r", containerStatuses=[{"name": "app", "restartCount": 15}])],
            "container app has 15 restarts",
        ),
        (
            [
                pod(
                    "c",
                    containerStatuses=[
                        {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                    ],
                )
            ],
            "container app: CrashLoopBackOff",
        ),
    ],
)
def test_failing_pods_are_failed_restarting_or_waiting_on_an_error(
    pods: list[dict[str, Any]], expected: str
) -> None:
    assert expected in text(checks.failing_pods(pods))


def test_failing_pods_past_fifty_are_counted_not_listed() -> None:
    lines = checks.failing_pods([pod(f"p{i:02}", "Failed") for i in range(55)])
    assert "55 pod(s) with issues" in text(lines)
    assert text(lines).endswith("... and 5 more")


def pdb(name: str, allowed: int, **spec: Any) -> dict[str, Any]:
    return obj(name, "app-ns", spec=spec, status={"disruptionsAllowed": allowed, "expectedPods": 2})


@pytest.mark.parametrize(
    ("pdbs", "expected"),
    [
        ([pdb("normal", 1, maxUnavailable=1)], "Restrictive PDBs: none"),
        ([pdb("not-blocking", 1, maxUnavailable=0)], "Restrictive PDBs: none"),
        ([pdb("r", 0, maxUnavailable=0)], "app-ns/r (maxUnavailable=0)"),
        ([pdb("r", 0, maxUnavailable="0%")], "app-ns/r (maxUnavailable=0%)"),
        ([pdb("r", 0, minAvailable="100%")], "app-ns/r (minAvailable=100%)"),
        ([pdb("r", 0, minAvailable=2)], "app-ns/r (minAvailable=2 (expectedPods=2))"),
        ([pdb("r", 0, minAvailable=1)], "Restrictive PDBs: none"),
    ],
)
def test_restrictive_pdbs_block_every_disruption(pdbs: list[dict[str, Any]], expected: str) -> None:
    assert expected in text(checks.restrictive_pdbs(pdbs))


def event(reason: str, kind: str = "Warning", count: int = 1, message: str = "m") -> dict[str, Any]:
    return obj(
        f"e-{reason}",
        "default",
        type=kind,
        reason=reason,
        count=count,
        message=message,
        involvedObject={"kind": "Pod", "name": "app-pod"},
    )


def test_normal_events_are_not_reported() -> None:
    assert checks.non_normal_events([event("Started", "Normal")]) == [
        ("success", "Events: no non-normal events")
    ]


def test_a_warning_event_is_reported_with_its_count() -> None:
    lines = checks.non_normal_events([event("FailedMount", count=3, message="no volume")])
    assert text(lines) == (
        "Events: 1 non-normal event(s):\n  default/Pod/app-pod: FailedMount (x3) - no volume"
    )


def test_events_past_fifty_are_counted_and_long_messages_cut() -> None:
    lines = checks.non_normal_events([event(f"R{i:02}") for i in range(55)])
    assert "55 non-normal event" in text(lines)
    assert "... and 5 more" in text(lines)
    long = "x" * 200
    cut = text(checks.non_normal_events([event("Long", message=long)]))
    assert "x" * 120 + "..." in cut
    assert long not in cut


# --- alerts --------------------------------------------------------------------------------


def test_firing_alerts_are_listed_by_severity() -> None:
    alerts = [
        FiringAlert("DiskAlmostFull", "warning", "firing", "Disk > 85%"),
        FiringAlert("HighMemoryUsage", "critical", "firing", "Memory > 90%"),
        FiringAlert("Odd", "page", "active", ""),
    ]
    assert text(firing_alerts(alerts)) == (
        "Firing Alerts: 3 firing alert(s):\n"
        "  [critical] HighMemoryUsage - Memory > 90%\n"
        "  [warning] DiskAlmostFull - Disk > 85%\n"
        "  [page] Odd"
    )
    assert firing_alerts([]) == [("success", "Firing Alerts: none")]


def test_alertmanagers_answer_keeps_active_alerts_only() -> None:
    answer = (
        '[{"labels": {"alertname": "A", "severity": "critical"}, "annotations": {"summary": "s"},'
        ' "status": {"state": "active"}},'
        ' {"labels": {"alertname": "B"}, "status": {"state": "suppressed"}}]'
    )
    assert parse_alerts(answer) == [FiringAlert("A", "critical", "active", "s")]
    with pytest.raises(AlertsParseError, match="failed to decode"):
        parse_alerts("<html>")
