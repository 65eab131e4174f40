"""Resources: what an investigation may look at, built lazily and only on request.

Dependencies: cluster → cluster deployment, AWS client; cluster → rest config → Kubernetes
client. A resource is cached once built; a failure is raised as its own error type and not
cached, so the next attempt builds again. :meth:`Resources.cleanup` closes whatever was
opened (backplane remediations), whatever happened.

The customer AWS client is the costly one (a role chain of three STS calls and a call to
backplane, then boto3 clients): :class:`SharedClients` lets the investigations of one chain
share it instead of building it once each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from cad.actions import NoteWriter
from cad.clients.models import RestConfig
from cad.clients.ocm.models import Account, Cluster, ClusterDeployment
from cad.domain import InfraStatus
from cad.egress import EgressResult, EgressVerifier, SkippedEgressVerification
from cad.investigations.framework.errors import (
    AwsClientError,
    ClusterDeploymentNotFoundError,
    ClusterLookupError,
    KubeClientError,
    OwnerLookupError,
    RestConfigError,
)
from cad.investigations.framework.readers import (
    AccessBroker,
    AgentRead,
    AwsRead,
    KubeRead,
    OcmRead,
    UpdateGraphRead,
)
from cad.retry import retry_transient

__all__ = ["HostedControlPlane", "IncidentInfo", "Resources", "SharedClients"]

log = structlog.get_logger("cad.resources")


class IncidentInfo:
    """What investigations may know of the incident (read-only)."""

    def __init__(self, incident_id: str = "", title: str = "", service: str = "") -> None:
        self.incident_id = incident_id
        self.title = title
        self.service = service


@dataclass(frozen=True)
class HostedControlPlane:
    """Where a hosted cluster's control plane lives on its management cluster:
    ``hcp_namespace`` (its pods), ``hc_namespace`` (its HostedCluster object, named after the
    domain prefix) and the management cluster's name."""

    hcp_namespace: str
    hc_namespace: str
    management_cluster: str


class SharedClients:
    """Clients shared by the investigations of one chain run; the chain closes them."""

    def __init__(self) -> None:
        self._aws: dict[tuple[str, str], AwsRead] = {}
        self._lock = threading.Lock()

    def aws(self, cluster_id: str, region: str, build: Callable[[], AwsRead]) -> AwsRead:
        """The AWS client for the cluster and region, built on first use. A failed build is
        not remembered: the next investigation (or attempt) tries again."""
        with self._lock:
            key = (cluster_id, region)
            if key not in self._aws:
                self._aws[key] = build()
            return self._aws[key]

    def close(self) -> None:
        """Close every client. Never raises: the chain's outcome matters more."""
        with self._lock:
            clients, self._aws = list(self._aws.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if callable(close):
                try:
                    close()
                except Exception as exc:
                    log.warning("could not close a shared client", error=str(exc))


class Resources:
    """Lazy, read-only access to one cluster for one investigation run."""

    def __init__(
        self,
        *,
        cluster_id: str,
        investigation: str,
        ocm: OcmRead,
        access: AccessBroker,
        egress: EgressVerifier | None = None,
        params: dict[str, str] | None = None,
        incident: IncidentInfo | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        cloudtrail_lookback: timedelta = timedelta(hours=2),
        octosql_image: str = "",
        etcd_analysis_timeout_s: float = 300.0,
        acm_hcp_must_gather_image: str | None = None,
        shared: SharedClients | None = None,
        experimental: bool = False,
        update_graph: UpdateGraphRead | None = None,
        known: tuple[Cluster, InfraStatus] | None = None,
        agent: AgentRead | None = None,
    ) -> None:
        self.cluster_id = cluster_id
        # Without a chain to share with, this run owns its clients and closes them itself.
        self._shared = shared or SharedClients()
        self._owns_shared = shared is None
        self.investigation = investigation
        self.ocm = ocm
        self._access = access
        self._egress = egress or SkippedEgressVerification("no egress verifier configured")
        self.params = dict(params or {})
        self.incident = incident or IncidentInfo()
        self.now = now
        self.cloudtrail_lookback = cloudtrail_lookback
        # CAD_OCTOSQL_IMAGE: the image that analyses an etcd snapshot
        self.octosql_image = octosql_image
        # CAD_ETCD_ANALYSIS_TIMEOUT_SECONDS: how long the etcd analysis Job may run
        self.etcd_analysis_timeout_s = etcd_analysis_timeout_s
        # CAD_ACM_HCP_MUST_GATHER_IMAGE: a hosted cluster's must-gather image (None: the
        # investigation's default, the original's)
        self.acm_hcp_must_gather_image = acm_hcp_must_gather_image
        # CAD_EXPERIMENTAL_ENABLED: investigations in an informing phase act only when set
        self.experimental = experimental
        # The OpenShift update graph; None where no client is configured.
        self.update_graph = update_graph
        # The AI agent of the config's ai_agent section; None where there is none.
        self.agent = agent
        # The cluster and its infrastructure status the controller already looked up in this
        # run (``known``): every investigation of the chain starts from them, not a re-read.
        self._cache: dict[str, Any] = {"cluster": known[0], "infra": known[1]} if known else {}
        self._opened: list[tuple[RestConfig, bool]] = []

    # --- cluster ------------------------------------------------------------------------

    @property
    def cluster(self) -> Cluster:
        """The OCM cluster (:class:`ClusterLookupError` if it cannot be read)."""
        if "cluster" not in self._cache:
            try:
                cluster = self.ocm.find_cluster(self.cluster_id)
            except Exception as exc:
                raise ClusterLookupError(self.cluster_id, exc) from exc
            self._cache["cluster"] = cluster
            self._cache["infra"] = self._detect_infrastructure(cluster)
        return self._cache["cluster"]  # type: ignore[no-any-return]

    def _detect_infrastructure(self, cluster: Cluster) -> InfraStatus:
        if cluster.hcp:  # OCM errors on these labels for HCP; HCP is never infrastructure
            return InfraStatus.NO
        try:
            infra = retry_transient(lambda: self.ocm.is_infrastructure_cluster(cluster.id))
        except Exception as exc:  # fail closed: unknown means "treat as infrastructure"
            log.warning("infrastructure lookup failed", cluster=cluster.id, error=str(exc))
            return InfraStatus.UNKNOWN
        return InfraStatus.YES if infra else InfraStatus.NO

    @property
    def infra_status(self) -> InfraStatus:
        """Whether the cluster is an infrastructure cluster (unknown when the lookup failed)."""
        _ = self.cluster
        return self._cache["infra"]  # type: ignore[no-any-return]

    @property
    def cluster_deployment(self) -> ClusterDeployment:
        """The Hive ClusterDeployment (:class:`ClusterDeploymentNotFoundError`)."""
        if "deployment" not in self._cache:
            cluster = self.cluster
            try:
                self._cache["deployment"] = self.ocm.get_cluster_deployment(cluster.id)
            except Exception as exc:
                raise ClusterDeploymentNotFoundError(cluster.id, exc) from exc
        return self._cache["deployment"]  # type: ignore[no-any-return]

    def owner(self) -> Account:
        """The account that created the cluster's subscription, as the original's
        ``GetCreatorFromCluster`` finds it (:class:`OwnerLookupError` if the subscription is
        not active or a lookup fails)."""
        if "owner" not in self._cache:
            cluster = self.cluster
            try:
                subscription = self.ocm.get_subscription(cluster.subscription_id)
                if subscription.status != "Active":
                    raise ValueError(
                        f"expecting status 'Active' found {subscription.status!r} "
                        f"on subscription {subscription.id}"
                    )
                self._cache["owner"] = self.ocm.get_account(subscription.creator_id)
            except Exception as exc:
                raise OwnerLookupError(cluster.id, exc) from exc
        return self._cache["owner"]  # type: ignore[no-any-return]

    # --- AWS and Kubernetes -------------------------------------------------------------

    @property
    def aws(self) -> AwsRead:
        """Read-only AWS in the customer's account (:class:`AwsClientError`)."""
        cluster = self.cluster
        region = cluster.region or "us-east-1"
        try:
            return self._shared.aws(
                cluster.id, region, lambda: self._access.aws_client(cluster.id, region)
            )
        except Exception as exc:
            raise AwsClientError(cluster.id, exc) from exc

    @property
    def rest_config(self) -> RestConfig:
        """Kubernetes API access through backplane (:class:`RestConfigError`)."""
        if "rest_config" not in self._cache:
            cluster = self.cluster
            try:
                config = self._access.open_kube(cluster.id, self.investigation)
            except Exception as exc:
                raise RestConfigError(cluster.id, exc) from exc
            self._opened.append((config, False))
            self._cache["rest_config"] = config
        return self._cache["rest_config"]  # type: ignore[no-any-return]

    @property
    def kube(self) -> KubeRead:
        """A read-only Kubernetes client (:class:`RestConfigError`, :class:`KubeClientError`)."""
        if "kube" not in self._cache:
            config = self.rest_config
            try:
                self._cache["kube"] = self._access.kube_client(config)
            except Exception as exc:
                raise KubeClientError(self.cluster.id, exc) from exc
        return self._cache["kube"]  # type: ignore[no-any-return]

    # --- the HCP management cluster ------------------------------------------------------

    @property
    def hosted_control_plane(self) -> HostedControlPlane:
        """For a hosted (HCP) cluster, where its control plane lives, from OCM
        (:class:`RestConfigError` if the cluster is not hosted or OCM cannot tell)."""
        if "hcp" not in self._cache:
            cluster = self.cluster
            try:
                if not cluster.hcp:
                    raise ValueError("the cluster is not a hosted control plane cluster")
                info = retry_transient(lambda: self.ocm.get_hypershift(cluster.id))
                suffix = f"-{cluster.domain_prefix}"
                if not info.hcp_namespace or not info.hcp_namespace.endswith(suffix):
                    raise ValueError(
                        f"HCP namespace {info.hcp_namespace!r} does not end with {suffix!r}"
                    )
            except Exception as exc:
                raise RestConfigError(cluster.id, exc) from exc
            self._cache["hcp"] = HostedControlPlane(
                hcp_namespace=info.hcp_namespace,
                hc_namespace=info.hcp_namespace.removesuffix(suffix),
                management_cluster=info.management_cluster,
            )
        return self._cache["hcp"]  # type: ignore[no-any-return]

    @property
    def management_kube(self) -> KubeRead:
        """A read-only Kubernetes client on the hosted cluster's management cluster, through
        backplane (:class:`RestConfigError`, :class:`KubeClientError`, as :attr:`kube`)."""
        if "management_kube" not in self._cache:
            cluster = self.cluster
            _ = self.hosted_control_plane
            try:
                config = self._access.open_kube(cluster.id, self.investigation, management=True)
            except Exception as exc:
                raise RestConfigError(cluster.id, exc) from exc
            self._opened.append((config, True))
            try:
                self._cache["management_kube"] = self._access.kube_client(config)
            except Exception as exc:
                raise KubeClientError(cluster.id, exc) from exc
        return self._cache["management_kube"]  # type: ignore[no-any-return]

    # --- the rest ---------------------------------------------------------------------------

    def verify_egress(self) -> EgressResult:
        """Run the configured egress verification for the cluster."""
        cluster = self.cluster
        infra_id = self.cluster_deployment.infra_id
        return self._egress.verify(cluster.id, infra_id, cluster.region or "us-east-1")

    def notes(self, name: str | None = None) -> NoteWriter:
        """A new note writer named after the investigation (or ``name``)."""
        return NoteWriter(name or self.investigation)

    def cleanup(self) -> None:
        """Close what was opened (remediations). Never raises: failures are logged."""
        while self._opened:
            config, management = self._opened.pop()
            try:
                self._access.close_kube(
                    self.cluster_id if "cluster" not in self._cache else self.cluster.id,
                    config,
                    management=management,
                )
            except Exception as exc:
                log.warning(
                    "could not close cluster access",
                    remediation=config.remediation_id,
                    error=str(exc),
                )
        for key in ("kube", "management_kube"):
            client = self._cache.pop(key, None)
            close = getattr(client, "close", None)
            if callable(close):
                close()
        self._cache.pop("rest_config", None)
        if self._owns_shared:
            self._shared.close()
