"""The backplane simulator: cluster reports, remediations whose proxy paths lead to the
Kubernetes simulator, and the AWS assume-role sequence."""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from cad.simulators.clock import SimClock
from cad.simulators.common import WriteJournal
from cad.simulators.faults import FaultBook, FaultMiddleware
from cad.simulators.kube import KubeWorld, status
from cad.simulators.kube_exec import serve_exec
from cad.simulators.world import ClusterSpec

__all__ = ["INITIAL_ROLE_ARN", "BackplaneSimulator"]

INITIAL_ROLE_ARN = "arn:aws:iam::922711891673:role/SRE-Support-Role"


def bp_error(code: int, message: str) -> dict[str, Any]:
    """A backplane error body."""
    return {"statusCode": code, "message": message}


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse(bp_error(code, message), status_code=code)


class BackplaneSimulator:
    """State and app. ``token_ok`` checks bearer tokens (the OCM simulator's);
    ``cluster`` looks up a cluster's spec."""

    def __init__(
        self,
        clock: SimClock,
        *,
        token_ok: Callable[[str | None], bool],
        cluster: Callable[[str], ClusterSpec | None],
    ) -> None:
        self.clock = clock
        self.token_ok = token_ok
        self.cluster = cluster
        self.faults = FaultBook()
        self.kube_faults = FaultBook()
        self.writes = WriteJournal()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()
        self.app = FaultMiddleware(
            self._build(), self.faults, lambda code, msg: (bp_error(code, msg), {})
        )

    def reset(self) -> None:
        """Forget reports, remediations, cluster APIs and faults."""
        with self._lock:
            self.reports: dict[str, list[dict[str, Any]]] = {}
            self.remediations: dict[str, dict[str, str]] = {}
            self.kube: dict[str, KubeWorld] = {}
        self.writes.clear()
        self.faults.clear()
        self.kube_faults.clear()

    def add_cluster_api(self, cluster_id: str, world: KubeWorld) -> None:
        """Serve ``world`` as the cluster's Kubernetes API."""
        with self._lock:
            self.kube[cluster_id] = world

    def open_remediations(self) -> list[dict[str, str]]:
        """Remediations created and not yet deleted."""
        with self._lock:
            return list(self.remediations.values())

    def _report_key(self, identifier: str) -> str:
        """Reports are kept under the cluster's internal id, whichever identifier named it."""
        spec = self.cluster(identifier)
        return spec.id if spec is not None else identifier

    def add_management_api(self, cluster_id: str, world: KubeWorld) -> None:
        """Serve ``world`` as the API of the hosted cluster's management cluster (reached with
        ``managingCluster=management``); without one, that path leads to the cluster's own."""
        with self._lock:
            self.kube[f"{cluster_id}-management"] = world

    def _world(self, target: str) -> KubeWorld | None:
        with self._lock:
            if target in self.kube:
                return self.kube[target]
            return self.kube.get(
                target.split("-management")[0] if target.endswith("-management") else target
            )

    def _build(self) -> FastAPI:
        app = FastAPI(openapi_url=None)
        sim = self

        @app.middleware("http")
        async def bearer(request: Request, call_next: Any) -> Any:
            if not sim.token_ok(request.headers.get("authorization")):
                if "/remediate/" in request.url.path:
                    return JSONResponse(
                        status(401, "Unauthorized", "Unauthorized"), status_code=401
                    )
                return _error(401, "invalid or expired token")
            return await call_next(request)

        @app.post("/backplane/cluster/{cluster_id}/reports")
        async def create_report(cluster_id: str, request: Request) -> JSONResponse:
            # Backplane takes the internal id, the external id or the name; the original
            # names clusters by external id for some reports (AI, etcd).
            spec = sim.cluster(cluster_id)
            if spec is None:
                return _error(404, f"cluster {cluster_id} not found")
            try:
                body = await request.json()
                summary, data = body["summary"], body["data"]
                base64.b64decode(data, validate=True)
                if not summary or not data:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return _error(400, "summary and base64 data are required")
            report = {
                "report_id": f"rpt-{next(sim._ids)}",
                "summary": summary,
                "created_at": sim.clock.now().isoformat(),
                "data": data,
            }
            with sim._lock:
                sim.reports.setdefault(spec.id, []).append(report)
            sim.writes.add("POST", request.url.path, {"summary": summary}, sim.clock.now())
            return JSONResponse(report, status_code=201)

        @app.get("/backplane/cluster/{cluster_id}/reports")
        async def list_reports(cluster_id: str, request: Request) -> JSONResponse:
            last = int(request.query_params.get("last", "10"))
            key = sim._report_key(cluster_id)
            with sim._lock:
                found = list(reversed(sim.reports.get(key, [])))[:last]
            return JSONResponse(
                {
                    "cluster_id": cluster_id,
                    "reports": [
                        {k: r[k] for k in ("report_id", "summary", "created_at")} for r in found
                    ],
                }
            )

        @app.get("/backplane/cluster/{cluster_id}/reports/{report_id}")
        async def get_report(cluster_id: str, report_id: str) -> JSONResponse:
            key = sim._report_key(cluster_id)
            with sim._lock:
                for report in sim.reports.get(key, []):
                    if report["report_id"] == report_id:
                        return JSONResponse(report)
            return _error(404, f"report {report_id} not found")

        @app.post("/backplane/remediation/{cluster_id}")
        async def create_remediation(cluster_id: str, request: Request) -> JSONResponse:
            name = request.query_params.get("remediationName", "")
            if not name:
                return _error(400, "remediationName is required")
            if sim.cluster(cluster_id) is None:
                return _error(404, f"cluster {cluster_id} not found")
            managing = request.query_params.get("managingCluster", "")
            instance = f"rem-{next(sim._ids)}"
            target = f"{cluster_id}-{managing}" if managing else cluster_id
            with sim._lock:
                sim.remediations[instance] = {
                    "cluster_id": cluster_id,
                    "name": name,
                    "managing": managing,
                }
            sim.writes.add("POST", request.url.path, {"remediationName": name}, sim.clock.now())
            return JSONResponse(
                {
                    "proxy_uri": f"/backplane/remediate/{target}/{name}",
                    "statusCode": 200,
                    "message": "",
                    "remediationInstanceId": instance,
                }
            )

        @app.delete("/backplane/remediation/{cluster_id}")
        async def delete_remediation(cluster_id: str, request: Request) -> JSONResponse:
            instance = request.query_params.get("remediationInstanceId", "")
            with sim._lock:
                found = sim.remediations.pop(instance, None)
            if found is None:
                return _error(404, f"remediation {instance} not found")
            sim.writes.add(
                "DELETE", request.url.path, {"remediationInstanceId": instance}, sim.clock.now()
            )
            return JSONResponse({"statusCode": 200, "message": "deleted"})

        @app.get("/backplane/cloud/credentials/assume-role-sequence/{cluster_id}")
        async def role_sequence(cluster_id: str) -> JSONResponse:
            spec = sim.cluster(cluster_id)
            if spec is None:
                return _error(404, f"cluster {cluster_id} not found")
            if spec.aws_access_error:
                return _error(403, spec.aws_access_error)
            account = spec.account_id()
            role = f"ManagedOpenShift-Support-{spec.id[:8]}"
            return JSONResponse(
                {
                    "assumptionSequence": [
                        {
                            "name": "SRE-Jump-Role",
                            "arn": "arn:aws:iam::111111111111:role/SRE-Jump-Role",
                        },
                        {
                            "name": "Target-Role-Arn",
                            "arn": f"arn:aws:iam::{account}:role/{role}",
                        },
                    ],
                    "customerRoleSessionName": "cad-investigation",
                    "externalId": f"ext-{spec.id[:8]}",
                }
            )

        @app.websocket(
            "/backplane/remediate/{target}/{name}/api/v1/namespaces/{ns}/pods/{pod}/exec"
        )
        async def kube_exec(
            websocket: WebSocket, target: str, name: str, ns: str, pod: str
        ) -> None:
            if not sim.token_ok(websocket.headers.get("authorization")):
                await websocket.send_denial_response(
                    JSONResponse(status(401, "Unauthorized", "Unauthorized"), status_code=401)
                )
                return
            path = f"/api/v1/namespaces/{ns}/pods/{pod}/exec"
            fault = sim.kube_faults.take("GET", path)
            world = sim._world(target)
            if (fault is not None and fault.status) or world is None or world.unreachable:
                code = fault.status if fault is not None and fault.status else 503
                await websocket.send_denial_response(
                    JSONResponse(status(code, "InternalError", "unavailable"), status_code=code)
                )
                return
            await serve_exec(websocket, world, ns, pod)

        @app.api_route(
            "/backplane/remediate/{target}/{name}/{path:path}",
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        )
        async def kube_api(target: str, name: str, path: str, request: Request) -> Response:
            fault = sim.kube_faults.take(request.method, "/" + path)
            # ``status`` with ``after_apply``: the request is handled, then refused (a write
            # that landed although its answer says it failed), as FaultMiddleware does.
            landed = fault is not None and fault.status and fault.after_apply
            if fault is not None and fault.status and not landed:
                return JSONResponse(
                    status(fault.status, "InternalError", "injected fault"),
                    status_code=fault.status,
                )
            world = sim._world(target)
            if world is None:
                return JSONResponse(
                    status(404, "NotFound", f"no API for {target}"), status_code=404
                )
            payload: Any = None
            if request.method in ("POST", "PATCH", "PUT"):
                try:
                    payload = await request.json()
                except ValueError:
                    return JSONResponse(
                        status(400, "BadRequest", "the body is not JSON"), status_code=400
                    )
            code, body = world.handle(
                request.method,
                path,
                dict(request.query_params),
                payload,
                request.headers.get("content-type", ""),
            )
            if request.method != "GET" and 200 <= code < 300:
                sim.writes.add(request.method, request.url.path, payload, sim.clock.now())
            if landed and fault is not None and fault.status:
                error = status(fault.status, "InternalError", "injected fault after processing")
                return JSONResponse(error, status_code=fault.status)
            if isinstance(body, str):
                return PlainTextResponse(body, status_code=code)
            return JSONResponse(body, status_code=code)

        return app
