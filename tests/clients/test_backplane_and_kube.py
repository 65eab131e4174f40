"""Backplane (reports, remediations) and the cluster API through it (lightkube)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cad.clients.factory import Clients
from cad.clients.kube import KINDS, KubeReader
from cad.errors import AuthenticationError, NotFoundError, ServerError
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, KubernetesSpec, WorldSpec


def co(name: str, message: str) -> dict[str, Any]:
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": {"name": name},
        "status": {"conditions": [{"type": "Available", "status": "False", "message": message}]},
    }


def node(name: str, role: str, ready: str = "True") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {f"node-role.kubernetes.io/{role}": "", "zone": role}},
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }


def pod(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "i"}], "nodeName": "n1"},
        "status": {"phase": "Running"},
    }


OBJECTS = [
    co("monitoring", "UpdatingUserWorkloadPrometheus failed"),
    co("insights", "ok"),
    node("m1", "master"),
    node("w1", "worker"),
    node("w2", "worker", "False"),
    pod("etcd-0", "openshift-etcd", {"k8s-app": "etcd"}),
    pod("console-1", "openshift-console", {"app": "console", "component": "ui"}),
]


@pytest.fixture
def kube(sandbox: Sandbox, clients: Clients) -> Any:
    sandbox.seed(
        WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=KubernetesSpec(objects=OBJECTS))])
    )
    config = clients.backplane.create_remediation("c1", "clustermonitoringerrorbudgetburn")
    reader = KubeReader(config)
    yield reader, config
    reader.close()


def test_a_report_is_stored_base64_and_its_id_returned(sandbox: Sandbox, clients: Clients) -> None:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1")]))
    report_id = clients.backplane_writer.create_report("c1", summary="chgm", data="🤖 findings")
    [stored] = sandbox.backplane.reports["c1"]
    assert stored["report_id"] == report_id
    assert base64.b64decode(stored["data"]).decode() == "🤖 findings"


def test_a_report_for_an_unknown_cluster_is_not_found(sandbox: Sandbox, clients: Clients) -> None:
    with pytest.raises(NotFoundError, match="cluster nope not found"):
        clients.backplane_writer.create_report("nope", summary="s", data="d")


def test_a_remediation_gives_a_rest_config_and_is_deleted_afterwards(
    sandbox: Sandbox, clients: Clients, kube: Any
) -> None:
    _reader, config = kube
    assert (
        config.host
        == f"{sandbox.backplane_url}/backplane/remediate/c1/clustermonitoringerrorbudgetburn"
    )
    assert config.token not in repr(config)
    assert len(sandbox.backplane.open_remediations()) == 1
    clients.backplane.delete_remediation("c1", config.remediation_id)
    assert sandbox.backplane.open_remediations() == []


def test_cluster_operators_are_listed_with_a_field_selector(kube: Any) -> None:
    reader, _ = kube
    found = reader.list(KINDS["ClusterOperator"], fields={"metadata.name": "monitoring"})
    assert [o["metadata"]["name"] for o in found] == ["monitoring"]
    assert found[0]["status"]["conditions"][0]["message"] == "UpdatingUserWorkloadPrometheus failed"


def test_label_selectors_filter_nodes_and_pods(kube: Any) -> None:
    reader, _ = kube
    workers = reader.list(KINDS["Node"], labels={"node-role.kubernetes.io/worker": None})
    assert sorted(n["metadata"]["name"] for n in workers) == ["w1", "w2"]
    masters = reader.list(KINDS["Node"], labels={"zone": "master"})
    assert [n["metadata"]["name"] for n in masters] == ["m1"]
    etcd = reader.list(KINDS["Pod"], namespace="openshift-etcd", labels={"k8s-app": "etcd"})
    assert [p["metadata"]["name"] for p in etcd] == ["etcd-0"]
    console = reader.list(KINDS["Pod"], labels={"app": "console", "component": "ui"})
    assert [p["metadata"]["name"] for p in console] == ["console-1"]
    running = reader.list(KINDS["Pod"], fields={"status.phase": "Running"})
    assert len(running) == 2


def test_a_missing_object_is_not_found_and_an_unreachable_cluster_a_server_error(
    sandbox: Sandbox, clients: Clients, kube: Any
) -> None:
    reader, _ = kube
    with pytest.raises(NotFoundError, match='clusteroperators "nope" not found'):
        reader.get(KINDS["ClusterOperator"], "nope")
    assert reader.get(KINDS["ClusterOperator"], "insights")["metadata"]["name"] == "insights"
    sandbox.backplane.kube["c1"].unreachable = True
    with pytest.raises(ServerError):
        reader.list(KINDS["Node"])


def test_kube_faults_are_injected_per_path(sandbox: Sandbox, kube: Any) -> None:
    reader, _ = kube
    sandbox.inject("kubernetes", path="/api/v1/nodes", status=500, times=1)
    with pytest.raises(ServerError):
        reader.list(KINDS["Node"])
    assert len(reader.list(KINDS["Node"])) == 3


def test_backplane_requires_a_valid_ocm_token(sandbox: Sandbox, clients: Clients) -> None:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1")]))
    clients.backplane.assume_role_sequence("c1")
    sandbox.ocm.tokens.expire_all()
    with pytest.raises(AuthenticationError):
        clients.backplane.assume_role_sequence("c1")


def test_every_kind_the_investigations_read_is_served_through_the_typed_client(
    sandbox: Sandbox, clients: Clients
) -> None:
    # Given one object of every kind the kinds table knows
    def obj(kind: str) -> dict[str, Any]:
        spec = KINDS[kind]
        api_version = f"{spec.group}/{spec.version}" if spec.group else spec.version
        metadata: dict[str, Any] = {"name": f"a-{kind.lower()}"}
        if spec.namespaced:
            metadata["namespace"] = "openshift-x"
        workload = {"selector": {}, "template": {}, "serviceName": "s"}
        required: dict[str, Any] = {  # what the typed models insist on
            "Event": {"involvedObject": {}},
            "Deployment": {"spec": workload},
            "ReplicaSet": {"spec": workload},
            "StatefulSet": {"spec": workload},
            "CertificateSigningRequest": {"spec": {"request": "", "signerName": "s"}},
            "ClusterRoleBinding": {
                "roleRef": {"apiGroup": "g", "kind": "ClusterRole", "name": "r"}
            },
        }.get(kind, {})
        return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **required}

    objects = [obj(kind) for kind in KINDS]
    sandbox.seed(
        WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=KubernetesSpec(objects=objects))])
    )
    config = clients.backplane.create_remediation("c1", "describenodes")
    reader = KubeReader(config)
    try:
        # When each kind is listed and its object read by name
        for kind, spec in KINDS.items():
            namespace = "openshift-x" if spec.namespaced else None
            listed = reader.list(spec, namespace=namespace)
            got = reader.get(spec, f"a-{kind.lower()}", namespace=namespace)
            # Then the object comes back, whatever its group
            assert [o["metadata"]["name"] for o in listed] == [f"a-{kind.lower()}"], kind
            assert got["kind"] == kind
    finally:
        reader.close()
    for kind in ("Lease", "Deployment", "StatefulSet", "ReplicaSet", "APIServer", "Ingress"):
        assert kind in KINDS
    assert "IngressController" in KINDS
