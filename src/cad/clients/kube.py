"""Read-only Kubernetes access through a backplane rest config (lightkube)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import httpx2
from lightkube import Client
from lightkube.config.kubeconfig import KubeConfig
from lightkube.core.exceptions import ApiError
from lightkube.generic_resource import create_global_resource, create_namespaced_resource

from cad.clients.backplane import RestConfig
from cad.clients.http import HttpCaller, ssl_context
from cad.clients.kube_exec import DEFAULT_LIMIT_BYTES, DEFAULT_TIMEOUT_S, PodExecutor
from cad.clients.models import KINDS, ExecResult, Kind
from cad.errors import MalformedResponseError, NetworkError, error_for_status

__all__ = ["HEALTH_ENDPOINTS", "KINDS", "Kind", "KubeReader"]

HEALTH_ENDPOINTS = ("healthz", "livez", "readyz")


_BUILT_IN_GROUPS = {
    "": "core",
    "policy": "policy",
    "apps": "apps",
    "batch": "batch",
    "coordination.k8s.io": "coordination",
    "certificates.k8s.io": "certificates",
    "rbac.authorization.k8s.io": "rbac_authorization",
}


@functools.cache
def _resource_class(kind: Kind) -> Any:
    # lightkube ships typed models for the built-in groups and refuses a second class for
    # them; custom resources (OpenShift's) get generic classes.
    if kind.group in _BUILT_IN_GROUPS:
        module = importlib.import_module(
            f"lightkube.resources.{_BUILT_IN_GROUPS[kind.group]}_{kind.version}"
        )
        return getattr(module, kind.kind)
    create = create_namespaced_resource if kind.namespaced else create_global_resource
    return create(kind.group, kind.version, kind.kind, kind.plural)


@contextmanager
def _translated(endpoint: str) -> Iterator[None]:
    try:
        yield
    except ApiError as exc:
        status = exc.status
        code = int(getattr(status, "code", 0) or 500)
        raise error_for_status(
            code,
            str(getattr(status, "message", "") or "error"),
            system="kubernetes",
            endpoint=endpoint,
            code=str(getattr(status, "reason", "") or "") or None,
        ) from exc
    except httpx2.TransportError as exc:
        raise NetworkError(
            f"connection failed ({type(exc).__name__})", system="kubernetes", endpoint=endpoint
        ) from exc
    except httpx2.HTTPStatusError as exc:
        raise error_for_status(
            exc.response.status_code, "error", system="kubernetes", endpoint=endpoint
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedResponseError(
            f"unexpected answer ({type(exc).__name__})", system="kubernetes", endpoint=endpoint
        ) from exc


class KubeReader:
    """Get and list any kind, with label and field selectors; run allowed read-only commands
    in pods (:mod:`cad.clients.kube_exec`). No write methods."""

    def __init__(self, config: RestConfig, *, timeout_s: float = 30.0) -> None:
        kubeconfig = KubeConfig.from_dict(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": config.host}}],
                "users": [{"name": "u", "user": {"token": config.token}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
        self._client = Client(config=kubeconfig, timeout=httpx2.Timeout(timeout_s), trust_env=False)
        self._executor = PodExecutor(config)
        self._raw = HttpCaller(
            "kubernetes",
            httpx.Client(
                base_url=config.host.rstrip("/"),
                timeout=httpx.Timeout(timeout_s),
                headers={"Authorization": f"Bearer {config.token}"},
                verify=ssl_context(),
                trust_env=False,
            ),
        )

    def list(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        labels: dict[str, Any] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of ``kind`` (all namespaces when ``namespace`` is None for namespaced
        kinds); ``labels`` maps key to value, or to None for "key exists"."""
        ns: Any = namespace if namespace is not None else ("*" if kind.namespaced else None)
        with _translated(f"LIST {kind.plural}"):
            return [
                obj.to_dict()
                for obj in self._client.list(
                    _resource_class(kind), namespace=ns, labels=labels, fields=fields
                )
            ]

    def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """One object by name."""
        with _translated(f"GET {kind.plural}/{name}"):
            obj = self._client.get(_resource_class(kind), name=name, namespace=namespace)
            return obj.to_dict()  # type: ignore[no-any-return]

    def exec(
        self,
        namespace: str,
        pod: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        limit_bytes: int = DEFAULT_LIMIT_BYTES,
    ) -> ExecResult:
        """Run an allowed read-only command in a pod: see :meth:`PodExecutor.exec`."""
        return self._executor.exec(
            namespace,
            pod,
            command,
            container=container,
            timeout_s=timeout_s,
            limit_bytes=limit_bytes,
        )

    def health(self, endpoint: str) -> str:
        """The API server's answer to ``/healthz``, ``/livez`` or ``/readyz`` (``ok`` when
        healthy); a failing check is a client error (HTTP 500 names the failed checks)."""
        if endpoint not in HEALTH_ENDPOINTS:
            raise ValueError(f"not a health endpoint: {endpoint!r}")
        path = f"/{endpoint}"
        try:
            response = self._raw.client.get(path)
        except httpx.TransportError as exc:
            raise NetworkError(
                f"connection failed ({type(exc).__name__})",
                system="kubernetes",
                endpoint=f"GET {path}",
            ) from exc
        if response.is_success:
            return response.text
        # The API server names the failed checks in a plain-text body: keep them, bounded.
        checks = "; ".join(line for line in response.text.splitlines() if line.startswith("[-]"))
        raise error_for_status(
            response.status_code,
            checks[:300] or response.reason_phrase or "error",
            system="kubernetes",
            endpoint=f"GET {path}",
        )

    def close(self) -> None:
        """Close the connection pools."""
        self._client._client.close()  # type: ignore[no-untyped-call]  # no public close
        self._raw.client.close()
