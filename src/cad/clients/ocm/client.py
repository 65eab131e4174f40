"""OCM over httpx: a read half for investigations, a write half for the executor."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import ValidationError

from cad.clients import ocm_search
from cad.clients.http import Gate, HttpCaller, ssl_context
from cad.clients.ocm.auth import BearerAuth, TokenSource
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
from cad.clients.writers import LimitedSupportReasonEntry, ServiceLogEntry
from cad.errors import InvalidRequestError, MalformedResponseError, NotFoundError

__all__ = [
    "AmbiguousClusterError",
    "ClusterNotFoundError",
    "OcmConnection",
    "OcmReader",
    "OcmWriteClient",
]

CLUSTERS = "/api/clusters_mgmt/v1/clusters"
SERVICE_LOGS = "/api/service_logs/v1"
ACCOUNTS = "/api/accounts_mgmt/v1"
INFRA_LABELS = {
    ("ext-hypershift.openshift.io/cluster-type", "management-cluster"),
    ("ext-hypershift.openshift.io/cluster-type", "service-cluster"),
    ("ext-managed.openshift.io/hive-shard", "true"),
}


class ClusterNotFoundError(NotFoundError):
    """No cluster matches the identifier."""


class AmbiguousClusterError(InvalidRequestError):
    """More than one cluster matches the identifier."""


def _describe_ocm_error(body: Any) -> tuple[str | None, str | None, str | None]:
    return body.get("reason"), body.get("code"), body.get("operation_id")


class OcmConnection:
    """The HTTP session both halves share: base URL, token, error translation, and the
    shared rate budget (``gate``, its bucket named by ``gate_key``: the client id)."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        timeout_s: float = 30.0,
        verify: bool | str | ssl.SSLContext = True,
        transport: httpx.BaseTransport | None = None,
        gate: Gate | None = None,
        gate_key: str = "",
    ) -> None:
        client = httpx.Client(
            base_url=base_url,
            auth=BearerAuth(tokens),
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": "configuration-anomaly-detection", "Accept": "application/json"},
            verify=ssl_context()
            if verify is True
            else ssl_context(verify)
            if isinstance(verify, str)
            else verify,
            transport=transport,
        )
        self.http = HttpCaller(
            "ocm", client, describe_error=_describe_ocm_error, gate=gate, gate_key=gate_key
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.client.close()

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET ``path``; the answer must be a JSON object."""
        body = self.http.json("GET", path, params=params or None)
        if not isinstance(body, dict):
            raise self.http.malformed("GET", path, "the answer is not a JSON object")
        return body

    def items(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, all pages (OCM's page/size/total envelope)."""
        page = 1
        seen = 0
        while True:
            body = self.get(path, page=page, size=100, **params)
            items = body.get("items", [])
            total = body.get("total", 0)
            if not isinstance(items, list) or not isinstance(total, int):
                raise self.http.malformed("GET", path, "list envelope lacks items or total")
            for item in items:
                if not isinstance(item, dict):
                    raise self.http.malformed("GET", path, "a list item is not an object")
                yield item
            seen += len(items)
            if not items or seen >= total:
                return
            page += 1

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body; returns the JSON answer (``{}`` when empty)."""
        response = self.http.request("POST", path, json=body)
        return response.json() if response.content else {}

    def delete(self, path: str) -> None:
        """DELETE ``path``."""
        self.http.request("DELETE", path)


def _parse(model: Any, data: Any, conn: OcmConnection, path: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedResponseError(
            f"unexpected shape: {exc.errors()[0]['msg']}", system="ocm", endpoint=f"GET {path}"
        ) from exc


class _ListsForExecutor:
    conn: OcmConnection

    def list_service_logs(
        self, cluster_external_id: str, *, search: str | None = None
    ) -> list[ServiceLogEntry]:
        """Every service log of the cluster (by its external id), all pages."""
        path = f"{SERVICE_LOGS}/clusters/{cluster_external_id}/cluster_logs"
        params = {"search": search} if search else {}
        return [
            _parse(ServiceLogEntry, item, self.conn, path)
            for item in self.conn.items(path, **params)
        ]

    def list_limited_support_reasons(self, cluster_id: str) -> list[LimitedSupportReasonEntry]:
        """The limited-support reasons active on the cluster."""
        path = f"{CLUSTERS}/{cluster_id}/limited_support_reasons"
        return [
            _parse(LimitedSupportReasonEntry, item, self.conn, path)
            for item in self.conn.items(path)
        ]


class OcmReader(_ListsForExecutor):
    """Read-only OCM calls: what investigations may use."""

    def __init__(self, conn: OcmConnection) -> None:
        self.conn = conn

    def get_cluster(self, cluster_id: str) -> Cluster:
        """The cluster by internal id."""
        path = f"{CLUSTERS}/{cluster_id}"
        try:
            return Cluster.from_api(self.conn.get(path))
        except ValueError as exc:
            raise self.conn.http.malformed("GET", path, str(exc)) from exc

    def find_cluster(self, identifier: str) -> Cluster:
        """The one cluster whose internal id, external id or name is ``identifier``."""
        search = ocm_search.any_of(
            ocm_search.equals("id", identifier),
            ocm_search.equals("external_id", identifier),
            ocm_search.equals("display_name", identifier),
        )
        found = list(self.conn.items(CLUSTERS, search=search))
        if not found:
            raise ClusterNotFoundError(
                f"no cluster has the id, external id or name {identifier!r}",
                system="ocm",
                endpoint=f"GET {CLUSTERS}",
                status=404,
            )
        if len(found) > 1:
            ids = ", ".join(str(c.get("id")) for c in found[:5])
            raise AmbiguousClusterError(
                f"{len(found)} clusters match {identifier!r} ({ids}); use the internal id",
                system="ocm",
                endpoint=f"GET {CLUSTERS}",
            )
        try:
            return Cluster.from_api(found[0])
        except ValueError as exc:
            raise self.conn.http.malformed("GET", CLUSTERS, str(exc)) from exc

    def get_cluster_deployment(self, cluster_id: str) -> ClusterDeployment:
        """The Hive ClusterDeployment from the cluster's live resources."""
        path = f"{CLUSTERS}/{cluster_id}/resources/live"
        resources = self.conn.get(path).get("resources")
        raw = resources.get("cluster_deployment") if isinstance(resources, dict) else None
        if not isinstance(raw, str):
            raise NotFoundError(
                "the cluster has no cluster deployment",
                system="ocm",
                endpoint=f"GET {path}",
                status=404,
            )
        try:
            deployment = json.loads(raw)
            if deployment["spec"].get("clusterMetadata") is None:
                return ClusterDeployment(infra_id="", raw=deployment, has_cluster_metadata=False)
            infra_id = deployment["spec"]["clusterMetadata"]["infraID"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.conn.http.malformed(
                "GET", path, "cluster_deployment lacks spec.clusterMetadata.infraID"
            ) from exc
        return ClusterDeployment(infra_id=str(infra_id), raw=deployment)

    def list_machine_pools(self, cluster_id: str) -> list[MachinePool]:
        """The cluster's machine pools."""
        path = f"{CLUSTERS}/{cluster_id}/machine_pools"
        pools = []
        for item in self.conn.items(path):
            scaling = item.get("autoscaling")
            autoscaling: dict[str, Any] = scaling if isinstance(scaling, dict) else {}
            pools.append(
                _parse(
                    MachinePool,
                    {
                        "id": item.get("id"),
                        "replicas": item.get("replicas"),
                        "min_replicas": autoscaling.get("min_replicas"),
                        "max_replicas": autoscaling.get("max_replicas"),
                    },
                    self.conn,
                    path,
                )
            )
        return pools

    def get_hypershift(self, cluster_id: str) -> HypershiftInfo:
        """HCP details: the control plane's namespace and management cluster."""
        path = f"{CLUSTERS}/{cluster_id}/hypershift"
        return _parse(HypershiftInfo, self.conn.get(path), self.conn, path)  # type: ignore[no-any-return]

    def is_infrastructure_cluster(self, cluster_id: str) -> bool:
        """Whether external-configuration labels mark a management, service or hive cluster."""
        path = f"{CLUSTERS}/{cluster_id}/external_configuration/labels"
        return any(
            (str(label.get("key")), str(label.get("value"))) in INFRA_LABELS
            for label in self.conn.items(path)
        )

    def is_access_protected(self, cluster_id: str) -> bool:
        """Whether access protection (access transparency) is enabled for the cluster."""
        path = "/api/access_transparency/v1/access_protection"
        enabled = self.conn.get(path, clusterId=cluster_id).get("enabled")
        if not isinstance(enabled, bool):
            raise self.conn.http.malformed("GET", path, "the answer has no boolean 'enabled'")
        return enabled

    def get_subscription(self, subscription_id: str) -> Subscription:
        """A subscription (organization, status, creator)."""
        path = f"{ACCOUNTS}/subscriptions/{subscription_id}"
        body = self.conn.get(path)
        creator = body.get("creator")
        data = {**body, "creator_id": creator.get("id", "") if isinstance(creator, dict) else ""}
        return _parse(Subscription, data, self.conn, path)  # type: ignore[no-any-return]

    def get_account(self, account_id: str) -> Account:
        """An account (email, ban status)."""
        path = f"{ACCOUNTS}/accounts/{account_id}"
        return _parse(Account, self.conn.get(path), self.conn, path)  # type: ignore[no-any-return]

    def list_registry_credentials(self, account_id: str) -> list[RegistryCredential]:
        """The account's registry credentials (its pull secret's entries, as OCM keeps them)."""
        path = f"{ACCOUNTS}/registry_credentials"
        search = ocm_search.equals("account_id", account_id)
        return [
            _parse(RegistryCredential, _credential_fields(item), self.conn, path)
            for item in self.conn.items(path, search=search)
        ]

    def get_registry(self, registry_id: str) -> Registry:
        """A registry (its name is the host the pull secret names)."""
        path = f"{ACCOUNTS}/registries/{registry_id}"
        return _parse(Registry, self.conn.get(path), self.conn, path)  # type: ignore[no-any-return]


def _credential_fields(item: dict[str, Any]) -> dict[str, Any]:
    registry, account = item.get("registry"), item.get("account")
    return {
        **item,
        "registry_id": registry.get("id", "") if isinstance(registry, dict) else "",
        "account_id": account.get("id", "") if isinstance(account, dict) else "",
    }


class OcmWriteClient(_ListsForExecutor):
    """The OCM calls the executor makes (implements ``OcmWriter``)."""

    def __init__(self, conn: OcmConnection) -> None:
        self.conn = conn

    def post_service_log(
        self,
        cluster_id: str,
        *,
        severity: str,
        service_name: str,
        summary: str,
        description: str,
        internal_only: bool,
    ) -> None:
        """Send a service log (OCM fills the external id from ``cluster_id``)."""
        self.conn.post(
            f"{SERVICE_LOGS}/cluster_logs",
            {
                "cluster_id": cluster_id,
                "severity": severity,
                "service_name": service_name,
                "summary": summary,
                "description": description,
                "internal_only": internal_only,
            },
        )

    def post_limited_support_reason(self, cluster_id: str, *, summary: str, details: str) -> None:
        """Add a limited-support reason."""
        self.conn.post(
            f"{CLUSTERS}/{cluster_id}/limited_support_reasons",
            {"summary": summary, "details": details, "detection_type": "manual"},
        )

    def delete_limited_support_reason(self, cluster_id: str, reason_id: str) -> None:
        """Remove a limited-support reason."""
        self.conn.delete(f"{CLUSTERS}/{cluster_id}/limited_support_reasons/{reason_id}")
