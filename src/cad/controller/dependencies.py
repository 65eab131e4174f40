"""What the controller works with, and the cluster facts it gathers once per run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cad.clients.ocm.models import Cluster, Subscription
from cad.clients.writers import BackplaneWriter, KubeWriter, OcmWriter, PagerDutyWriter, SftpWriter
from cad.config.filters import FilterContext
from cad.controller.organizations import OrganizationCache
from cad.controller.runtime import RuntimeConfig
from cad.domain import ClusterRef, InfraStatus
from cad.egress import EgressVerifier
from cad.executor import Executor
from cad.investigations.framework.readers import (
    AccessBroker,
    AgentRead,
    OcmRead,
    UpdateGraphRead,
)
from cad.investigations.framework.registry import Registry
from cad.retry import retry_transient

__all__ = ["Dependencies", "PagerDutyRead", "cluster_ref", "filter_context", "infra_status"]


class PagerDutyRead(Protocol):
    """Reading the incident and its alerts."""

    def get_incident(self, incident_id: str) -> Any: ...
    def cluster_id(self, incident_id: str) -> str: ...


@dataclass
class Dependencies:
    """Clients, executor and runtime configuration of a controller. Write clients reach the
    executor only."""

    ocm: OcmRead
    access: AccessBroker
    egress: EgressVerifier
    executor: Executor
    registry: Registry
    ocm_writer: OcmWriter | None = None
    backplane_writer: BackplaneWriter | None = None
    sftp_writer: SftpWriter | None = None
    kube_writer: KubeWriter | None = None
    pagerduty: PagerDutyRead | None = None
    pagerduty_writer: PagerDutyWriter | None = None
    update_graph: UpdateGraphRead | None = None
    agent: AgentRead | None = None
    """The AI agent of the config's ``ai_agent`` section (``aiassisted``), if there is one."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    organizations: OrganizationCache = field(default_factory=OrganizationCache)
    """The organizations of the clusters this process has seen (for the run history)."""


def cluster_ref(cluster: Cluster) -> ClusterRef:
    """The executor's view of a cluster."""
    return ClusterRef(
        id=cluster.id, external_id=cluster.external_id, name=cluster.name, product=cluster.product
    )


def infra_status(
    ocm: OcmRead, cluster: Cluster, *, attempts: int = 4, wait_s: float = 0.2
) -> tuple[InfraStatus, Exception | None]:
    """Infrastructure-cluster status, fail-closed: a transient failure is tried ``attempts``
    times, then (or after any other failure) the status is unknown, returned with the error.
    The executor treats unknown as infrastructure."""
    if cluster.hcp:
        return InfraStatus.NO, None
    try:
        infra = retry_transient(
            lambda: ocm.is_infrastructure_cluster(cluster.id), attempts=attempts, wait_s=wait_s
        )
    except Exception as error:
        return InfraStatus.UNKNOWN, error
    return (InfraStatus.YES if infra else InfraStatus.NO), None


def filter_context(
    ocm: OcmRead,
    cluster: Cluster,
    *,
    alert_name: str,
    alert_title: str,
    service_name: str,
    subscription: Callable[[], Subscription] | None = None,
) -> FilterContext:
    """Filter fields from the cluster and the incident; organisation and owner are looked
    up only if a filter reads them (``subscription``: the run's read of the cluster's
    subscription, shared with the rest of the run; by default a read of its own)."""
    values = {
        "ClusterID": cluster.id,
        "ClusterName": cluster.name,
        "ClusterState": cluster.state,
        "HCP": "true" if cluster.hcp else "false",
        "CloudProvider": cluster.cloud_provider,
        "AlertName": alert_name,
        "AlertTitle": alert_title,
        "ServiceName": service_name,
    }

    def read_subscription() -> Subscription:
        return ocm.get_subscription(cluster.subscription_id)

    read = subscription or read_subscription

    def owner_id() -> str:
        found = read()
        if found.status != "Active":
            raise ValueError(f"subscription {found.id} is {found.status}, not Active")
        return str(found.creator_id)

    return FilterContext(
        values,
        {
            "OrganizationID": lambda: str(read().organization_id),
            "OwnerID": owner_id,
            "OwnerEmail": lambda: str(ocm.get_account(owner_id()).email),
        },
    )
