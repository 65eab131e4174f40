"""pdbblockingnodedrain: which PodDisruptionBudgets keep the nodes of an HCP upgrade from
draining, who owns them, and whether scaling would unblock them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cad.actions import NoteWriter, escalate, note_and_report_from
from cad.clients.kube import KINDS
from cad.errors import ClientError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.findings import cluster_unreachable
from cad.investigations.framework.readers import KubeRead
from cad.investigations.framework.resources import Resources
from cad.investigations.pdbblockingnodedrain.checks import (
    NO_STALLED_NODES,
    NO_STALLED_NODES_REASON,
    STALLED_REASON,
    Line,
    blocking_pdb_lines,
    blocking_pdbs,
    draining_node_lines,
    draining_nodes,
    node_health,
    scaling_lines,
    workload_owner,
)
from cad.investigations.pdbblockingnodedrain.models import Node, Pdb, Pod, ReplicaSet


class PdbBlockingNodeDrain(Investigation):
    """Finds the PDBs blocking stalled node drains; always escalates with the findings."""

    name = "pdbblockingnodedrain"
    description = "Investigates PodDisruptionBudgets blocking node drain during cluster upgrades"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return cluster_unreachable(notes, error)
        now = resources.now()
        nodes = [Node.parse(o) for o in _list(kube, "Node", "nodes")]
        draining = draining_nodes(nodes, now)
        _write(notes, draining_node_lines(draining))
        stalled = {n.name for n in draining if n.stalled}
        if not stalled:
            notes.success(NO_STALLED_NODES)
            return Result(
                actions=[
                    *note_and_report_from(notes, cluster.id, self.name, now=now),
                    escalate(NO_STALLED_NODES_REASON),
                ]
            )
        pdbs = [Pdb.parse(o) for o in _list(kube, "PodDisruptionBudget", "poddisruptionbudgets")]
        pods = [Pod.parse(o) for o in _list(kube, "Pod", "pods")]
        owners = _Owners(kube)
        blocking, problems = blocking_pdbs(pdbs, pods, stalled, owners.of)
        _write(notes, [*problems, *blocking_pdb_lines(blocking)])
        health, unhealthy = node_health(nodes)
        _write(notes, health)
        _write(notes, scaling_lines(blocking, unhealthy))
        return Result(
            actions=[
                *note_and_report_from(notes, cluster.id, self.name, now=now),
                escalate(STALLED_REASON),
            ]
        )


def _list(kube: KubeRead, kind: str, what: str) -> list[dict[str, Any]]:
    try:
        return kube.list(KINDS[kind])
    except ClientError as exc:
        raise InfrastructureError(f"K8s API failure listing {what}", exc) from exc


def _write(notes: NoteWriter, lines: Iterable[Line]) -> None:
    for kind, text in lines:
        if kind == "success":
            notes.success(text)
        else:
            notes.warning(text)


class _Owners:
    """Pods' workloads, reading each ReplicaSet once. A ReplicaSet that cannot be read
    leaves the pod's owner as the ReplicaSet itself, as the original does."""

    def __init__(self, kube: KubeRead) -> None:
        self._kube = kube
        self._replica_sets: dict[tuple[str, str], ReplicaSet | None] = {}

    def of(self, pod: Pod) -> str:
        owner = pod.owners[0] if pod.owners else None
        if owner is None or owner.kind != "ReplicaSet":
            return workload_owner(pod, None)
        key = (pod.namespace, owner.name)
        if key not in self._replica_sets:
            try:
                obj = self._kube.get(KINDS["ReplicaSet"], owner.name, namespace=pod.namespace)
                self._replica_sets[key] = ReplicaSet.parse(obj)
            except ClientError:
                self._replica_sets[key] = None
        return workload_owner(pod, self._replica_sets[key])
