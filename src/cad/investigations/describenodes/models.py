"""The parts of Nodes, Pods, Events and Leases a node description shows, parsed from the
API's plain dicts (unknown fields ignored)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cad.investigations.framework.kube_models import KubeModel

__all__ = ["Event", "Lease", "Node", "Pod"]


class Metadata(KubeModel):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: datetime | None = Field(default=None, alias="creationTimestamp")


class Taint(KubeModel):
    key: str = ""
    value: str = ""
    effect: str = ""

    def __str__(self) -> str:
        return (
            f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"
        )


class NodeSpec(KubeModel):
    taints: list[Taint] = Field(default_factory=list)
    unschedulable: bool = False
    provider_id: str = Field(default="", alias="providerID")


class NodeCondition(KubeModel):
    type: str = ""
    status: str = ""
    last_heartbeat_time: datetime | None = Field(default=None, alias="lastHeartbeatTime")
    last_transition_time: datetime | None = Field(default=None, alias="lastTransitionTime")
    reason: str = ""
    message: str = ""


class NodeAddress(KubeModel):
    type: str = ""
    address: str = ""


class NodeSystemInfo(KubeModel):
    machine_id: str = Field(default="", alias="machineID")
    kernel_version: str = Field(default="", alias="kernelVersion")
    os_image: str = Field(default="", alias="osImage")
    container_runtime_version: str = Field(default="", alias="containerRuntimeVersion")
    kubelet_version: str = Field(default="", alias="kubeletVersion")
    architecture: str = ""


class NodeStatus(KubeModel):
    conditions: list[NodeCondition] = Field(default_factory=list)
    addresses: list[NodeAddress] = Field(default_factory=list)
    capacity: dict[str, str] = Field(default_factory=dict)
    allocatable: dict[str, str] = Field(default_factory=dict)
    node_info: NodeSystemInfo = Field(default_factory=NodeSystemInfo, alias="nodeInfo")


class Node(KubeModel):
    """A core/v1 Node."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)

    @property
    def name(self) -> str:
        return self.metadata.name


class PodSpec(KubeModel):
    node_name: str = Field(default="", alias="nodeName")


class PodStatus(KubeModel):
    phase: str = ""


class Pod(KubeModel):
    """A core/v1 Pod."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)


class ObjectReference(KubeModel):
    kind: str = ""
    name: str = ""


class EventSource(KubeModel):
    component: str = ""
    host: str = ""


class Event(KubeModel):
    """A core/v1 Event."""

    metadata: Metadata = Field(default_factory=Metadata)
    involved_object: ObjectReference = Field(
        default_factory=ObjectReference, alias="involvedObject"
    )
    type: str = ""
    reason: str = ""
    message: str = ""
    count: int = 0
    source: EventSource = Field(default_factory=EventSource)
    reporting_component: str = Field(default="", alias="reportingComponent")
    first_timestamp: datetime | None = Field(default=None, alias="firstTimestamp")
    last_timestamp: datetime | None = Field(default=None, alias="lastTimestamp")
    event_time: datetime | None = Field(default=None, alias="eventTime")

    @property
    def last_seen(self) -> datetime | None:
        return self.last_timestamp or self.event_time or self.first_timestamp

    @property
    def first_seen(self) -> datetime | None:
        return self.first_timestamp or self.event_time or self.last_timestamp


class LeaseSpec(KubeModel):
    holder_identity: str = Field(default="", alias="holderIdentity")
    acquire_time: datetime | None = Field(default=None, alias="acquireTime")
    renew_time: datetime | None = Field(default=None, alias="renewTime")


class Lease(KubeModel):
    """A coordination.k8s.io/v1 Lease (``kube-node-lease/<node>``)."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: LeaseSpec = Field(default_factory=LeaseSpec)
