"""The parts of Machines, MachineHealthChecks and Nodes this investigation reads, parsed from
the API's plain dicts (unknown fields ignored)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cad.investigations.framework.kube_models import KubeModel
from cad.investigations.framework.labels import LabelSelector, SelectorError

__all__ = [
    "Condition",
    "LabelSelector",
    "Machine",
    "MachineHealthCheck",
    "Node",
    "SelectorError",
    "Taint",
]


class Metadata(KubeModel):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    deletion_timestamp: datetime | None = Field(default=None, alias="deletionTimestamp")


class Condition(KubeModel):
    type: str = ""
    status: str = ""
    last_heartbeat_time: datetime | None = Field(default=None, alias="lastHeartbeatTime")


class MachineHealthCheckSpec(KubeModel):
    selector: LabelSelector = Field(default_factory=LabelSelector)


class MachineHealthCheckStatus(KubeModel):
    conditions: list[Condition] = Field(default_factory=list)


class MachineHealthCheck(KubeModel):
    """A ``machine.openshift.io/v1beta1`` MachineHealthCheck."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: MachineHealthCheckSpec = Field(default_factory=MachineHealthCheckSpec)
    status: MachineHealthCheckStatus = Field(default_factory=MachineHealthCheckStatus)

    @property
    def name(self) -> str:
        return self.metadata.name


class NodeRef(KubeModel):
    name: str = ""


class MachineStatus(KubeModel):
    phase: str | None = None
    error_reason: str | None = Field(default=None, alias="errorReason")
    error_message: str | None = Field(default=None, alias="errorMessage")
    node_ref: NodeRef | None = Field(default=None, alias="nodeRef")


class Machine(KubeModel):
    """A ``machine.openshift.io/v1beta1`` Machine."""

    metadata: Metadata = Field(default_factory=Metadata)
    status: MachineStatus = Field(default_factory=MachineStatus)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def node_name(self) -> str:
        """The name of the machine's node ("" when it has none)."""
        return self.status.node_ref.name if self.status.node_ref else ""


class Taint(KubeModel):
    key: str = ""
    value: str = ""
    effect: str = ""
    time_added: datetime | None = Field(default=None, alias="timeAdded")


class NodeSpec(KubeModel):
    taints: list[Taint] = Field(default_factory=list)


class NodeStatus(KubeModel):
    conditions: list[Condition] = Field(default_factory=list)


class Node(KubeModel):
    """A core/v1 Node."""

    metadata: Metadata = Field(default_factory=Metadata)
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)

    @property
    def name(self) -> str:
        return self.metadata.name
