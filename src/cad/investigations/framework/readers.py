"""The read-only protocols investigations see. They have no write methods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from cad.clients.aws_models import (
    ClassicInstanceHealth,
    ClassicLoadBalancer,
    DhcpOptions,
    HostedZone,
    ListenerV2,
    LoadBalancerV2,
    RecordSet,
    RouteTable,
    SecurityGroup,
    Subnet,
    TargetHealth,
)
from cad.clients.kube import Kind
from cad.clients.models import (
    AgentAnswer,
    CloudTrailEvent,
    ExecResult,
    Instance,
    LimitedSupportReasonEntry,
    RestConfig,
    ServiceLogEntry,
    UpdateGraph,
)
from cad.clients.ocm.models import (
    Account,
    Cluster,
    ClusterDeployment,
    HypershiftInfo,
    MachinePool,
    Registry,
    RegistryCredential,
    Subscription,
)
from cad.config.ai_agent import AiAgentConfig

__all__ = ["AccessBroker", "AgentRead", "AwsRead", "KubeRead", "OcmRead", "UpdateGraphRead"]


class OcmRead(Protocol):
    """Read-only OCM."""

    def find_cluster(self, identifier: str) -> Cluster: ...
    def get_cluster(self, cluster_id: str) -> Cluster: ...
    def get_cluster_deployment(self, cluster_id: str) -> ClusterDeployment: ...
    def list_machine_pools(self, cluster_id: str) -> list[MachinePool]: ...
    def list_service_logs(
        self, cluster_external_id: str, *, search: str | None = None
    ) -> list[ServiceLogEntry]: ...
    def list_limited_support_reasons(self, cluster_id: str) -> list[LimitedSupportReasonEntry]: ...
    def is_infrastructure_cluster(self, cluster_id: str) -> bool: ...
    def is_access_protected(self, cluster_id: str) -> bool: ...
    def get_hypershift(self, cluster_id: str) -> HypershiftInfo: ...
    def get_subscription(self, subscription_id: str) -> Subscription: ...
    def get_account(self, account_id: str) -> Account: ...
    def list_registry_credentials(self, account_id: str) -> list[RegistryCredential]: ...
    def get_registry(self, registry_id: str) -> Registry: ...


class AwsRead(Protocol):
    """Read-only AWS in the customer's account."""

    def list_running_instances(self, infra_id: str) -> list[Instance]: ...
    def list_non_running_instances(self, infra_id: str) -> list[Instance]: ...
    def lookup_stop_events(self, start: datetime, end: datetime) -> list[CloudTrailEvent]: ...

    # The network (cad.clients.aws_network; docs/architecture/integrations.md lists them).
    def get_subnets(self, subnet_ids: list[str]) -> list[Subnet]: ...
    def get_route_table_for_subnet(self, subnet_id: str) -> RouteTable: ...
    def get_security_groups(self, group_ids: list[str]) -> list[SecurityGroup]: ...
    def get_instance_security_group_ids(self, instance_ids: list[str]) -> list[str]: ...
    def get_vpc_dhcp_options(self, infra_id: str) -> DhcpOptions: ...
    def find_hosted_zone(self, dns_name: str, *, private: bool) -> HostedZone | None: ...
    def list_record_sets(self, hosted_zone_id: str) -> list[RecordSet]: ...
    def has_record_set(self, hosted_zone_id: str, record_name: str, record_type: str) -> bool: ...
    def find_classic_load_balancer(self, dns_name: str) -> ClassicLoadBalancer | None: ...
    def get_classic_instance_health(
        self, load_balancer_name: str
    ) -> list[ClassicInstanceHealth]: ...
    def find_load_balancer_v2(self, dns_name: str) -> LoadBalancerV2 | None: ...
    def list_listeners_v2(self, load_balancer_arn: str) -> list[ListenerV2]: ...
    def get_target_health_v2(self, load_balancer_arn: str) -> list[TargetHealth]: ...


class KubeRead(Protocol):
    """Read-only Kubernetes API of a cluster."""

    def list(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        labels: dict[str, Any] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]: ...
    def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> dict[str, Any]: ...
    def exec(
        self,
        namespace: str,
        pod: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        timeout_s: float = 30.0,
        limit_bytes: int = 1024 * 1024,
    ) -> ExecResult:
        """Run a read-only command in a pod (refused unless on the allowlist of
        ``cad.clients.exec_policy``); a non-zero exit is a result, not an error."""
        ...

    def health(self, endpoint: str) -> str:
        """The API server's ``/healthz``, ``/livez`` or ``/readyz`` answer (``ok``)."""
        ...


class UpdateGraphRead(Protocol):
    """The OpenShift update graph (Cincinnati)."""

    def graph(self, channel: str, *, arch: str = "amd64") -> UpdateGraph:
        """The releases of ``channel`` (e.g. ``stable-4.16``); none for an unknown channel."""
        ...


class AgentRead(Protocol):
    """The AI agent (AWS Bedrock AgentCore) the ``ai_agent`` config section names."""

    config: AiAgentConfig

    def invoke(self, *, incident_id: str, payload: bytes) -> AgentAnswer:
        """The agent's whole answer to ``payload``, within ``config.timeout_seconds``;
        a ``CADError`` when it cannot be had (the agent failed, timed out, was not invoked)."""
        ...


class AccessBroker(Protocol):
    """What the framework (never an investigation) uses to reach AWS and the cluster API."""

    def aws_client(self, cluster_id: str, region: str) -> AwsRead:
        """Read-only AWS in the cluster's account."""
        ...

    def open_kube(
        self, cluster_id: str, investigation: str, *, management: bool = False
    ) -> RestConfig:
        """Open Kubernetes API access (a backplane remediation) for the investigation: to the
        cluster, or (``management``) to the HCP management cluster of a hosted cluster."""
        ...

    def kube_client(self, config: RestConfig) -> KubeRead:
        """A read-only client for an opened access."""
        ...

    def close_kube(self, cluster_id: str, config: RestConfig, *, management: bool = False) -> None:
        """Close an access opened with :meth:`open_kube`."""
        ...
