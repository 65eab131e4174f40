"""``etcd_snapshot``: the Job it creates (the original's, HCP and classic), the analysis read
from the Job's log, and its two counters (the original's ``etcd_database_analysis`` and
``etcd_snapshot_cleanup``) for success and failure alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from cad.actions import ActionTarget, EtcdSnapshot
from cad.actions.etcd_analysis import format_analysis, parse_analysis
from cad.clients.factory import Clients, build_clients
from cad.domain import ClusterRef, IncidentRef
from cad.errors import ActionValidationError
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    ExecutorMetrics,
    InMemoryLedger,
    Outcome,
    WriteClients,
    validate_actions,
)
from cad.simulators.kube import KubeWorld
from cad.simulators.kube_jobs import JobRuns, JobRunSpec
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, WorldSpec
from cad.testing import VirtualClock

NAMESPACE = "ocm-production-h1-my-hcp"
CLUSTER = ClusterRef(id="h1", external_id="ext-h1", name="my-hcp", product="rosa")
OUTPUT = """namespace,total_size_megabytes
openshift-monitoring,812.4
bad-row,not-a-number
namespace,name,total_size_megabytes,resourceType
my-app,big,95.2,configmaps
short,row
namespace,total_event_size_megabytes
my-app,14.1
resourceType,total_size_megabytes
secrets,122.7
"""


def hcp(**fields: Any) -> EtcdSnapshot:
    values: dict[str, Any] = {
        "namespace": NAMESPACE,
        "etcd_pod": "etcd-0",
        "etcdctl_image": "quay.io/etcd:hcp",
        "analyzer_image": "quay.io/octosql:1",
        "management_cluster": True,
    }
    return EtcdSnapshot(**{**values, **fields})


def classic(**fields: Any) -> EtcdSnapshot:
    values: dict[str, Any] = {
        "namespace": "openshift-etcd",
        "etcd_pod": "etcd-node-a",
        "node": "node-a",
        "etcdctl_image": "quay.io/etcd:classic",
        "analyzer_image": "quay.io/octosql:1",
        "etcdctl_env": {"ETCDCTL_CERT": "/certs/peer.crt"},
        "host_paths": {"/etc/kubernetes/static-pod-certs": "/etc/kubernetes/etcd-certs"},
    }
    return EtcdSnapshot(**{**values, **fields})


def target() -> ActionTarget:
    return ActionTarget(cluster=CLUSTER, run="incident:Q1/etcddatabasequotalowspace")


def test_the_hcp_job_is_the_originals_next_to_the_etcd_pod_with_its_client_certificates() -> None:
    manifest = hcp().manifest(target())
    spec = manifest["spec"]
    pod = spec["template"]["spec"]
    assert manifest["metadata"]["name"].startswith("etcd-analysis-")
    assert manifest["metadata"]["labels"]["app"] == "etcd-snapshot-analysis"
    assert (spec["backoffLimit"], spec["ttlSecondsAfterFinished"]) == (0, 600)
    affinity = pod["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert affinity[0]["labelSelector"]["matchLabels"] == {
        "statefulset.kubernetes.io/pod-name": "etcd-0"
    }
    assert [t["key"] for t in pod["tolerations"]] == [
        "hypershift.openshift.io/control-plane",
        "hypershift.openshift.io/cluster",
    ]
    [snapshot] = pod["initContainers"]
    assert snapshot["image"] == "quay.io/etcd:hcp"
    assert {"name": "ETCDCTL_ENDPOINTS", "value": "https://etcd-client:2379"} in snapshot["env"]
    [analyzer] = pod["containers"]
    assert analyzer["command"] == [
        "/usr/local/bin/analyze-snapshot.sh",
        "--delete",
        "/snapshot/etcd.snapshot",
    ]
    assert pod["restartPolicy"] == "Never"


def test_the_classic_job_runs_privileged_on_the_etcd_node_and_leaves_nothing_on_it() -> None:
    pod = classic().manifest(target())["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"kubernetes.io/hostname": "node-a"}
    assert pod["hostNetwork"] is True
    [snapshot] = pod["initContainers"]
    assert snapshot["securityContext"] == {"privileged": True}
    assert "unset ETCDCTL_ENDPOINTS" in snapshot["command"][2]
    assert {"name": "ETCDCTL_CERT", "value": "/certs/peer.crt"} in snapshot["env"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["snapshot-volume"] == {"name": "snapshot-volume", "emptyDir": {}}
    assert volumes["host-0"]["hostPath"]["path"] == "/etc/kubernetes/etcd-certs"


def test_the_job_has_the_same_name_in_every_attempt_of_a_run_and_another_in_another_run() -> None:
    first = hcp().manifest(target())["metadata"]["name"]
    assert hcp().manifest(target())["metadata"]["name"] == first
    other = ActionTarget(cluster=CLUSTER, run="incident:Q2/etcddatabasequotalowspace")
    assert hcp().manifest(other)["metadata"]["name"] != first


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (hcp(analyzer_image=""), "CAD_OCTOSQL_IMAGE"),
        (hcp(etcdctl_image=" "), "the etcdctl image is empty"),
        (classic(node=""), "needs the etcd pod's node"),
        (hcp(namespace="Bad_NS"), "not a DNS-1123 label"),
    ],
)
def test_an_invalid_snapshot_is_refused(action: EtcdSnapshot, problem: str) -> None:
    with pytest.raises(ActionValidationError, match=problem):
        validate_actions([action])


def test_the_analysis_keeps_the_rows_that_parse_in_its_four_sections() -> None:
    analysis = parse_analysis("preamble line\n" + OUTPUT)
    assert analysis.namespaces == [("openshift-monitoring", 812.4)]
    assert analysis.resources == [("my-app", "big", 95.2, "configmaps")]
    assert analysis.events == [("my-app", 14.1)]
    assert analysis.types == [("secrets", 122.7)]
    text = format_analysis(analysis)
    assert text.startswith("etcd Database Space Analysis\n")
    assert "1. my-app/big: 95.20 MB (configmaps)" in text
    assert parse_analysis("nothing here").empty()


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()


def run(sandbox: Sandbox, clients: Clients, spec: JobRunSpec) -> CollectorRegistry:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="h1", name="my-hcp", hcp=True)]))
    world = KubeWorld()
    world.extensions.append(JobRuns(world, [spec]))
    sandbox.backplane.add_management_api("h1", world)
    registry = CollectorRegistry()
    clock = VirtualClock()
    ctx = ExecutionContext(
        investigation="etcddatabasequotalowspace",
        alert="etcd",
        cluster=CLUSTER,
        incident=IncidentRef(id="Q1", title="etcdDatabaseQuotaLowSpace"),
        clients=WriteClients(kube=clients.kube_writer),
    )
    with Executor.standard(
        ledger=InMemoryLedger(), metrics=ExecutorMetrics(registry), clock=clock, sleep=clock.sleep
    ) as executor:
        executor.execute([hcp()], ctx, ExecutionOptions())
    return registry


def counted(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    full = {"alert_type": "etcd", "investigation": "etcddatabasequotalowspace", **labels}
    return registry.get_sample_value(f"cad_investigate_etcd_{name}_total", full)


@pytest.mark.parametrize(
    ("spec", "status", "reason"),
    [
        (JobRunSpec(logs=OUTPUT), "success", "completed"),
        (JobRunSpec(outcome="failed"), "failure", "analysis_job_failed"),
        (JobRunSpec(logs="no sections"), "failure", "parse_failed"),
    ],
)
def test_each_outcome_is_counted_with_the_originals_status_and_reason_and_the_cleanup(
    sandbox: Sandbox, clients: Clients, spec: JobRunSpec, status: str, reason: str
) -> None:
    registry = run(sandbox, clients, spec)
    assert counted(registry, "database_analysis", status=status, reason=reason) == 1
    assert counted(registry, "snapshot_cleanup", status="success") == 1


def test_a_dry_run_counts_nothing(sandbox: Sandbox, clients: Clients) -> None:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="h1", name="my-hcp", hcp=True)]))
    registry = CollectorRegistry()
    ctx = ExecutionContext(investigation="etcddatabasequotalowspace", alert="etcd", cluster=CLUSTER)
    with Executor.standard(ledger=InMemoryLedger(), metrics=ExecutorMetrics(registry)) as executor:
        report = executor.execute([hcp()], ctx, ExecutionOptions(dry_run=True))
    assert report.outcomes()[0] == ("etcd_snapshot", Outcome.DRY_RUN)
    assert counted(registry, "database_analysis", status="success", reason="completed") is None
