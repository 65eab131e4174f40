"""The Kubernetes write half, for the executor only: get, list, create, merge-patch and
delete objects by kind, and read a pod's log, on a cluster or on its HCP management
cluster, through a backplane remediation opened for the call (the same proxy path
:class:`~cad.clients.kube.KubeReader` reads through) and closed after it."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from cad.clients.backplane import BackplaneAccess
from cad.clients.http import HttpCaller, ssl_context
from cad.clients.models import Kind, RestConfig
from cad.errors import ClientError, NotFoundError
from cad.retry import retry_transient

if TYPE_CHECKING:
    from cad.clients.kube_mustgather import MustGatherClient
    from cad.clients.mustgather_plan import GatherPlan

__all__ = [
    "DEFAULT_REMEDIATION",
    "MAX_LOG_BYTES",
    "KubeWriteClient",
    "object_path",
    "remediation_session",
]

DEFAULT_REMEDIATION = "configuration-anomaly-detection"
MAX_LOG_BYTES = 1024 * 1024
"""The most of a pod's log CAD reads (1 MiB)."""

log = structlog.get_logger("cad.kube_write")


def object_path(kind: Kind, *, namespace: str | None = None, name: str | None = None) -> str:
    """The API path of a kind's collection, or of one object when ``name`` is given."""
    base = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
    if kind.namespaced:
        if not namespace:
            raise ValueError(f"{kind.kind} is namespaced: a namespace is required")
        base += f"/namespaces/{namespace}"
    base += f"/{kind.plural}"
    return f"{base}/{name}" if name else base


def _describe(body: Any) -> tuple[str | None, str | None, str | None]:
    return body.get("message"), body.get("reason") or None, None


@contextmanager
def remediation_session(
    access: BackplaneAccess,
    cluster_id: str,
    *,
    management: bool,
    remediation: str = DEFAULT_REMEDIATION,
    timeout_s: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[tuple[HttpCaller, RestConfig]]:
    """A Kubernetes API session on the cluster (or its management cluster) through a
    backplane remediation opened for it and closed after it (a failure to close is logged:
    what was written stands)."""
    managing = "management" if management else None
    config = retry_transient(
        lambda: access.create_remediation(cluster_id, remediation, managing_cluster=managing)
    )
    client = httpx.Client(
        base_url=config.host.rstrip("/"),
        timeout=httpx.Timeout(timeout_s),
        headers={"Authorization": f"Bearer {config.token}"},
        verify=ssl_context(),
        transport=transport,
        trust_env=False,
    )
    try:
        yield HttpCaller("kubernetes", client, describe_error=_describe), config
    finally:
        client.close()
        if config.remediation_id:
            try:
                access.delete_remediation(
                    cluster_id, config.remediation_id, managing_cluster=managing
                )
            except ClientError as exc:
                log.warning(
                    "could not close cluster access",
                    remediation=config.remediation_id,
                    error=str(exc),
                )


class KubeWriteClient:
    """Implements ``KubeWriter``. ``management`` selects the hosted cluster's management
    cluster (backplane's ``managingCluster=management``) instead of the cluster itself."""

    def __init__(
        self,
        access: BackplaneAccess,
        *,
        remediation: str = DEFAULT_REMEDIATION,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        must_gather: MustGatherClient | None = None,
    ) -> None:
        self._access = access
        self._must_gather = must_gather
        self._remediation = remediation
        self._timeout_s = timeout_s
        self._transport = transport

    def get(
        self,
        cluster_id: str,
        kind: Kind,
        name: str,
        *,
        namespace: str | None = None,
        management: bool = False,
    ) -> dict[str, Any] | None:
        """The object, or None when it does not exist."""
        path = object_path(kind, namespace=namespace, name=name)
        try:
            found: dict[str, Any] = self._call(
                cluster_id, management, lambda http: http.json("GET", path)
            )
        except NotFoundError:
            return None
        return found

    def list(
        self,
        cluster_id: str,
        kind: Kind,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        management: bool = False,
    ) -> list[dict[str, Any]]:
        """The objects of ``kind`` (in ``namespace``) matching ``label_selector``."""
        path = object_path(kind, namespace=namespace)
        params = {"labelSelector": label_selector} if label_selector else {}
        found = self._call(
            cluster_id, management, lambda http: http.json("GET", path, params=params)
        )
        items = found.get("items") if isinstance(found, dict) else None
        return [item for item in items or [] if isinstance(item, dict)]

    def logs(
        self,
        cluster_id: str,
        namespace: str,
        pod: str,
        *,
        container: str = "",
        limit_bytes: int = MAX_LOG_BYTES,
        management: bool = False,
    ) -> str:
        """The log of a pod's container (its first ``limit_bytes``), as text."""
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
        params: dict[str, Any] = {"limitBytes": limit_bytes}
        if container:
            params["container"] = container
        response: httpx.Response = self._call(
            cluster_id, management, lambda http: http.request("GET", path, params=params)
        )
        return response.text

    def create(
        self, cluster_id: str, kind: Kind, obj: dict[str, Any], *, management: bool = False
    ) -> dict[str, Any]:
        """Create the object (its namespace from ``metadata.namespace``); returns it."""
        namespace = (obj.get("metadata") or {}).get("namespace")
        path = object_path(kind, namespace=namespace)
        created: dict[str, Any] = self._call(
            cluster_id, management, lambda http: http.json("POST", path, json=obj)
        )
        return created

    def merge_patch(
        self,
        cluster_id: str,
        kind: Kind,
        name: str,
        patch: dict[str, Any],
        *,
        namespace: str | None = None,
        management: bool = False,
    ) -> dict[str, Any]:
        """Apply a JSON merge patch (RFC 7386) to the object; returns it patched."""
        path = object_path(kind, namespace=namespace, name=name)
        headers = {"Content-Type": "application/merge-patch+json"}

        def send(http: HttpCaller) -> Any:
            return http.json("PATCH", path, json=patch, headers=headers)

        patched: dict[str, Any] = self._call(cluster_id, management, send)
        return patched

    def delete(
        self,
        cluster_id: str,
        kind: Kind,
        name: str,
        *,
        namespace: str | None = None,
        management: bool = False,
        propagation: str = "",
    ) -> bool:
        """Delete the object; False when it was already gone. ``propagation``
        (``Background``, ``Foreground``, ``Orphan``): what happens to the objects it owns (a
        Job's pods are orphaned unless it is given)."""
        path = object_path(kind, namespace=namespace, name=name)
        params = {"propagationPolicy": propagation} if propagation else {}
        try:
            self._call(
                cluster_id, management, lambda http: http.request("DELETE", path, params=params)
            )
        except NotFoundError:
            return False
        return True

    def must_gather(
        self,
        cluster_id: str,
        plan: GatherPlan,
        dest: Path,
        *,
        management: bool = False,
        wait_for_others: bool = False,
    ) -> builtins.list[str]:  # ``list`` is also a method here
        """Run a must-gather into ``dest`` (see :class:`~cad.clients.kube_mustgather.
        MustGatherClient`); returns what could not be cleaned up."""
        if self._must_gather is None:
            raise ValueError("this Kubernetes write client was built without must-gather support")
        return self._must_gather.gather(
            cluster_id,
            plan,
            dest,
            management=management,
            wait_for_others=wait_for_others,
        )

    @contextmanager
    def _session(self, cluster_id: str, management: bool) -> Iterator[HttpCaller]:
        with remediation_session(
            self._access,
            cluster_id,
            management=management,
            remediation=self._remediation,
            timeout_s=self._timeout_s,
            transport=self._transport,
        ) as (http, _config):
            yield http

    def _call(self, cluster_id: str, management: bool, send: Callable[[HttpCaller], Any]) -> Any:
        with self._session(cluster_id, management) as http:
            return send(http)
