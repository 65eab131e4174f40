"""The OCM simulator: SSO token endpoint and the clusters_mgmt, service_logs,
accounts_mgmt and access_transparency endpoints CAD uses, over an in-memory world."""

from __future__ import annotations

import base64
import itertools
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from cad.simulators import ocm_resources as resources
from cad.simulators.clock import SimClock
from cad.simulators.common import TokenBook, WriteJournal, page_of
from cad.simulators.faults import FaultBook, FaultMiddleware
from cad.simulators.ocm_resources import CM, ocm_error
from cad.simulators.search import SearchError, compile_search
from cad.simulators.world import ClusterSpec, resolve_time

__all__ = ["TOKEN_PATH", "OcmSimulator"]

TOKEN_PATH = "/auth/realms/redhat-external/protocol/openid-connect/token"


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse(ocm_error(status, reason), status_code=status)


def _list(kind: str, items: list[Any], request: Request) -> JSONResponse:
    page = int(request.query_params.get("page", "1"))
    size = int(request.query_params.get("size", "100"))
    chunk = page_of(items, page, size)
    return JSONResponse(
        {"kind": kind, "page": page, "size": len(chunk), "total": len(items), "items": chunk}
    )


class OcmSimulator:
    """State and app of the OCM simulator. Seed with :meth:`add_cluster`; inspect
    :attr:`writes`; inject faults through :attr:`faults`."""

    def __init__(
        self, clock: SimClock, *, client_id: str = "cad-client", client_secret: str | None = None
    ) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret or base64.b32encode(uuid.uuid4().bytes).decode().lower()
        self.tokens = TokenBook(clock.epoch)
        self.faults = FaultBook()
        self.writes = WriteJournal()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()
        self.app = FaultMiddleware(
            self._build(), self.faults, lambda status, msg: (ocm_error(status, msg), {})
        )

    def reset(self) -> None:
        """Forget every cluster, write and fault."""
        with getattr(self, "_lock", threading.Lock()):
            self.specs: dict[str, ClusterSpec] = {}
            self.clusters: dict[str, dict[str, Any]] = {}
            self.limited_support: dict[str, list[dict[str, Any]]] = {}
            self.service_logs: list[dict[str, Any]] = []
        self.writes.clear()
        self.faults.clear()

    # --- seeding -------------------------------------------------------------------------

    def add_cluster(self, spec: ClusterSpec) -> None:
        """Add a cluster and its OCM-side state."""
        now = self.clock.now()
        external_id = spec.resolved_external_id()
        cluster = resources.cluster(spec)
        with self._lock:
            self.specs[spec.id] = spec
            self.clusters[spec.id] = cluster
            self.limited_support[spec.id] = [
                self._lsr(spec.id, reason.summary, reason.details, now.isoformat())
                for reason in spec.limited_support_reasons
            ]
            for log in spec.service_logs:
                self.service_logs.append(
                    self._service_log(
                        spec.id,
                        external_id,
                        {
                            "summary": log.summary,
                            "description": log.description,
                            "severity": log.severity,
                            "service_name": log.service_name,
                            "log_type": log.log_type,
                            "internal_only": False,
                        },
                        resolve_time(log.timestamp, now).isoformat().replace("+00:00", "Z"),
                    )
                )

    def _lsr(self, cluster_id: str, summary: str, details: str, created: str) -> dict[str, Any]:
        return resources.limited_support_reason(
            cluster_id, f"lsr-{next(self._ids)}", summary, details, created
        )

    def _service_log(
        self, cluster_id: str, uuid_: str, body: dict[str, Any], timestamp: str
    ) -> dict[str, Any]:
        return resources.service_log(f"sl-{next(self._ids)}", cluster_id, uuid_, body, timestamp)

    # --- inspection ------------------------------------------------------------------------

    def spec(self, cluster_id: str) -> ClusterSpec | None:
        """The spec a cluster was seeded with, if it exists."""
        with self._lock:
            return self.specs.get(cluster_id)

    def resolve(self, identifier: str) -> ClusterSpec | None:
        """The spec of the cluster with this internal id, external id or name (backplane
        accepts any of them)."""
        with self._lock:
            if identifier in self.specs:
                return self.specs[identifier]
            for spec in self.specs.values():
                if identifier in (spec.external_id, spec.name):
                    return spec
        return None

    def service_logs_posted(self, cluster_id: str | None = None) -> list[Any]:
        """Service log bodies posted through the API (optionally for one cluster)."""
        return [
            w.body
            for w in self.writes.matching("POST", "/cluster_logs")
            if cluster_id in (None, w.body.get("cluster_id"))
        ]

    def limited_support_reasons(self, cluster_id: str) -> list[dict[str, Any]]:
        """The reasons active on the cluster now."""
        with self._lock:
            return list(self.limited_support.get(cluster_id, []))

    # --- app -------------------------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI(openapi_url=None)
        sim = self

        @app.middleware("http")
        async def bearer(request: Request, call_next: Any) -> Response:
            if request.url.path != TOKEN_PATH and not sim.tokens.bearer_ok(
                request.headers.get("authorization")
            ):
                return _error(401, "Access token is missing, invalid or expired")
            response: Response = await call_next(request)
            return response

        @app.post(TOKEN_PATH)
        async def token(request: Request) -> JSONResponse:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = request.headers.get("authorization", "")
            if auth.startswith("Basic "):
                try:
                    client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                except ValueError:
                    client_id, secret = None, None
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            if client_id != sim.client_id or secret != sim.client_secret:
                return JSONResponse(
                    {
                        "error": "unauthorized_client",
                        "error_description": "Invalid client or Invalid client credentials",
                    },
                    status_code=401,
                )
            access, lifetime = sim.tokens.mint(str(client_id), "cad@example.com")
            return JSONResponse(
                {
                    "access_token": access,
                    "expires_in": int(lifetime),
                    "token_type": "Bearer",
                    "scope": "openid",
                }
            )

        @app.get(f"{CM}/clusters")
        async def clusters(request: Request) -> JSONResponse:
            try:
                predicate = compile_search(request.query_params.get("search"))
            except SearchError as exc:
                return _error(400, f"invalid search: {exc}")
            with sim._lock:
                found = [c for c in sim.clusters.values() if predicate(resources.searchable(c))]
            return _list("ClusterList", found, request)

        def cluster_or_404(cluster_id: str) -> dict[str, Any] | None:
            with sim._lock:
                return sim.clusters.get(cluster_id)

        @app.get(CM + "/clusters/{cluster_id}")
        async def cluster(cluster_id: str) -> JSONResponse:
            found = cluster_or_404(cluster_id)
            return (
                JSONResponse(found) if found else _error(404, f"Cluster '{cluster_id}' not found")
            )

        @app.get(CM + "/clusters/{cluster_id}/resources/live")
        async def live(cluster_id: str) -> JSONResponse:
            found = cluster_or_404(cluster_id)
            if not found or sim.specs[cluster_id].hcp:
                return _error(404, f"Cluster '{cluster_id}' has no live resources")
            return JSONResponse(
                resources.cluster_resources(
                    found, install_started=sim.specs[cluster_id].install_started
                )
            )

        @app.get(CM + "/clusters/{cluster_id}/machine_pools")
        async def machine_pools(cluster_id: str, request: Request) -> JSONResponse:
            if not cluster_or_404(cluster_id):
                return _error(404, f"Cluster '{cluster_id}' not found")
            pools = [
                resources.machine_pool(cluster_id, p) for p in sim.specs[cluster_id].machine_pools
            ]
            return _list("MachinePoolList", pools, request)

        @app.get(CM + "/clusters/{cluster_id}/limited_support_reasons")
        async def list_lsr(cluster_id: str, request: Request) -> JSONResponse:
            if not cluster_or_404(cluster_id):
                return _error(404, f"Cluster '{cluster_id}' not found")
            return _list(
                "LimitedSupportReasonList", sim.limited_support_reasons(cluster_id), request
            )

        @app.post(CM + "/clusters/{cluster_id}/limited_support_reasons")
        async def post_lsr(cluster_id: str, request: Request) -> JSONResponse:
            found = cluster_or_404(cluster_id)
            if not found:
                return _error(404, f"Cluster '{cluster_id}' not found")
            try:
                body = await request.json()
                summary, details = body["summary"], body["details"]
            except (ValueError, KeyError, TypeError):
                return _error(400, "summary and details are required")
            if found["state"] == "uninstalling":
                return _error(400, "Operation is not allowed for a cluster in 'uninstalling' state")
            reason = sim._lsr(cluster_id, summary, details, sim.clock.now().isoformat())
            with sim._lock:
                sim.limited_support[cluster_id].append(reason)
            sim.writes.add("POST", request.url.path, body, sim.clock.now())
            return JSONResponse(reason, status_code=201)

        @app.delete(CM + "/clusters/{cluster_id}/limited_support_reasons/{reason_id}")
        async def delete_lsr(cluster_id: str, reason_id: str, request: Request) -> Response:
            with sim._lock:
                reasons = sim.limited_support.get(cluster_id, [])
                kept = [r for r in reasons if r["id"] != reason_id]
                if len(kept) == len(reasons):
                    return _error(404, f"Limited support reason '{reason_id}' not found")
                sim.limited_support[cluster_id] = kept
            sim.writes.add("DELETE", request.url.path, None, sim.clock.now())
            return Response(status_code=204)

        @app.get(CM + "/clusters/{cluster_id}/external_configuration/labels")
        async def labels(cluster_id: str, request: Request) -> JSONResponse:
            if not cluster_or_404(cluster_id):
                return _error(404, f"Cluster '{cluster_id}' not found")
            infra = sim.specs[cluster_id].infra_cluster
            if infra == "unknown":
                return _error(500, "Internal error looking up labels")
            items = resources.external_labels(cluster_id, bool(infra))
            return _list("LabelList", items, request)

        @app.get(CM + "/clusters/{cluster_id}/hypershift")
        async def hypershift(cluster_id: str) -> JSONResponse:
            if not cluster_or_404(cluster_id):
                return _error(404, f"Cluster '{cluster_id}' not found")
            return JSONResponse(resources.hypershift(sim.specs[cluster_id]))

        @app.get("/api/access_transparency/v1/access_protection")
        async def access_protection(request: Request) -> JSONResponse:
            cluster_id = request.query_params.get("clusterId", "")
            if not cluster_or_404(cluster_id):
                return _error(404, f"Cluster '{cluster_id}' not found")
            protection = sim.specs[cluster_id].access_protection
            if protection == "error":
                return _error(500, "Access protection lookup failed")
            return JSONResponse({"enabled": bool(protection)})

        @app.get("/api/accounts_mgmt/v1/subscriptions/{subscription_id}")
        async def subscription(subscription_id: str) -> JSONResponse:
            spec = sim.specs.get(subscription_id.removeprefix("sub-"))
            if spec is None:
                return _error(404, f"Subscription '{subscription_id}' not found")
            return JSONResponse(resources.subscription(spec, subscription_id))

        @app.get("/api/accounts_mgmt/v1/accounts/{account_id}")
        async def account(account_id: str) -> JSONResponse:
            for spec in list(sim.specs.values()):
                if spec.owner.id == account_id:
                    return JSONResponse(resources.account(spec.owner))
            return _error(404, f"Account '{account_id}' not found")

        @app.get("/api/accounts_mgmt/v1/registry_credentials")
        async def registry_credentials(request: Request) -> JSONResponse:
            try:
                predicate = compile_search(request.query_params.get("search"))
            except SearchError as exc:
                return _error(400, f"invalid search: {exc}")
            owners = {spec.owner.id: spec.owner for spec in list(sim.specs.values())}
            found = [
                credential
                for owner in owners.values()
                for credential in resources.registry_credentials(owner)
                if predicate({**credential, "account_id": owner.id})
            ]
            return _list("RegistryCredentialList", found, request)

        @app.get("/api/accounts_mgmt/v1/registries/{registry_id}")
        async def registry(registry_id: str) -> JSONResponse:
            for spec in list(sim.specs.values()):
                for credential in spec.owner.registry_credentials:
                    if resources.registry_id(credential.registry) == registry_id:
                        return JSONResponse(resources.registry(credential.registry))
            return _error(404, f"Registry '{registry_id}' not found")

        @app.get("/api/service_logs/v1/clusters/{cluster_uuid}/cluster_logs")
        async def list_service_logs(cluster_uuid: str, request: Request) -> JSONResponse:
            try:
                predicate = compile_search(request.query_params.get("search"))
            except SearchError as exc:
                return _error(400, f"invalid search: {exc}")
            with sim._lock:
                found = [
                    log
                    for log in sim.service_logs
                    if log["cluster_uuid"] == cluster_uuid and predicate(log)
                ]
            found.sort(key=lambda log: log["timestamp"], reverse=True)
            return _list("ClusterLogList", found, request)

        @app.post("/api/service_logs/v1/cluster_logs")
        async def post_service_log(request: Request) -> JSONResponse:
            try:
                body = await request.json()
                cluster_id = body["cluster_id"]
                if not body.get("summary") or not body.get("severity"):
                    raise KeyError("summary")
            except (ValueError, KeyError, TypeError):
                return _error(400, "cluster_id, severity and summary are required")
            found = cluster_or_404(cluster_id)
            if not found:
                return _error(404, f"Cluster '{cluster_id}' not found")
            now = sim.clock.now().isoformat().replace("+00:00", "Z")
            entry = sim._service_log(cluster_id, found["external_id"], body, now)
            with sim._lock:
                sim.service_logs.append(entry)
            sim.writes.add("POST", request.url.path, body, sim.clock.now())
            return JSONResponse(entry, status_code=201)

        return app
