"""The OpenShift update graph (Cincinnati) simulator: ``GET /api/upgrades_info/v1/graph
?channel=...&arch=...`` answered from the world's ``update_graph.channels`` (channel name to
release versions; each version has an edge to the next). An unknown channel has no nodes, as
on api.openshift.com; a missing channel is a 400 ``missing_params``; a client that does not
accept JSON gets 406."""

from __future__ import annotations

import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cad.simulators.faults import FaultBook, FaultMiddleware

__all__ = ["GRAPH_PATH", "UpdateGraphSimulator"]

GRAPH_PATH = "/api/upgrades_info/v1/graph"


class UpdateGraphSimulator:
    """State (``channels``) and app."""

    def __init__(self) -> None:
        self.faults = FaultBook()
        self._lock = threading.Lock()
        self.channels: dict[str, list[str]] = {}
        self.requests: list[dict[str, str]] = []
        self.app = FaultMiddleware(
            self._build(), self.faults, lambda code, msg: ({"kind": "error", "value": msg}, {})
        )

    def load(self, channels: dict[str, list[str]]) -> None:
        """Serve these channels (replacing any before)."""
        with self._lock:
            self.channels = {name: list(versions) for name, versions in channels.items()}

    def reset(self) -> None:
        """Forget channels, requests and faults."""
        with self._lock:
            self.channels, self.requests = {}, []
        self.faults.clear()

    def _build(self) -> FastAPI:
        app = FastAPI(openapi_url=None)
        sim = self

        @app.get(GRAPH_PATH)
        async def graph(request: Request) -> JSONResponse:
            accept = request.headers.get("accept", "")
            if "application/json" not in accept and "*/*" not in accept:
                return JSONResponse(
                    {"kind": "invalid_content_type", "value": "use application/json"},
                    status_code=406,
                )
            channel = request.query_params.get("channel", "")
            arch = request.query_params.get("arch", "amd64")
            if not channel:
                return JSONResponse(
                    {"kind": "missing_params", "value": "mandatory client parameters missing"},
                    status_code=400,
                )
            with sim._lock:
                sim.requests.append({"channel": channel, "arch": arch})
                versions = list(sim.channels.get(channel, []))
            nodes = [
                {
                    "version": v,
                    "payload": f"quay.io/openshift-release-dev/ocp-release:{v}-x86_64",
                    "metadata": {"io.openshift.upgrades.graph.release.channels": channel},
                }
                for v in versions
            ]
            edges = [[i, i + 1] for i in range(len(versions) - 1)]
            return JSONResponse({"version": 1, "nodes": nodes, "edges": edges})

        return app
