"""In-memory fakes of the read protocols investigations see, for fast decision tests.

``FakeWorld`` holds one cluster's OCM, AWS and Kubernetes state; ``world.resources(name)``
gives the :class:`Resources` an investigation receives. Set ``world.fail[...]`` to make a
call raise.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cad.clients.exec_policy import refusal
from cad.clients.kube import Kind
from cad.clients.kube_exec import ExecFailedError, ExecRefusedError
from cad.clients.models import (
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
from cad.egress import EgressResult
from cad.errors import NotFoundError
from cad.investigations.framework.resources import Resources
from cad.testing.aws_network import FakeAwsNetwork

__all__ = ["FakeEgress", "FakeWorld", "cluster"]

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def cluster(**fields: Any) -> Cluster:
    """A ready ROSA classic cluster on AWS; override any field."""
    base: dict[str, Any] = {
        "id": "c1",
        "external_id": "ext-c1",
        "name": "my-cluster",
        "state": "ready",
        "dns_ready": True,
        "product": "rosa",
        "cloud_provider": "aws",
        "region": "us-east-1",
        "aws": True,
        "nodes_master": 3,
        "nodes_infra": 2,
        "subscription_id": "sub-c1",
    }
    base.update(fields)
    return Cluster(**base)


class FakeEgress:
    """An egress verifier answering a fixed result."""

    def __init__(self, result: EgressResult | None = None) -> None:
        self.result = result or EgressResult(outcome="success")
        self.calls = 0

    def verify(self, cluster_id: str, infra_id: str, region: str) -> EgressResult:
        self.calls += 1
        return self.result


@dataclass
class FakeWorld(FakeAwsNetwork):
    """One cluster as OCM, AWS and its API see it; implements the read protocols and the
    access broker. The AWS network's fields (subnets, route tables, security groups, DHCP
    options, hosted zones, load balancers) are :class:`FakeAwsNetwork`'s."""

    cluster: Cluster | None = field(default_factory=cluster)
    infra_id: str = "my-cluster-x7k2p"
    cluster_metadata: bool = True  # False: the ClusterDeployment has no spec.clusterMetadata
    pools: list[MachinePool] = field(default_factory=lambda: [MachinePool(id="worker", replicas=2)])
    infrastructure: bool = False
    access_protected: bool = False
    service_logs: list[ServiceLogEntry] = field(default_factory=list)
    running: list[Instance] = field(default_factory=list)
    non_running: list[Instance] = field(default_factory=list)
    events: list[CloudTrailEvent] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    exec_answers: list[tuple[tuple[str, str, str], tuple[str, ...], ExecResult | BaseException]] = (
        field(default_factory=list)
    )
    exec_calls: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    graph_channels: dict[str, list[str]] = field(default_factory=dict)
    health_answers: dict[str, str | BaseException] = field(default_factory=dict)
    owner: Account = field(default_factory=lambda: Account(id="a1", email="owner@example.com"))
    subscription_status: str = "Active"
    registry_credentials: list[RegistryCredential] = field(default_factory=list)
    registries: dict[str, Registry] = field(default_factory=dict)
    egress: FakeEgress = field(default_factory=FakeEgress)
    fail: dict[str, BaseException] = field(default_factory=dict)
    now: datetime = NOW
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.fail:
            raise self.fail[name]

    # --- OcmRead -----------------------------------------------------------------------
    def find_cluster(self, identifier: str) -> Cluster:
        self._call("find_cluster")
        if self.cluster is None:
            raise NotFoundError(
                "no such cluster", system="ocm", endpoint="GET /clusters", status=404
            )
        return self.cluster

    def get_cluster(self, cluster_id: str) -> Cluster:
        return self.find_cluster(cluster_id)

    def get_cluster_deployment(self, cluster_id: str) -> ClusterDeployment:
        self._call("get_cluster_deployment")
        if not self.cluster_metadata:
            return ClusterDeployment(infra_id="", raw={}, has_cluster_metadata=False)
        return ClusterDeployment(infra_id=self.infra_id, raw={})

    def list_machine_pools(self, cluster_id: str) -> list[MachinePool]:
        self._call("list_machine_pools")
        return list(self.pools)

    def list_service_logs(
        self, cluster_external_id: str, *, search: str | None = None
    ) -> list[ServiceLogEntry]:
        self._call("list_service_logs")
        return list(self.service_logs)

    def list_limited_support_reasons(self, cluster_id: str) -> list[LimitedSupportReasonEntry]:
        self._call("list_limited_support_reasons")
        return []

    def is_infrastructure_cluster(self, cluster_id: str) -> bool:
        self._call("is_infrastructure_cluster")
        return self.infrastructure

    def is_access_protected(self, cluster_id: str) -> bool:
        self._call("is_access_protected")
        return self.access_protected

    def get_hypershift(self, cluster_id: str) -> HypershiftInfo:
        self._call("get_hypershift")
        return HypershiftInfo()

    def get_subscription(self, subscription_id: str) -> Subscription:
        self._call("get_subscription")
        return Subscription(
            id=subscription_id,
            organization_id="org-1",
            status=self.subscription_status,
            creator_id=self.owner.id,
        )

    def get_account(self, account_id: str) -> Account:
        self._call("get_account")
        if account_id != self.owner.id:
            raise NotFoundError(
                "account not found", system="ocm", endpoint=f"GET /accounts/{account_id}"
            )
        return self.owner

    def list_registry_credentials(self, account_id: str) -> list[RegistryCredential]:
        self._call("list_registry_credentials")
        return [c for c in self.registry_credentials if c.account_id in ("", account_id)]

    def get_registry(self, registry_id: str) -> Registry:
        self._call("get_registry")
        if registry_id not in self.registries:
            raise NotFoundError(
                "registry not found", system="ocm", endpoint=f"GET /registries/{registry_id}"
            )
        return self.registries[registry_id]

    # --- AwsRead -----------------------------------------------------------------------
    def list_running_instances(self, infra_id: str) -> list[Instance]:
        self._call("list_running_instances")
        return list(self.running)

    def list_non_running_instances(self, infra_id: str) -> list[Instance]:
        self._call("list_non_running_instances")
        return list(self.non_running)

    def lookup_stop_events(self, start: datetime, end: datetime) -> list[CloudTrailEvent]:
        self._call("lookup_stop_events")
        return [e for e in self.events if start <= e.event_time <= end]

    # --- KubeRead ------------------------------------------------------------------------
    def list(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        labels: dict[str, Any] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        self._call("kube_list")
        found = [
            o
            for o in self.objects
            if o.get("kind") == kind.kind
            and (namespace is None or (o.get("metadata") or {}).get("namespace") == namespace)
        ]
        for key, value in (labels or {}).items():
            found = [
                o
                for o in found
                if key in ((o.get("metadata") or {}).get("labels") or {})
                and (value is None or o["metadata"]["labels"][key] == value)
            ]
        for key, value in (fields or {}).items():
            if key == "metadata.name":
                found = [o for o in found if o["metadata"]["name"] == value]
        return found

    def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        for obj in self.list(kind, fields={"metadata.name": name}):
            return obj
        raise NotFoundError(
            f'{kind.plural} "{name}" not found', system="kubernetes", endpoint="GET", status=404
        )

    def answer_exec(
        self,
        namespace: str,
        pod: str,
        command: Sequence[str],
        answer: ExecResult | BaseException,
        *,
        container: str = "",
    ) -> None:
        """What running ``command`` in that pod gives (an empty ``container`` matches any):
        a result, or an error to raise."""
        self.exec_answers.append(((namespace, pod, container), tuple(command), answer))

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
        self._call("kube_exec")
        self.exec_calls.append((namespace, pod, tuple(command)))
        endpoint = f"GET pods/{pod}/exec"
        reason = refusal(command)
        if reason is not None:
            raise ExecRefusedError(reason, system="kubernetes", endpoint=endpoint)
        for (ns, name, wanted), argv, answer in self.exec_answers:
            if (ns, name, argv) == (namespace, pod, tuple(command)) and wanted in (
                "",
                container or "",
            ):
                if isinstance(answer, BaseException):
                    raise answer
                return answer
        raise ExecFailedError(
            "the fake world has no answer for this command", system="kubernetes", endpoint=endpoint
        )

    def health(self, endpoint: str) -> str:
        self._call("kube_health")
        answer = self.health_answers.get(endpoint, "ok")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    # --- UpdateGraphRead ------------------------------------------------------------------
    def graph(self, channel: str, *, arch: str = "amd64") -> UpdateGraph:
        self._call("update_graph")
        return UpdateGraph(channel=channel, versions=list(self.graph_channels.get(channel, [])))

    # --- AccessBroker --------------------------------------------------------------------
    def aws_client(self, cluster_id: str, region: str) -> FakeWorld:
        self._call("aws_client")
        return self

    def open_kube(
        self, cluster_id: str, investigation: str, *, management: bool = False
    ) -> RestConfig:
        self._call("open_kube")
        remediation = f"rem-{next(self._ids)}"
        self.opened.append(remediation)
        return RestConfig(host="https://fake", token="t", remediation_id=remediation)

    def kube_client(self, config: RestConfig) -> FakeWorld:
        self._call("kube_client")
        return self

    def close_kube(self, cluster_id: str, config: RestConfig, *, management: bool = False) -> None:
        self.closed.append(config.remediation_id)

    # --- helpers -------------------------------------------------------------------------
    def resources(self, investigation: str, **kwargs: Any) -> Resources:
        """The resources an investigation gets for this world."""
        return Resources(
            cluster_id=self.cluster.id if self.cluster else "missing",
            investigation=investigation,
            ocm=self,
            access=self,
            egress=self.egress,
            now=lambda: self.now,
            **{"update_graph": self, **kwargs},
        )

    def ago(self, minutes: float) -> datetime:
        """``now`` minus some minutes."""
        return self.now - timedelta(minutes=minutes)
