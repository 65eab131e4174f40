"""The parts of Nodes, Pods, Events and Leases a node description shows, parsed from the
API's plain dicts (unknown fields ignored)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Event", "Lease", "Node", "Pod"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Metadata(_Model):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: datetime | None = Field(default=None, alias="creationTimestamp")


class Taint(_Model):
    key: str = ""
    value: str = ""
    effect: str = ""

    def __str__(self) -> str:
        return (
            f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"
        )


class NodeSpec(_Model):
    taints: list[Taint] = Field(default_factory=list)
    unschedulable: bool = False
    provider_id: str = Field(default="", alias="providerID")


class NodeCondition(_Model):
    type: str = ""
    status: str = ""
    last_heartbeat_time: datetime | None = Field(default=None, alias="lastHeartbeatTime")
    last_transition_time: datetime | None = Field(default=None, alias="lastTransitionTime")
    reason: str = ""
    message: str = ""


class NodeAddress(_Model):
    type: str = ""
    address: str = ""


class NodeSystemInfo(_Model):
    machine_id: str = Field(default="", alias="machineID")
    kernel_version: str = Field(default="", alias="kernelVersion")
    os_image: str = Field(default="", alias="osImage")
    container_runtime_version: str = Field(default="", alias="containerRuntimeVersion")
    kubelet_version: str = Field(default="", alias="kubeletVersion")
    architecture: str = ""


class NodeStatus(_Model):
    conditions: list[NodeCondition] = Field(default_factory=list)
    addresses: list[NodeAddress] = Field(default_factory=list)
    capacity: dict[str, str] = Field(default_factory=dict)
    allocatable: dict[str, str] = Field(default_factory=dict)
    node_info: NodeSystemInfo = Field(default_factory=NodeSystemInfo, alias="nodeInfo")


class Node(_Model):
    """A core/v1 Node."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)

    @property
    def name(self) -> str:
        return self.metadata.name


class PodSpec(_Model):
    node_name: str = Field(default="", alias="nodeName")


class PodStatus(_Model):
    phase: str = ""


class Pod(_Model):
    """A core/v1 Pod."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)


class ObjectReference(_Model):
    kind: str = ""
    name: str = ""


class EventSource(_Model):
    component: str = ""
    host: str = ""


class Event(_Model):
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


class LeaseSpec(_Model):
    holder_identity: str = Field(default="", alias="holderIdentity")
    acquire_time: datetime | None = Field(default=None, alias="acquireTime")
    renew_time: datetime | None = Field(default=None, alias="renewTime")


class Lease(_Model):
    """A coordination.k8s.io/v1 Lease (``kube-node-lease/<node>``)."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: LeaseSpec = Field(default_factory=LeaseSpec)
