"""The Kubernetes write half: create, merge-patch, delete and get through backplane, on a
cluster and on its management cluster, against the simulator that records each write."""

from __future__ import annotations

from typing import Any

import pytest

from cad.clients.factory import Clients
from cad.clients.kube import KINDS
from cad.clients.kube_write import KubeWriteClient, object_path
from cad.errors import InvalidRequestError, NotFoundError, ServerError
from cad.simulators.kube import KubeWorld
from cad.simulators.kube_jobs import JobRuns, JobRunSpec
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, KubernetesSpec, WorldSpec


def hosted_cluster(name: str = "my-hcp", namespace: str = "ocm-production-c1") -> dict[str, Any]:
    return {
        "apiVersion": "hypershift.openshift.io/v1beta1",
        "kind": "HostedCluster",
        "metadata": {"name": name, "namespace": namespace, "annotations": {"keep": "me"}},
        "spec": {"release": {"image": "x"}},
    }


CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm", "namespace": "ns1"},
    "data": {"a": "1"},
}


@pytest.fixture
def writer(sandbox: Sandbox, clients: Clients) -> KubeWriteClient:
    sandbox.seed(
        WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=KubernetesSpec(objects=[CONFIGMAP]))])
    )
    sandbox.backplane.writes.clear()
    return KubeWriteClient(clients.backplane)


def kube_writes(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.backplane.writes.records if "/remediate/" in r.path]


def test_the_paths_of_core_and_grouped_kinds_are_the_api_servers(writer: KubeWriteClient) -> None:
    assert object_path(KINDS["ConfigMap"], namespace="n", name="x") == (
        "/api/v1/namespaces/n/configmaps/x"
    )
    assert object_path(KINDS["ClusterVersion"], name="version") == (
        "/apis/config.openshift.io/v1/clusterversions/version"
    )
    with pytest.raises(ValueError, match="namespace is required"):
        object_path(KINDS["Pod"], name="p")


def test_an_object_is_created_read_patched_and_deleted_and_each_write_is_recorded(
    sandbox: Sandbox, writer: KubeWriteClient
) -> None:
    kind = KINDS["ConfigMap"]
    new = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n", "namespace": "ns1"}}
    created = writer.create("c1", kind, new)
    assert created["metadata"]["name"] == "n"
    patched = writer.merge_patch("c1", kind, "cm", {"data": {"a": None, "b": "2"}}, namespace="ns1")
    assert patched["data"] == {"b": "2"}
    assert writer.get("c1", kind, "cm", namespace="ns1")["data"] == {"b": "2"}  # type: ignore[index]
    assert writer.delete("c1", kind, "n", namespace="ns1") is True
    assert writer.get("c1", kind, "n", namespace="ns1") is None
    assert writer.delete("c1", kind, "n", namespace="ns1") is False
    assert [r.method for r in kube_writes(sandbox)] == ["POST", "PATCH", "DELETE"]
    # Every remediation opened for a call was closed again.
    assert sandbox.backplane.open_remediations() == []


def test_creating_an_object_twice_is_refused_as_a_conflict(writer: KubeWriteClient) -> None:
    with pytest.raises(InvalidRequestError):
        writer.create("c1", KINDS["ConfigMap"], CONFIGMAP)


def test_patching_a_missing_object_is_not_found(writer: KubeWriteClient) -> None:
    with pytest.raises(NotFoundError):
        writer.merge_patch("c1", KINDS["ConfigMap"], "nope", {"data": {}}, namespace="ns1")


def test_the_management_cluster_is_written_apart_from_the_hosted_cluster(
    sandbox: Sandbox, writer: KubeWriteClient
) -> None:
    management = KubeWorld([hosted_cluster()])
    sandbox.backplane.add_management_api("c1", management)
    kind = KINDS["HostedCluster"]
    patch = {"metadata": {"annotations": {"hypershift.openshift.io/restart-date": "now"}}}
    writer.merge_patch("c1", kind, "my-hcp", patch, namespace="ocm-production-c1", management=True)
    stored = writer.get("c1", kind, "my-hcp", namespace="ocm-production-c1", management=True)
    assert stored is not None
    assert stored["metadata"]["annotations"] == {
        "keep": "me",
        "hypershift.openshift.io/restart-date": "now",
    }
    assert writer.get("c1", kind, "my-hcp", namespace="ocm-production-c1") is None
    assert [w["method"] for w in management.writes] == ["PATCH"]


def test_a_server_error_on_the_write_is_raised_and_nothing_is_recorded(
    sandbox: Sandbox, writer: KubeWriteClient
) -> None:
    sandbox.faults("kubernetes").add(
        method="PATCH", path="/api/v1/namespaces/ns1/configmaps/cm", status=503, times=4
    )
    with pytest.raises(ServerError):
        writer.merge_patch("c1", KINDS["ConfigMap"], "cm", {"data": {}}, namespace="ns1")
    assert kube_writes(sandbox) == []
    assert sandbox.backplane.open_remediations() == []


def test_a_job_runs_in_the_simulator_its_pod_log_is_read_and_deleting_it_takes_the_pod(
    sandbox: Sandbox, writer: KubeWriteClient
) -> None:
    # Given a management cluster whose Jobs named check-* succeed printing "done"
    management = KubeWorld()
    management.extensions.append(
        JobRuns(management, [JobRunSpec(name_prefix="check-", logs="done")])
    )
    sandbox.backplane.add_management_api("c1", management)
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "check-1", "namespace": "hcp"},
        "spec": {"template": {"spec": {"containers": [{"name": "job", "image": "x"}]}}},
    }
    # When CAD creates it, finds its pod and reads the log
    writer.create("c1", KINDS["Job"], job, management=True)
    stored = writer.get("c1", KINDS["Job"], "check-1", namespace="hcp", management=True)
    pods = writer.list(
        "c1", KINDS["Pod"], namespace="hcp", label_selector="job-name=check-1", management=True
    )
    log = writer.logs("c1", "hcp", pods[0]["metadata"]["name"], container="job", management=True)
    # Then the Job completed, its pod says what the world says, and deleting the Job in the
    # background deletes the pod too
    assert stored is not None
    assert stored["status"]["succeeded"] == 1
    assert log == "done"
    assert writer.delete(
        "c1", KINDS["Job"], "check-1", namespace="hcp", management=True, propagation="Background"
    )
    assert writer.list("c1", KINDS["Pod"], namespace="hcp", management=True) == []
    with pytest.raises(NotFoundError):
        writer.logs("c1", "hcp", "gone", management=True)


def test_deleting_a_job_without_a_propagation_policy_orphans_its_pod(
    sandbox: Sandbox, writer: KubeWriteClient
) -> None:
    management = KubeWorld()
    management.extensions.append(JobRuns(management, [JobRunSpec(outcome="hang")]))
    sandbox.backplane.add_management_api("c1", management)
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "n"}}
    writer.create("c1", KINDS["Job"], job, management=True)
    assert writer.get("c1", KINDS["Job"], "j", namespace="n", management=True)["status"] == {  # type: ignore[index]
        "active": 1
    }
    writer.delete("c1", KINDS["Job"], "j", namespace="n", management=True)
    assert len(writer.list("c1", KINDS["Pod"], namespace="n", management=True)) == 1
