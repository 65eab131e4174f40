"""Kubernetes objects and helpers for the describenodes tests."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from cad.actions import BackplaneReport
from cad.investigations.describenodes.investigation import DescribeNodes
from cad.testing.readers import NOW, FakeWorld

WORKER = {"node-role.kubernetes.io/worker": ""}
MASTER = {"node-role.kubernetes.io/master": ""}
INFRA = {
    "node-role.kubernetes.io/infra": "",
    "node-role.kubernetes.io": "infra",
    "node-role.kubernetes.io/worker": "",
}


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_object(name: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "creationTimestamp": iso(600)},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": iso(1),
                    "lastTransitionTime": iso(500),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            ],
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "250"},
            "allocatable": {"cpu": "3500m", "memory": "15Gi", "pods": "250"},
        },
    }
    obj.update(extra)
    return obj


def pod_object(name: str, node: str, phase: str = "Running", ns: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": iso(30)},
        "spec": {"nodeName": node},
        "status": {"phase": phase},
    }


def event_object(node: str, reason: str, kind: str = "Warning", count: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{node}.{reason}", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": node},
        "type": kind,
        "reason": reason,
        "message": f"{reason} happened",
        "count": count,
        "source": {"component": "kubelet"},
        "firstTimestamp": iso(20),
        "lastTimestamp": iso(3),
    }


def lease_object(node: str) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": node, "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": node, "renewTime": "2026-11-29T09:59:50.000000Z"},
    }


STANDARD = [
    node_object("worker-1", WORKER),
    node_object("worker-2", WORKER),
    node_object("master-1", MASTER),
    node_object("infra-1", INFRA),
]


def run(world: FakeWorld, **params: str):  # type: ignore[no-untyped-def]
    return DescribeNodes().run(world.resources("describenodes", params=params))


def report_of(result: Any) -> BackplaneReport:
    report = result.actions[0]
    assert isinstance(report, BackplaneReport)
    return report


def described(result: Any) -> list[str]:
    return re.findall(r"^Name:\s+(\S+)$", report_of(result).data, flags=re.MULTILINE)
