"""The OpenShift update graph (Cincinnati): which releases a channel offers.

``GET <graph-url>?channel=stable-4.16&arch=amd64`` with ``Accept: application/json`` answers
``{"nodes": [{"version", "payload", "metadata"}], "edges": [[from, to]], ...}``; a channel the
graph does not know answers no nodes. The URL is ``CAD_UPDATE_GRAPH_URL`` (default the public
https://api.openshift.com/api/upgrades_info/v1/graph).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from cad.clients.http import HttpCaller, ssl_context
from cad.clients.models import UpdateGraph

__all__ = ["DEFAULT_UPDATE_GRAPH_URL", "UpdateGraphClient"]

DEFAULT_UPDATE_GRAPH_URL = "https://api.openshift.com/api/upgrades_info/v1/graph"


def _describe(body: Any) -> tuple[str | None, str | None, str | None]:
    # Cincinnati's errors: {"kind": "missing_params", "value": "..."}
    return body.get("value"), body.get("kind"), None


class UpdateGraphClient:
    """Reads the update graph. Read-only; one instance per process."""

    def __init__(self, url: str = DEFAULT_UPDATE_GRAPH_URL, *, timeout_s: float = 10.0) -> None:
        parts = urlsplit(url)
        self._path = parts.path or "/"
        client = httpx.Client(
            base_url=f"{parts.scheme}://{parts.netloc}",
            timeout=httpx.Timeout(timeout_s),
            headers={
                "User-Agent": "configuration-anomaly-detection",
                "Accept": "application/json",
            },
            verify=ssl_context(),
            trust_env=False,
        )
        self._http = HttpCaller("update-graph", client, describe_error=_describe)

    def graph(self, channel: str, *, arch: str = "amd64") -> UpdateGraph:
        """The releases and edges of ``channel`` (e.g. ``stable-4.16``) for ``arch``."""
        body = self._http.json("GET", self._path, params={"channel": channel, "arch": arch})
        try:
            versions = [str(node["version"]) for node in body.get("nodes") or []]
            edges = [(int(a), int(b)) for a, b in body.get("edges") or []]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise self._http.malformed("GET", self._path, "the graph has no valid nodes") from exc
        return UpdateGraph(channel=channel, versions=versions, edges=edges)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.client.close()
