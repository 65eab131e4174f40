"""metrics.k8s.io through the cluster API, and the update graph client against its simulator."""

from __future__ import annotations

from typing import Any

import pytest

from cad.clients.factory import Clients
from cad.clients.kube import KINDS, KubeReader
from cad.clients.update_graph import UpdateGraphClient
from cad.config.settings import Settings
from cad.errors import ServerError
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import (
    ClusterSpec,
    KubernetesSpec,
    UpdateGraphSpec,
    WorldSpec,
)


def metrics(kind: str, name: str, usage: dict[str, str], namespace: str = "") -> dict[str, Any]:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    body: dict[str, Any] = {"apiVersion": "metrics.k8s.io/v1beta1", "kind": kind, "metadata": meta}
    if kind == "NodeMetrics":
        body["usage"] = usage
    else:
        body["containers"] = [{"name": "c", "usage": usage}]
    return body


def test_node_and_pod_metrics_are_listed_from_the_world(sandbox: Sandbox, clients: Clients) -> None:
    spec = KubernetesSpec(
        objects=[metrics("NodeMetrics", "w1", {"cpu": "250m", "memory": "1Gi"})],
        metrics=[
            metrics("NodeMetrics", "w2", {"cpu": "3", "memory": "7Gi"}),
            metrics("PodMetrics", "etcd-m1", {"cpu": "5m", "memory": "10Mi"}, "openshift-etcd"),
        ],
    )
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=spec)]))
    reader = KubeReader(clients.backplane.create_remediation("c1", "clusterhealthcheck"))
    try:
        nodes = reader.list(KINDS["NodeMetrics"])
        pods = reader.list(KINDS["PodMetrics"], namespace="openshift-etcd")
        one = reader.get(KINDS["NodeMetrics"], "w2")
    finally:
        reader.close()
    assert [(n["metadata"]["name"], n["usage"]["cpu"]) for n in nodes] == [
        ("w1", "250m"),
        ("w2", "3"),
    ]
    assert [p["metadata"]["name"] for p in pods] == ["etcd-m1"]
    assert one["usage"]["memory"] == "7Gi"


def test_the_update_graph_answers_a_channels_versions_and_nothing_for_an_unknown_one(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.seed(
        WorldSpec(update_graph=UpdateGraphSpec(channels={"stable-4.16": ["4.16.1", "4.16.2"]}))
    )
    assert clients.update_graph is not None
    graph = clients.update_graph.graph("stable-4.16")
    assert graph.versions == ["4.16.1", "4.16.2"]
    assert graph.edges == [(0, 1)]
    assert clients.update_graph.graph("stable-4.99").versions == []
    assert sandbox.update_graph.requests[0] == {"channel": "stable-4.16", "arch": "amd64"}


def test_an_update_graph_failure_is_a_typed_error(sandbox: Sandbox) -> None:
    client = UpdateGraphClient(sandbox.update_graph_url, timeout_s=2)
    sandbox.inject("update-graph", method="GET", path="/api/upgrades_info/v1/graph", status=503)
    try:
        with pytest.raises(ServerError, match="update-graph"):
            client.graph("stable-4.16")
    finally:
        client.close()


def test_the_update_graph_url_defaults_to_the_public_graph() -> None:
    assert Settings().update_graph_url == "https://api.openshift.com/api/upgrades_info/v1/graph"


def test_the_api_health_endpoints_answer_ok_or_name_the_failed_check(
    sandbox: Sandbox, clients: Clients
) -> None:
    spec = KubernetesSpec(health={"readyz": "[-]etcd failed: reason withheld"})
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=spec)]))
    reader = KubeReader(clients.backplane.create_remediation("c1", "clusterhealthcheck"))
    try:
        assert reader.health("healthz") == "ok"
        with pytest.raises(ServerError, match="HTTP 500"):
            reader.health("readyz")
    finally:
        reader.close()
