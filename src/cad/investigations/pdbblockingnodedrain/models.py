"""The few fields of Nodes, Pods, PodDisruptionBudgets and ReplicaSets this investigation
reads, parsed from the API's plain dicts (unknown fields ignored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field

from cad.investigations.framework.kube_models import KubeModel
from cad.investigations.framework.labels import LabelSelector

__all__ = [
    "BlockingPdb",
    "LabelSelector",
    "Node",
    "OwnerReference",
    "Pdb",
    "Pod",
    "ReplicaSet",
    "Taint",
]


class OwnerReference(KubeModel):
    kind: str = ""
    name: str = ""


class Metadata(KubeModel):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: datetime | None = Field(default=None, alias="creationTimestamp")
    owner_references: list[OwnerReference] = Field(default_factory=list, alias="ownerReferences")


class Taint(KubeModel):
    key: str = ""
    effect: str = ""
    time_added: datetime | None = Field(default=None, alias="timeAdded")


class NodeCondition(KubeModel):
    type: str = ""
    status: str = ""


class Node(KubeModel):
    """A node: its name, creation time, taints and conditions."""

    name: str
    created: datetime | None = None
    taints: tuple[Taint, ...] = ()
    conditions: tuple[NodeCondition, ...] = ()

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> Node:
        meta = Metadata.model_validate(obj.get("metadata") or {})
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        return cls(
            name=meta.name,
            created=meta.creation_timestamp,
            taints=tuple(Taint.model_validate(t) for t in spec.get("taints") or []),
            conditions=tuple(
                NodeCondition.model_validate(c) for c in status.get("conditions") or []
            ),
        )


class Pod(KubeModel):
    """A pod: where it runs, its labels and its owners."""

    name: str
    namespace: str
    node_name: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    owners: tuple[OwnerReference, ...] = ()

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> Pod:
        meta = Metadata.model_validate(obj.get("metadata") or {})
        spec = obj.get("spec") or {}
        return cls(
            name=meta.name,
            namespace=meta.namespace,
            node_name=str(spec.get("nodeName") or ""),
            labels=meta.labels,
            owners=tuple(meta.owner_references),
        )


class Pdb(KubeModel):
    """A PodDisruptionBudget: its selector, its constraint and its status counts.

    ``min_available``/``max_unavailable`` are the API's int-or-string as text ("2", "50%"),
    "" when unset. A missing selector selects no pod (policy/v1)."""

    name: str
    namespace: str
    selector: LabelSelector | None = None
    min_available: str = ""
    max_unavailable: str = ""
    disruptions_allowed: int = 0
    current_healthy: int = 0
    expected_pods: int = 0

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> Pdb:
        meta = Metadata.model_validate(obj.get("metadata") or {})
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        selector = spec.get("selector")
        return cls(
            name=meta.name,
            namespace=meta.namespace,
            selector=LabelSelector.model_validate(selector) if selector is not None else None,
            min_available=_int_or_string(spec.get("minAvailable")),
            max_unavailable=_int_or_string(spec.get("maxUnavailable")),
            disruptions_allowed=int(status.get("disruptionsAllowed") or 0),
            current_healthy=int(status.get("currentHealthy") or 0),
            expected_pods=int(status.get("expectedPods") or 0),
        )


class ReplicaSet(KubeModel):
    """A ReplicaSet's owners (a Deployment, usually)."""

    name: str
    owners: tuple[OwnerReference, ...] = ()

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> ReplicaSet:
        meta = Metadata.model_validate(obj.get("metadata") or {})
        return cls(name=meta.name, owners=tuple(meta.owner_references))


def _int_or_string(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class BlockingPdb:
    """A PDB allowing no disruption that selects pods on stalled nodes: the pods, their
    workloads ("Kind/name", first seen first), and whether the platform owns it."""

    namespace: str
    name: str
    min_available: str
    max_unavailable: str
    current_healthy: int
    expected_pods: int
    matching_pods: tuple[str, ...]
    owners: tuple[str, ...]
    platform_managed: bool

    def constraint(self) -> str:
        """The PDB's constraint as the note shows it."""
        if self.min_available:
            return f"minAvailable: {self.min_available}"
        return f"maxUnavailable: {self.max_unavailable}"
