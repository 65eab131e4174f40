"""Kubernetes objects for the machinehealthcheckunterminatedshortcircuitsre tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.models import (
    Machine,
    Node,
)
from cad.testing.readers import NOW

NS = "openshift-machine-api"
ROLE = "machine.openshift.io/cluster-api-machine-role"
WORKER_LABEL = "node-role.kubernetes.io/worker"


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def mhc_object(name: str = "test-mhc", *, allowed: str | None = "False") -> dict[str, Any]:
    conditions = [] if allowed is None else [{"type": "RemediationAllowed", "status": allowed}]
    return {
        "apiVersion": "machine.openshift.io/v1beta1",
        "kind": "MachineHealthCheck",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"selector": {"matchLabels": {"mhc-name": name}}},
        "status": {"conditions": conditions},
    }


def machine_object(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    reason: str | None = None,
    message: str | None = None,
    phase: str | None = None,
    node: str | None = None,
    deleting: bool = False,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": NS,
        "labels": {"mhc-name": "test-mhc", ROLE: "worker"} if labels is None else labels,
    }
    if deleting:
        metadata["deletionTimestamp"] = iso(30)
    status: dict[str, Any] = {}
    if phase:
        status["phase"] = phase
    if reason:
        status["errorReason"] = reason
    if message:
        status["errorMessage"] = message
    if node:
        status["nodeRef"] = {"kind": "Node", "name": node}
    return {
        "apiVersion": "machine.openshift.io/v1beta1",
        "kind": "Machine",
        "metadata": metadata,
        "status": status,
    }


def node_object(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    ready: str | None = "True",
    heartbeat_minutes_ago: float | None = 1,
    taints: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    conditions = []
    if ready is not None:
        condition: dict[str, Any] = {"type": "Ready", "status": ready}
        if heartbeat_minutes_ago is not None:
            condition["lastHeartbeatTime"] = iso(heartbeat_minutes_ago)
        conditions.append(condition)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {WORKER_LABEL: ""} if labels is None else labels},
        "spec": {"taints": taints or []},
        "status": {"conditions": conditions},
    }


def machine(name: str = "m", **kwargs: Any) -> Machine:
    return Machine.model_validate(machine_object(name, **kwargs))


def node(name: str = "n", **kwargs: Any) -> Node:
    return Node.model_validate(node_object(name, **kwargs))


def no_schedule(minutes_ago: float | None) -> dict[str, Any]:
    taint: dict[str, Any] = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    if minutes_ago is not None:
        taint["timeAdded"] = iso(minutes_ago)
    return taint
