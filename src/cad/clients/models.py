"""Plain data models shared by clients, executor and investigations (no I/O here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

__all__ = [
    "KINDS",
    "AgentAnswer",
    "CloudTrailEvent",
    "ExecResult",
    "IncidentState",
    "Instance",
    "Kind",
    "LimitedSupportReasonEntry",
    "RestConfig",
    "ServiceLogEntry",
    "UpdateGraph",
    "parse_stop_time",
]


class ServiceLogEntry(BaseModel):
    """A service log as OCM lists it."""

    model_config = ConfigDict(frozen=True)

    summary: str
    description: str = ""
    severity: str = ""
    service_name: str = ""
    log_type: str = ""
    internal_only: bool = False
    timestamp: datetime | None = None


class LimitedSupportReasonEntry(BaseModel):
    """A limited-support reason as OCM lists it."""

    model_config = ConfigDict(frozen=True)

    id: str
    summary: str
    details: str = ""


class IncidentState(BaseModel):
    """What the executor needs to know of an incident before changing it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    status: str  # triggered | acknowledged | resolved
    escalation_policy_id: str


class ExecResult(BaseModel):
    """What a command run inside a pod printed, and how it ended."""

    model_config = ConfigDict(frozen=True)

    stdout: str
    stderr: str = ""
    exit_code: int = 0
    protocol: str = ""

    @property
    def ok(self) -> bool:
        """Whether the command exited with status 0."""
        return self.exit_code == 0


class UpdateGraph(BaseModel):
    """One channel of the OpenShift update graph: its release versions (the graph's nodes,
    in its order) and edges (index pairs: an update from one release to another)."""

    model_config = ConfigDict(frozen=True)

    channel: str
    versions: list[str] = []
    edges: list[tuple[int, int]] = []


class Kind(BaseModel):
    """A Kubernetes resource kind: its API group, version, kind, plural, and whether it is
    namespaced (the table of known kinds is ``cad.clients.kube.KINDS``)."""

    model_config = ConfigDict(frozen=True)

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool


def _kind(group: str, version: str, kind: str, plural: str, namespaced: bool) -> Kind:
    return Kind(group=group, version=version, kind=kind, plural=plural, namespaced=namespaced)


_KIND_TABLE = [
    ("config.openshift.io", "v1", "ClusterOperator", "clusteroperators", False),
    ("config.openshift.io", "v1", "ClusterVersion", "clusterversions", False),
    ("", "v1", "Node", "nodes", False),
    ("", "v1", "Pod", "pods", True),
    ("", "v1", "Event", "events", True),
    ("", "v1", "Secret", "secrets", True),
    ("", "v1", "Namespace", "namespaces", False),
    ("machine.openshift.io", "v1beta1", "Machine", "machines", True),
    ("machine.openshift.io", "v1beta1", "MachineHealthCheck", "machinehealthchecks", True),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True),
    ("hypershift.openshift.io", "v1beta1", "HostedCluster", "hostedclusters", True),
    ("", "v1", "ConfigMap", "configmaps", True),
    ("coordination.k8s.io", "v1", "Lease", "leases", True),
    ("apps", "v1", "Deployment", "deployments", True),
    ("apps", "v1", "StatefulSet", "statefulsets", True),
    ("apps", "v1", "ReplicaSet", "replicasets", True),
    ("batch", "v1", "Job", "jobs", True),
    ("config.openshift.io", "v1", "APIServer", "apiservers", False),
    ("config.openshift.io", "v1", "Ingress", "ingresses", False),
    ("operator.openshift.io", "v1", "IngressController", "ingresscontrollers", True),
    ("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", False),
    ("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", True),
    ("machineconfiguration.openshift.io", "v1", "MachineConfigPool", "machineconfigpools", False),
    ("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", False),
    # What a must-gather creates (and the image stream it takes its image from).
    ("", "v1", "ServiceAccount", "serviceaccounts", True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    ("image.openshift.io", "v1", "ImageStream", "imagestreams", True),
]
KINDS: dict[str, Kind] = {row[2]: _kind(*row) for row in _KIND_TABLE}


class RestConfig(BaseModel):
    """Where and how to reach a cluster's Kubernetes API through backplane."""

    model_config = ConfigDict(frozen=True)

    host: str
    token: str
    remediation_id: str = ""

    def __repr__(self) -> str:  # never show the token
        return f"RestConfig(host={self.host!r}, remediation_id={self.remediation_id!r})"


_STOP_TIME = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ?([A-Za-z]{1,5})?\)")
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "IST": 5.5, "JST": 9, "AEST": 10, "AEDT": 11, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}  # fmt: skip


def parse_stop_time(reason: str) -> datetime | None:
    """The time in a ``StateTransitionReason`` such as ``User initiated (2026-11-29 09:42:07
    GMT)``; AWS writes GMT, moto UTC, some regions other abbreviations. ``None`` if absent;
    an unknown abbreviation is read as UTC."""
    match = _STOP_TIME.search(reason or "")
    if not match:
        return None
    hours = _ZONES.get((match.group(2) or "UTC").upper(), 0)
    zone = timezone(timedelta(hours=hours))
    return (
        datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).astimezone(UTC)
    )


class Instance(BaseModel):
    """An EC2 instance of the cluster."""

    model_config = ConfigDict(frozen=True)

    id: str
    state: str
    name: str = ""
    state_transition_reason: str = ""

    @property
    def stopped_at(self) -> datetime | None:
        """When it was stopped or terminated, from its state-transition reason."""
        return parse_stop_time(self.state_transition_reason)


class CloudTrailEvent(BaseModel):
    """A CloudTrail management event (LookupEvents)."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    event_name: str
    event_time: datetime
    username: str = ""
    resource_names: list[str] = []
    cloudtrail_event: str = ""


class AgentAnswer(BaseModel):
    """What the AI agent answered: its whole streamed text (``data: `` prefixes removed) and
    the runtime session it answered in (the original's ``cad-<incident>-<unix>-<hex>``)."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    text: str
