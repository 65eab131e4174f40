"""The parts of OCM's objects CAD reads, parsed strictly enough to trust."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Account",
    "Cluster",
    "ClusterDeployment",
    "HypershiftInfo",
    "MachinePool",
    "Registry",
    "RegistryCredential",
    "Subscription",
]


def _id_of(link: Any) -> str:
    return str(link.get("id", "")) if isinstance(link, dict) else ""


class Cluster(BaseModel):
    """An OCM cluster (``/api/clusters_mgmt/v1/clusters/{id}``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    external_id: str = ""
    name: str = ""
    domain_prefix: str = ""
    infra_id: str = ""
    state: str = ""
    dns_ready: bool = False
    product: str = ""
    cloud_provider: str = ""
    region: str = ""
    ccs: bool = False
    hcp: bool = False
    aws: bool = False
    sts: bool = False
    subscription_id: str = ""
    subnet_ids: list[str] = []
    nodes_master: int | None = None
    nodes_infra: int | None = None
    raw: dict[str, Any] = {}

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Cluster:
        """Parse the API's JSON (raises ``ValueError`` when required fields are missing)."""
        if not isinstance(data.get("id"), str) or not data["id"]:
            raise ValueError("cluster has no id")
        nodes: dict[str, Any] = data["nodes"] if isinstance(data.get("nodes"), dict) else {}
        aws = data.get("aws")
        status: dict[str, Any] = data["status"] if isinstance(data.get("status"), dict) else {}
        return cls(
            id=data["id"],
            external_id=str(data.get("external_id") or ""),
            name=str(data.get("name") or ""),
            domain_prefix=str(data.get("domain_prefix") or data.get("name") or ""),
            infra_id=str(data.get("infra_id") or ""),
            state=str(data.get("state") or status.get("state") or ""),
            dns_ready=bool(status.get("dns_ready", False)),
            product=_id_of(data.get("product")).lower(),
            cloud_provider=_id_of(data.get("cloud_provider")),
            region=_id_of(data.get("region")),
            ccs=bool((data.get("ccs") or {}).get("enabled", False)),
            hcp=bool((data.get("hypershift") or {}).get("enabled", False)),
            aws=isinstance(aws, dict),
            sts=isinstance(aws, dict) and bool(aws.get("sts")),
            subscription_id=_id_of(data.get("subscription")),
            subnet_ids=[str(s) for s in aws.get("subnet_ids") or []]
            if isinstance(aws, dict)
            else [],
            nodes_master=nodes.get("master") if isinstance(nodes.get("master"), int) else None,
            nodes_infra=nodes.get("infra") if isinstance(nodes.get("infra"), int) else None,
            raw=data,
        )


class ClusterDeployment(BaseModel):
    """The Hive ClusterDeployment from the cluster's live resources. Without
    ``spec.clusterMetadata`` (the installation never started: ``has_cluster_metadata`` is
    false) the infra id is empty."""

    model_config = ConfigDict(frozen=True)

    infra_id: str
    raw: dict[str, Any]
    has_cluster_metadata: bool = True


class MachinePool(BaseModel):
    """A machine pool: fixed ``replicas`` or an autoscaling range."""

    model_config = ConfigDict(frozen=True)

    id: str
    replicas: int | None = None
    min_replicas: int | None = None
    max_replicas: int | None = None


class HypershiftInfo(BaseModel):
    """``/clusters/{id}/hypershift``."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = False
    hcp_namespace: str = ""
    management_cluster: str = ""


class Subscription(BaseModel):
    """An accounts_mgmt subscription."""

    model_config = ConfigDict(frozen=True)

    id: str
    organization_id: str = ""
    status: str = ""
    creator_id: str = ""


class Account(BaseModel):
    """An accounts_mgmt account (the cluster's owner)."""

    model_config = ConfigDict(frozen=True)

    id: str
    username: str = ""
    email: str = ""
    banned: bool = False
    ban_code: str = ""
    ban_description: str = ""


class RegistryCredential(BaseModel):
    """An accounts_mgmt registry credential: the owner's pull credentials for one registry."""

    model_config = ConfigDict(frozen=True)

    id: str = ""
    registry_id: str = ""
    username: str = ""
    token: str = Field(default="", repr=False)  # a secret: never printed
    account_id: str = ""


class Registry(BaseModel):
    """An accounts_mgmt registry (``name`` is its host, e.g. ``quay.io``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str = ""
