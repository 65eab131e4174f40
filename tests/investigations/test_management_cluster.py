"""The HCP management cluster for investigations: found through OCM, reached through
backplane (``managingCluster=management``), read-only, with the access errors of ``kube``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cad.clients.factory import Clients, build_clients
from cad.clients.kube import KINDS
from cad.investigations.framework.access import BackplaneAccessBroker
from cad.investigations.framework.errors import RestConfigError
from cad.investigations.framework.resources import Resources
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import (
    ClusterSpec,
    KubernetesSpec,
    ManagementClusterSpec,
    WorldSpec,
)

HC = {
    "apiVersion": "hypershift.openshift.io/v1beta1",
    "kind": "HostedCluster",
    "metadata": {"name": "my-hcp", "namespace": "ocm-production-h1"},
}
ON_THE_CLUSTER = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "only-here"}}


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()


def resources(clients: Clients, cluster_id: str) -> Resources:
    return Resources(
        cluster_id=cluster_id,
        investigation="restartcontrolplane",
        ocm=clients.ocm,
        access=BackplaneAccessBroker(clients.backplane, clients.aws_credentials),
    )


def seed(sandbox: Sandbox, **cluster: Any) -> None:
    sandbox.seed(
        WorldSpec(
            clusters=[
                ClusterSpec(
                    id="h1",
                    name="my-hcp",
                    kubernetes=KubernetesSpec(objects=[ON_THE_CLUSTER]),
                    **cluster,
                )
            ],
            management_clusters=[
                ManagementClusterSpec(name="hs-mc-1", kubernetes=KubernetesSpec(objects=[HC]))
            ],
        )
    )


def test_a_hosted_cluster_s_management_cluster_is_read_through_backplane(
    sandbox: Sandbox, clients: Clients
) -> None:
    seed(sandbox, hcp=True, management_cluster="hs-mc-1")
    found = resources(clients, "h1")
    try:
        hcp = found.hosted_control_plane
        assert (hcp.hcp_namespace, hcp.hc_namespace, hcp.management_cluster) == (
            "ocm-production-h1-my-hcp",
            "ocm-production-h1",
            "hs-mc-1",
        )
        hc = found.management_kube.get(KINDS["HostedCluster"], "my-hcp", namespace=hcp.hc_namespace)
        assert hc["metadata"]["name"] == "my-hcp"
        assert [ns["metadata"]["name"] for ns in found.kube.list(KINDS["Namespace"])] == [
            "only-here"
        ]
        assert not hasattr(found.management_kube, "merge_patch")
    finally:
        found.cleanup()
    assert sandbox.backplane.open_remediations() == []
    opened = sandbox.backplane.writes.matching("POST", "/backplane/remediation/h1")
    assert len(opened) == 2


def test_a_classic_cluster_has_no_management_cluster_to_reach(
    sandbox: Sandbox, clients: Clients
) -> None:
    seed(sandbox, hcp=False)
    found = resources(clients, "h1")
    with pytest.raises(RestConfigError, match="not a hosted control plane"):
        _ = found.management_kube
    found.cleanup()
    assert sandbox.backplane.writes.matching("POST", "/backplane/remediation") == []


def test_an_hcp_namespace_without_the_domain_prefix_is_an_access_error(
    sandbox: Sandbox, clients: Clients
) -> None:
    seed(sandbox, hcp=True, hcp_namespace="ocm-production-h1-other")
    found = resources(clients, "h1")
    with pytest.raises(RestConfigError, match="does not end with"):
        _ = found.hosted_control_plane
    found.cleanup()


def test_refused_access_to_the_management_cluster_is_a_rest_config_error(
    sandbox: Sandbox, clients: Clients
) -> None:
    seed(sandbox, hcp=True, management_cluster="hs-mc-1")
    sandbox.faults("backplane").add(method="POST", path="/backplane/remediation/*", status=403)
    found = resources(clients, "h1")
    with pytest.raises(RestConfigError):
        _ = found.management_kube
    found.cleanup()
