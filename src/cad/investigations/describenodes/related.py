"""The objects a node's description shows besides the node: its pods, its events and its
lease. A few nodes are read one by one (field selectors, as kubectl does); many nodes with
three listings in all, so describing a large cluster costs three calls, not three per node."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cad.clients.kube import KINDS
from cad.errors import ClientError, NotFoundError
from cad.investigations.describenodes.models import Event, Lease, Pod
from cad.investigations.framework.readers import KubeRead

__all__ = ["PER_NODE_LIMIT", "Related", "RelatedReader"]

PER_NODE_LIMIT = 5
LEASE_NAMESPACE = "kube-node-lease"

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Related:
    """A node's pods, events and lease (``None`` when it has none)."""

    pods: list[Pod]
    events: list[Event]
    lease: Lease | None


@dataclass
class RelatedReader:
    """Reads what a node's description needs; :meth:`for_node` raises the ``ClientError``
    that kept it from reading them."""

    kube: KubeRead
    node_count: int
    _bulk: tuple[list[Pod], list[Event], list[Lease]] | ClientError | None = field(
        default=None, init=False
    )

    def for_node(self, name: str) -> Related:
        if self.node_count <= PER_NODE_LIMIT:
            return self._one(name)
        pods, events, leases = self._all()
        return Related(
            pods=[p for p in pods if p.spec.node_name == name],
            events=[e for e in events if _about(e, name)],
            lease=next((lease for lease in leases if _lease_of(lease, name)), None),
        )

    def _one(self, name: str) -> Related:
        pods = _parsed(Pod, self.kube.list(KINDS["Pod"], fields={"spec.nodeName": name}))
        events = _parsed(
            Event,
            self.kube.list(
                KINDS["Event"], fields={"involvedObject.kind": "Node", "involvedObject.name": name}
            ),
        )
        try:
            lease: Lease | None = Lease.model_validate(
                self.kube.get(KINDS["Lease"], name, namespace=LEASE_NAMESPACE)
            )
        except (NotFoundError, ValidationError):
            lease = None
        return Related(
            pods=[p for p in pods if p.spec.node_name == name],
            events=[e for e in events if _about(e, name)],
            lease=lease,
        )

    def _all(self) -> tuple[list[Pod], list[Event], list[Lease]]:
        if self._bulk is None:
            try:
                self._bulk = (
                    _parsed(Pod, self.kube.list(KINDS["Pod"])),
                    _parsed(
                        Event,
                        self.kube.list(KINDS["Event"], fields={"involvedObject.kind": "Node"}),
                    ),
                    _parsed(Lease, self.kube.list(KINDS["Lease"], namespace=LEASE_NAMESPACE)),
                )
            except ClientError as exc:
                self._bulk = exc
        if isinstance(self._bulk, ClientError):
            raise self._bulk
        return self._bulk


def _lease_of(lease: Lease, node: str) -> bool:
    return lease.metadata.name == node and lease.metadata.namespace in ("", LEASE_NAMESPACE)


def _about(event: Event, node: str) -> bool:
    return event.involved_object.kind == "Node" and event.involved_object.name == node


def _parsed(model: type[_M], objects: list[dict[str, Any]]) -> list[_M]:
    """The objects that parse; a malformed pod or event must not hide the node."""
    parsed = []
    for obj in objects:
        try:
            parsed.append(model.model_validate(obj))
        except ValidationError:
            continue
    return parsed
