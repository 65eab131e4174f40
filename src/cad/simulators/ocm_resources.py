"""The objects the OCM simulator answers with, built from a :class:`ClusterSpec`.

Each carries only properties of its schema in ocm-api-model's OpenAPI (``Cluster``,
``LimitedSupportReason``, ``LogEntry``, ``Label``, ...); the differences kept on purpose are
listed in docs/architecture/integrations.md."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from cad.simulators.world import ClusterSpec, MachinePoolSpec, OwnerSpec

__all__ = [
    "CM",
    "SERVICE_LOGS",
    "account",
    "cluster",
    "cluster_resources",
    "external_labels",
    "hypershift",
    "limited_support_reason",
    "machine_pool",
    "ocm_error",
    "registry",
    "registry_credentials",
    "registry_id",
    "searchable",
    "service_log",
    "subscription",
]

CM = "/api/clusters_mgmt/v1"
SERVICE_LOGS = "/api/service_logs/v1"


def ocm_error(status: int, reason: str) -> dict[str, Any]:
    """An OCM error body. ``id`` is the status as a string and ``operation_id`` is present, as
    real answers have them (the schema says integer and omits it)."""
    return {
        "kind": "Error",
        "id": str(status),
        "href": f"{CM}/errors/{status}",
        "code": f"CLUSTERS-MGMT-{status}",
        "reason": reason,
        "operation_id": str(uuid.uuid4()),
    }


def cluster(spec: ClusterSpec) -> dict[str, Any]:
    """``GET /clusters/{id}``: the fields CAD reads, nothing the Cluster schema lacks."""
    found: dict[str, Any] = {
        "kind": "Cluster",
        "id": spec.id,
        "href": f"{CM}/clusters/{spec.id}",
        "name": spec.resolved_name(),
        "domain_prefix": spec.resolved_name(),
        "infra_id": spec.resolved_infra_id(),
        "external_id": spec.resolved_external_id(),
        "state": spec.state,
        "status": {"state": spec.state, "dns_ready": spec.dns_ready},
        "product": {"kind": "ProductLink", "id": spec.product},
        "cloud_provider": {"kind": "CloudProviderLink", "id": spec.cloud_provider},
        "region": {"kind": "CloudRegionLink", "id": spec.region},
        "ccs": {"enabled": spec.ccs},
        "hypershift": {"enabled": spec.hcp},
        "nodes": dict(spec.nodes),
        "subscription": {"kind": "SubscriptionLink", "id": f"sub-{spec.id}"},
        "managed": True,
        "dns": {"base_domain": spec.base_domain},
        "network": {"machine_cidr": spec.machine_cidr},
        "console": {"url": spec.resolved_console_url()},
    }
    if spec.cloud_provider == "aws":
        found["aws"] = {
            "sts": {
                "enabled": True,
                "role_arn": f"arn:aws:iam::{spec.account_id()}:role/Installer",
            }
        }
        if spec.aws.byovpc:
            found["aws"]["subnet_ids"] = [subnet.id for subnet in spec.aws.subnets]
        if spec.private_link:
            found["aws"]["private_link"] = True
    return found


def searchable(found: dict[str, Any]) -> dict[str, Any]:
    """The attributes a cluster ``search`` may name. OCM matches ``display_name`` (the
    subscription's name for the cluster) though the Cluster object does not carry it."""
    return {**found, "display_name": found["name"]}


def cluster_resources(found: dict[str, Any], *, install_started: bool = True) -> dict[str, Any]:
    """``GET /clusters/{id}/resources/live``: Hive objects as strings of JSON. Before the
    installation started, the ClusterDeployment has no ``spec.clusterMetadata``."""
    spec: dict[str, Any] = {"baseDomain": "example.openshiftapps.com"}
    if install_started:
        spec["clusterMetadata"] = {"infraID": found["infra_id"], "clusterID": found["external_id"]}
    deployment = {
        "apiVersion": "hive.openshift.io/v1",
        "kind": "ClusterDeployment",
        "metadata": {"name": found["name"], "namespace": f"uhc-production-{found['id']}"},
        "spec": spec,
    }
    return {
        "kind": "ClusterResources",
        "cluster_id": found["id"],
        "resources": {
            "cluster_deployment": json.dumps(deployment),
            "syncsets": json.dumps({"items": []}),
        },
    }


def machine_pool(cluster_id: str, pool: MachinePoolSpec) -> dict[str, Any]:
    """One machine pool: fixed ``replicas`` or an ``autoscaling`` range."""
    item: dict[str, Any] = {
        "kind": "MachinePool",
        "id": pool.id,
        "href": f"{CM}/clusters/{cluster_id}/machine_pools/{pool.id}",
        "instance_type": "m5.xlarge",
    }
    if pool.autoscaling:
        item["autoscaling"] = {
            "min_replicas": pool.autoscaling.get("min"),
            "max_replicas": pool.autoscaling.get("max"),
        }
    else:
        item["replicas"] = pool.replicas
    return item


def limited_support_reason(
    cluster_id: str, reason_id: str, summary: str, details: str, created: str
) -> dict[str, Any]:
    """A limited-support reason as OCM lists and creates it."""
    return {
        "kind": "LimitedSupportReason",
        "id": reason_id,
        "href": f"{CM}/clusters/{cluster_id}/limited_support_reasons/{reason_id}",
        "summary": summary,
        "details": details,
        "detection_type": "manual",
        "creation_timestamp": created,
    }


def service_log(
    log_id: str, cluster_id: str, cluster_uuid: str, body: dict[str, Any], timestamp: str
) -> dict[str, Any]:
    """A service log entry (``ClusterLog``), keyed by both the internal and external id."""
    return {
        "kind": "ClusterLog",
        "id": log_id,
        "href": f"{SERVICE_LOGS}/cluster_logs/{log_id}",
        "cluster_id": cluster_id,
        "cluster_uuid": cluster_uuid,
        "timestamp": timestamp,
        "created_at": timestamp,
        "log_type": body.get("log_type") or "cluster-state-updates",
        **{
            k: body.get(k)
            for k in ("summary", "description", "severity", "service_name", "internal_only")
        },
    }


def external_labels(cluster_id: str, infra: bool) -> list[dict[str, Any]]:
    """External-configuration labels: a management-cluster type label, or an ordinary one."""
    key, value = (
        ("ext-hypershift.openshift.io/cluster-type", "management-cluster")
        if infra
        else ("ext-managed.openshift.io/legal-entity", "x")
    )
    label_id = "l1" if infra else "l0"
    return [
        {
            "kind": "Label",
            "id": label_id,
            "href": f"{CM}/clusters/{cluster_id}/external_configuration/labels/{label_id}",
            "key": key,
            "value": value,
        }
    ]


def hypershift(spec: ClusterSpec) -> dict[str, Any]:
    """``GET /clusters/{id}/hypershift`` (``HypershiftConfig``)."""
    return {
        "enabled": spec.hcp,
        "hcp_namespace": spec.hcp_namespace or f"ocm-production-{spec.id}-{spec.resolved_name()}",
        "management_cluster": spec.management_cluster or "hs-mc-sim",
    }


def subscription(spec: ClusterSpec, subscription_id: str) -> dict[str, Any]:
    """The cluster's subscription: organization, status and creator."""
    return {
        "kind": "Subscription",
        "id": subscription_id,
        "href": f"/api/accounts_mgmt/v1/subscriptions/{subscription_id}",
        "organization_id": spec.organization_id,
        "cluster_id": spec.id,
        "external_cluster_id": spec.resolved_external_id(),
        "status": "Active",
        "creator": {
            "kind": "AccountLink",
            "id": spec.owner.id,
            "href": f"/api/accounts_mgmt/v1/accounts/{spec.owner.id}",
        },
    }


def account(owner: OwnerSpec) -> dict[str, Any]:
    """The cluster owner's account (ban status)."""
    return {
        "kind": "Account",
        "id": owner.id,
        "href": f"/api/accounts_mgmt/v1/accounts/{owner.id}",
        "username": owner.email.split("@")[0],
        "email": owner.email,
        "banned": owner.banned,
        "ban_code": owner.ban_code,
        "ban_description": owner.ban_description,
    }


def registry_id(name: str) -> str:
    """The id the simulator gives registry ``name`` (``quay.io``: ``registry-quay-io``)."""
    return "registry-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def registry_credentials(owner: OwnerSpec) -> list[dict[str, Any]]:
    """The owner's registry credentials, as accounts_mgmt lists them."""
    base = "/api/accounts_mgmt/v1"
    return [
        {
            "kind": "RegistryCredential",
            "id": f"{owner.id}-credential-{index}",
            "href": f"{base}/registry_credentials/{owner.id}-credential-{index}",
            "registry": {
                "kind": "RegistryLink",
                "id": registry_id(credential.registry),
                "href": f"{base}/registries/{registry_id(credential.registry)}",
            },
            "username": credential.username,
            "token": credential.token,
            "account": {
                "kind": "AccountLink",
                "id": owner.id,
                "href": f"{base}/accounts/{owner.id}",
            },
        }
        for index, credential in enumerate(owner.registry_credentials, start=1)
    ]


def registry(name: str) -> dict[str, Any]:
    """A registry, as accounts_mgmt serves it."""
    ident = registry_id(name)
    return {
        "kind": "Registry",
        "id": ident,
        "href": f"/api/accounts_mgmt/v1/registries/{ident}",
        "name": name,
        "url": f"https://{name}",
    }
