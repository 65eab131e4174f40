"""The simulated world a sandbox is seeded with: clusters and what OCM, AWS and the cluster
API know about them. The scenario files' ``world:`` section loads into these models.

Times are absolute (ISO 8601) or relative to the world's ``now``: ``-40m``, ``-3h``, ``-2d``,
``-30s``, ``+5m``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cad.simulators.kube_jobs import JobRunSpec
from cad.simulators.kube_mustgather import MustGatherSpec
from cad.simulators.world_network import NetworkSpec

__all__ = [
    "AgentSpec",
    "AwsSpec",
    "CloudTrailEventSpec",
    "ClusterSpec",
    "EgressSpec",
    "ExecSpec",
    "InstanceSpec",
    "KubernetesSpec",
    "LimitedSupportSpec",
    "MachinePoolSpec",
    "ManagementClusterSpec",
    "OwnerSpec",
    "RegistryCredentialSpec",
    "ServiceLogSpec",
    "UpdateGraphSpec",
    "WorldSpec",
    "resolve_time",
]

_RELATIVE = re.compile(r"^([+-])(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def resolve_time(value: str | datetime, now: datetime) -> datetime:
    """An absolute time from ``-40m``-style offsets or ISO 8601 text."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _RELATIVE.match(value.strip())
    if match:
        sign, amount, unit = match.groups()
        delta = timedelta(**{_UNITS[unit]: float(amount)})
        return now - delta if sign == "-" else now + delta
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_time(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a time: ISO 8601 or an offset such as -40m")
    resolve_time(value, datetime.now(UTC))  # raises ValueError when malformed
    return value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceLogSpec(_Spec):
    """A service log the cluster already has."""

    summary: str
    description: str = ""
    severity: str = "Info"
    service_name: str = "SREManualAction"
    log_type: str = "cluster-state-updates"
    timestamp: str | datetime = "-1d"

    _time = field_validator("timestamp")(_check_time)


class LimitedSupportSpec(_Spec):
    """A limited-support reason already active."""

    summary: str
    details: str = ""


class MachinePoolSpec(_Spec):
    """A machine pool: ``replicas`` or ``autoscaling: {min, max}``."""

    id: str
    replicas: int | None = None
    autoscaling: dict[Literal["min", "max"], int] | None = None


class InstanceSpec(_Spec):
    """An EC2 instance of the cluster in the customer's account."""

    id: str
    name: str = ""
    state: Literal["running", "pending", "stopped", "stopping", "terminated", "shutting-down"] = (
        "running"
    )
    stopped_at: str | datetime | None = None
    instance_type: str = "m5.xlarge"
    subnet: str | None = None
    security_groups: list[str] = []

    _time = field_validator("stopped_at")(_check_time)


class CloudTrailEventSpec(_Spec):
    """A StopInstances or TerminateInstances event. Either the identity fields, from which
    a realistic CloudTrailEvent record is built, or ``raw``: the record text, verbatim."""

    event_name: Literal["StopInstances", "TerminateInstances"] = "StopInstances"
    instance_id: str
    time: str | datetime = "-1m"
    username: str = ""
    issuer_username: str | None = None
    identity_type: str = "AssumedRole"
    event_version: str = "1.08"
    raw: str | None = None

    _time = field_validator("time")(_check_time)


class AwsSpec(NetworkSpec):
    """The cluster's AWS account as CAD sees it: instances, CloudTrail events and (the
    fields of :class:`NetworkSpec`) the network."""

    account_id: str | None = None
    region: str = "us-east-1"
    instances: list[InstanceSpec] = Field(default_factory=list)
    cloudtrail: list[CloudTrailEventSpec] = Field(default_factory=list)


class ExecSpec(_Spec):
    """What one command run in a pod answers (the pod must be among ``objects``). An empty
    ``container`` matches any container; ``hang`` never answers (the client times out)."""

    namespace: str = Field(min_length=1)
    pod: str = Field(min_length=1)
    container: str = ""
    command: list[str] = Field(min_length=1)
    stdout: str = ""
    stderr: str = ""
    exit_code: int = Field(default=0, ge=0, le=255)
    hang: bool = False


ExecProtocol = Literal["v5.channel.k8s.io", "v4.channel.k8s.io"]


class KubernetesSpec(_Spec):
    """The cluster's Kubernetes API: its objects, the answers of commands run in its pods
    (``exec``), the exec channel protocols it speaks (``exec_protocols``), node and pod
    metrics (``metrics``: NodeMetrics and PodMetrics objects, served under
    ``metrics.k8s.io/v1beta1`` like ``objects``), how the Jobs created there run
    (``jobs``: :class:`~cad.simulators.kube_jobs.JobRunSpec`) and how must-gathers go
    (``must_gather``: :mod:`cad.simulators.kube_mustgather`)."""

    unreachable: bool = False
    objects: list[dict[str, Any]] = []
    exec: list[ExecSpec] = []
    exec_protocols: list[ExecProtocol] = Field(
        default=["v5.channel.k8s.io", "v4.channel.k8s.io"], min_length=1
    )
    metrics: list[dict[str, Any]] = []
    health: dict[Literal["healthz", "livez", "readyz"], str] = {}
    jobs: list[JobRunSpec] = []
    must_gather: MustGatherSpec = MustGatherSpec()

    @field_validator("objects", "metrics")
    @classmethod
    def _objects_have_identity(cls, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for i, obj in enumerate(objects):
            name = (obj.get("metadata") or {}).get("name") if isinstance(obj, dict) else None
            if not (isinstance(obj, dict) and obj.get("apiVersion") and obj.get("kind") and name):
                raise ValueError(f"object {i} needs apiVersion, kind and metadata.name")
        return objects


class EgressSpec(_Spec):
    """What the egress (network) verification finds."""

    result: Literal["success", "failure", "error"] = "success"
    unreachable: list[str] = []
    error: str = ""


class RegistryCredentialSpec(_Spec):
    """One of the owner's OCM registry credentials (its registry's id derives from the name)."""

    registry: str = Field(min_length=1)
    username: str = ""
    token: str = ""


class OwnerSpec(_Spec):
    """The cluster's owner account."""

    id: str = "owner-1"
    email: str = "owner@example.com"
    banned: bool = False
    ban_code: str = ""
    ban_description: str = ""
    registry_credentials: list[RegistryCredentialSpec] = []


class ClusterSpec(_Spec):
    """One cluster and everything the simulators know about it."""

    id: str = Field(min_length=1)
    external_id: str = ""
    name: str = ""
    state: str = "ready"
    dns_ready: bool = True
    install_started: bool = True
    product: Literal["rosa", "osd"] = "rosa"
    cloud_provider: str = "aws"
    region: str = "us-east-1"
    ccs: bool = False
    hcp: bool = False
    infra_id: str = ""
    nodes: dict[str, int] = {"master": 3, "infra": 2}
    machine_pools: list[MachinePoolSpec] = [MachinePoolSpec(id="worker", replicas=2)]
    infra_cluster: bool | Literal["unknown"] = False
    access_protection: bool | Literal["error"] = False
    aws_access_error: str | None = None
    service_logs: list[ServiceLogSpec] = []
    limited_support_reasons: list[LimitedSupportSpec] = []
    aws: AwsSpec = AwsSpec()
    kubernetes: KubernetesSpec = KubernetesSpec()
    egress: EgressSpec = EgressSpec()
    organization_id: str = "org-1"
    owner: OwnerSpec = OwnerSpec()
    hcp_namespace: str = ""
    management_cluster: str = ""
    # OCM's dns.base_domain, network.machine_cidr, console.url and aws.private_link
    base_domain: str = "example.openshiftapps.com"
    machine_cidr: str = "10.0.0.0/16"
    console_url: str = ""
    private_link: bool = False

    def resolved_external_id(self) -> str:
        """The external id, derived from the internal id when not given."""
        if self.external_id:
            return self.external_id
        digits = "".join(f"{ord(c):02x}" for c in self.id)[:32].ljust(32, "0")
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:32]}"

    def resolved_name(self) -> str:
        """The cluster's name (defaults to ``cluster-<first 8 of id>``)."""
        return self.name or f"cluster-{self.id[:8]}"

    def resolved_console_url(self) -> str:
        """The console's URL (defaults to OpenShift's route on the cluster's apps domain)."""
        return self.console_url or (
            f"https://console-openshift-console.apps.{self.resolved_name()}.{self.base_domain}"
        )

    def resolved_infra_id(self) -> str:
        """The infra id (defaults to ``<name>-x7k2p``)."""
        return self.infra_id or f"{self.resolved_name()}-x7k2p"

    def account_id(self) -> str:
        """The customer's AWS account id (12 digits, derived from the cluster id if unset)."""
        if self.aws.account_id:
            return self.aws.account_id
        return str(int.from_bytes(self.id.encode()[:12].ljust(12, b"0"), "big") % 10**12).zfill(12)


class ManagementClusterSpec(_Spec):
    """An HCP management cluster: its name (what a hosted cluster's ``management_cluster``
    names; ``hs-mc-sim`` when that is empty) and its Kubernetes API, which backplane serves
    for each of its hosted clusters under ``managingCluster=management``."""

    name: str
    kubernetes: KubernetesSpec = KubernetesSpec()


class UpdateGraphSpec(_Spec):
    """The OpenShift update graph: channel name (``stable-4.16``) to its release versions."""

    channels: dict[str, list[str]] = {}


class AgentSpec(_Spec):
    """What the AI agent (the AgentCore runtime) answers. ``answer``: the Cora result (its
    ``investigation_id``, ``cluster_id`` and ``alert_name`` default to the request's), or
    ``raw``: the answer's text verbatim. ``double_encoded``: the JSON is sent as a JSON
    string, as AgentCore hands Cora's answer over. ``line_delay_ms``: a wait before each
    streamed line; ``stall_after_lines``: the stream stops there, the connection kept open.
    ``invoker_role_arn``: only this role's credentials are accepted (403 otherwise)."""

    answer: dict[str, Any] | None = None
    raw: str | None = None
    double_encoded: bool = True
    line_delay_ms: int = Field(default=0, ge=0, le=60_000)
    stall_after_lines: int | None = Field(default=None, ge=0)
    invoker_role_arn: str | None = None


class WorldSpec(_Spec):
    """Everything a sandbox is seeded with."""

    now: str | datetime | None = None
    clusters: list[ClusterSpec] = []
    management_clusters: list[ManagementClusterSpec] = []
    update_graph: UpdateGraphSpec = UpdateGraphSpec()
    # PagerDuty's escalation policies besides PORIGINAL and PSILENT: id -> number of levels.
    escalation_policies: dict[str, Annotated[int, Field(ge=1, le=20)]] = {}
    ai_agent: AgentSpec = AgentSpec()

    _time = field_validator("now")(_check_time)

    @field_validator("clusters")
    @classmethod
    def _unique_ids(cls, clusters: list[ClusterSpec]) -> list[ClusterSpec]:
        seen: set[str] = set()
        for cluster in clusters:
            if cluster.id in seen:
                raise ValueError(f"cluster id {cluster.id!r} appears twice")
            seen.add(cluster.id)
        return clusters
