"""clusterhealthcheck: whole runs against a fake cluster (the original's Run tests and the
probes: etcd and alertmanager exec, API health, metrics, the update graph)."""

from __future__ import annotations

from typing import Any

import pytest

from cad.clients.kube_exec import ExecTimeoutError
from cad.clients.models import ExecResult
from cad.config.investigation_config import load_default_config
from cad.errors import ServerError
from cad.investigations.clusterhealthcheck.investigation import ClusterHealthCheck
from cad.investigations.clusterhealthcheck.probes import ALERTS_COMMAND, ETCD_COMMAND
from cad.investigations.framework.base import Result
from cad.investigations.framework.errors import ClusterLookupError
from cad.investigations.registry import REGISTRY
from cad.testing.readers import FakeWorld, cluster

from .helpers import note_text, types

ETCD_OK = "https://10.0.0.1:2379 is healthy: successfully committed proposal: took = 9ms"
READY = {"conditions": [{"type": "Ready", "status": "True"}]}


def o(kind: str, name: str, namespace: str = "", **fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
    meta["labels"] = fields.pop("labels", {})
    return {"kind": kind, "metadata": meta, **fields}


def running(name: str, namespace: str, labels: dict[str, str], *containers: str) -> dict[str, Any]:
    return o(
        "Pod",
        name,
        namespace,
        labels=labels,
        spec={"containers": [{"name": c} for c in containers]},
        status={"phase": "Running", **READY},
    )


def healthy_objects() -> list[dict[str, Any]]:
    sizes = {
        "capacity": {"cpu": "4", "memory": "16Gi"},
        "allocatable": {"cpu": "4", "memory": "15Gi"},
    }
    return [
        o("ClusterOperator", "dns", status={"conditions": [{"type": "Available", "status": "True"}]}),
        running("apiserver-1", "openshift-apiserver", {"app": "openshift-apiserver-a"}, "a"),
        running("kube-apiserver-1", "openshift-kube-apiserver", {"app": "openshift-kube-apiserver"}, "k"),
        running("etcd-m1", "openshift-etcd", {"app": "etcd"}, "etcdctl", "etcd"),
        running("alertmanager-main-0", "openshift-monitoring", {"app.kubernetes.io/name": "alertmanager"}, "alertmanager"),
        o("MachineConfigPool", "worker", status={"conditions": []}),
        o("Node", "w1", spec={}, status={**READY, **sizes}),
        o("NodeMetrics", "w1", usage={"cpu": "1", "memory": "2Gi"}),
        o(
            "ClusterVersion",
            "version",
            spec={"channel": "stable-4.16"},
            status={"history": [{"state": "Completed", "version": "4.16.5"}], "conditions": []},
        ),
    ]  # fmt: skip


def healthy_world(**cluster_fields: Any) -> FakeWorld:
    world = FakeWorld(cluster=cluster(**cluster_fields), objects=healthy_objects())
    world.answer_exec("openshift-etcd", "etcd-m1", ETCD_COMMAND, ExecResult(stdout=ETCD_OK + "\n"))
    world.answer_exec(
        "openshift-monitoring", "alertmanager-main-0", ALERTS_COMMAND, ExecResult(stdout="[]")
    )
    world.graph_channels = {"stable-4.17": ["4.17.0"], "stable-4.18": ["4.18.0"]}
    return world


def run(world: FakeWorld) -> Result:
    return ClusterHealthCheck().run(world.resources("clusterhealthcheck"))


def warnings(result: Result) -> list[str]:
    return [line for line in note_text(result).splitlines() if line.startswith("⚠️")]


def test_the_investigation_is_manual_only_and_registered_last() -> None:
    assert REGISTRY.names()[-1] == "clusterhealthcheck"
    assert ClusterHealthCheck.description
    config = load_default_config(known=REGISTRY.names())
    routed = {e.name for alert in config.alerts for e in alert.investigations}
    assert "clusterhealthcheck" not in routed


def test_a_healthy_cluster_gets_a_report_and_a_note_of_successes() -> None:
    world = healthy_world()
    result = run(world)
    assert types(result) == ["backplane_report", "pagerduty_note"]
    text = note_text(result)
    assert warnings(result) == []
    for expected in (
        "Cluster Operators: all 1 operators are healthy",
        "API Server Health: all endpoints healthy",
        "OpenShift API Server Pods: all 1 pods are Ready",
        "Kube API Server Pods: all 1 pods are Ready",
        f"ETCD Status:\n{ETCD_OK}",
        "MachineConfigPools: all 1 pools are healthy",
        "Pending CSRs: none",
        "Nodes: all 1 nodes are Ready and healthy",
        "Capacity: all 1 nodes have less than 80% CPU and Memory pre-allocation",
        "w1: CPU 25%, Memory 13% (2Gi/16Gi)",
        "Firing Alerts: none",
        "Cluster Version: 4.16.5",
        "Failing Pods: none",
        "Restrictive PDBs: none",
        "Events: no non-normal events",
    ):
        assert expected in text, expected
    assert world.exec_calls == [
        ("openshift-etcd", "etcd-m1", tuple(ETCD_COMMAND)),
        ("openshift-monitoring", "alertmanager-main-0", tuple(ALERTS_COMMAND)),
    ]


def test_an_hcp_cluster_skips_the_control_plane_checks() -> None:
    world = healthy_world(hcp=True)
    result = run(world)
    text = note_text(result)
    assert "This is an HCP cluster - some checks may differ" in text
    assert "API Server Pods: skipped" in text
    assert "ETCD Status: skipped" in text
    assert "MachineConfigPools: skipped" in text
    assert [call[1] for call in world.exec_calls] == ["alertmanager-main-0"]


def test_a_cluster_whose_api_cannot_be_reached_gets_the_access_note_only() -> None:
    world = healthy_world()
    world.fail["kube_client"] = ServerError("down", system="backplane", endpoint="POST /x")
    result = run(world)
    assert types(result) == ["pagerduty_note"]
    assert "unable to access cluster's kube-api" in note_text(result)


def test_a_cluster_that_cannot_be_read_from_ocm_is_an_error() -> None:
    world = healthy_world()
    world.fail["find_cluster"] = ServerError("down", system="ocm", endpoint="GET /clusters")
    with pytest.raises(ClusterLookupError):
        run(world)


def test_unhealthy_etcd_shows_what_etcdctl_printed() -> None:
    world = healthy_world()
    world.exec_answers.clear()
    unhealthy = "https://10.0.0.2:2379 is unhealthy: failed to commit proposal"
    world.answer_exec(
        "openshift-etcd", "etcd-m1", ETCD_COMMAND, ExecResult(stdout=unhealthy, exit_code=1)
    )
    text = note_text(run(world))
    assert f"ETCD Status:\n{unhealthy}" in text
    assert "check failed" not in text


def test_an_etcd_probe_that_times_out_is_a_warning_and_the_other_checks_still_run() -> None:
    world = healthy_world()
    world.exec_answers.clear()
    timeout = ExecTimeoutError("no answer within 30s", system="kubernetes", endpoint="GET x")
    world.answer_exec("openshift-etcd", "etcd-m1", ETCD_COMMAND, timeout)
    result = run(world)
    assert any("ETCD Status: check failed - failed to exec etcdctl" in w for w in warnings(result))
    assert "Firing Alerts: failed to fetch" in note_text(result)  # no answer for alerts either
    assert "Events: no non-normal events" in note_text(result)


def test_firing_alerts_are_read_from_alertmanager() -> None:
    world = healthy_world()
    world.exec_answers.pop()
    answer = (
        '[{"labels": {"alertname": "KubeNodeNotReady", "severity": "warning"},'
        ' "annotations": {"summary": "Node is not ready"}, "status": {"state": "active"}}]'
    )
    world.answer_exec(
        "openshift-monitoring", "alertmanager-main-0", ALERTS_COMMAND, ExecResult(stdout=answer)
    )
    assert (
        "Firing Alerts: 1 firing alert(s):\n  [warning] KubeNodeNotReady - Node is not ready"
        in note_text(run(world))
    )


def test_no_running_alertmanager_is_a_warning() -> None:
    world = healthy_world()
    world.objects = [
        obj for obj in world.objects if obj["metadata"]["name"] != "alertmanager-main-0"
    ]
    assert (
        "Firing Alerts: failed to fetch - no running alertmanager pods found in "
        "openshift-monitoring" in note_text(run(world))
    )


def test_a_cluster_more_than_two_minors_behind_is_end_of_life() -> None:
    world = healthy_world()
    world.graph_channels = {f"stable-4.{m}": [f"4.{m}.0"] for m in (17, 18, 19)}
    assert (
        "Cluster Version: 4.16.5 - EOL: cluster version 4.16.5 is more than 2 minor versions "
        "behind latest available (stable-4.19)" in note_text(run(world))
    )
    assert world.calls.count("update_graph") == 4  # 4.17, 4.18, 4.19 and the empty 4.20


def test_an_update_graph_failure_skips_the_eol_check_only() -> None:
    world = healthy_world()
    world.fail["update_graph"] = ServerError("down", system="update-graph", endpoint="GET /graph")
    result = run(world)
    assert "Cluster Version: 4.16.5" in note_text(result)
    assert "EOL" not in note_text(result)


def test_failed_api_health_and_missing_metrics_are_warnings() -> None:
    world = healthy_world()
    world.health_answers["readyz"] = ServerError(
        "[-]etcd failed", system="kubernetes", endpoint="GET /readyz", status=500
    )
    world.objects = [obj for obj in world.objects if obj["kind"] != "NodeMetrics"]
    text = note_text(run(world))
    assert "API Server Health: healthz=ok, livez=ok, readyz=error: " in text
    assert "Capacity Utilization: no node metrics available" in text


def test_list_failures_are_warnings_and_still_give_a_report() -> None:
    world = healthy_world()
    world.fail["kube_list"] = ServerError("down", system="kubernetes", endpoint="LIST x")
    result = run(world)
    assert types(result) == ["backplane_report", "pagerduty_note"]
    assert "Cluster Operators: failed to list - " in note_text(result)
    assert "Nodes: failed to list - " in note_text(result)
