"""etcddatabasequotalowspace: its pure decisions (the WARNING / CRITICAL split, which etcd
pod, what the Job copies of it) by table, and through the scenario runner: a dry run writes
nothing anywhere, a re-delivery or a retry after a lost answer runs one Job."""

from __future__ import annotations

from typing import Any

import pytest

from cad.investigations.etcddatabasequotalowspace import checks
from cad.scenarios.model import Scenario, load_library
from cad.scenarios.runner import run_scenario
from cad.simulators.sandbox import Sandbox

CLUSTER_ID = "2abcdefghijklmnopqrstuvwxyz01234"


def pod(name: str, phase: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": spec, "status": {"phase": phase}}


@pytest.mark.parametrize(
    ("title", "warning"),
    [
        ("etcdDatabaseQuotaLowSpace WARNING", True),
        ("[FIRING:1] etcdDatabaseQuotaLowSpace warning (openshift-etcd)", True),
        ("etcdDatabaseQuotaLowSpace CRITICAL", False),
        ("etcdDatabaseQuotaLowSpace", False),
    ],
)
def test_only_a_title_that_says_warning_is_a_warning(title: str, warning: bool) -> None:
    assert checks.is_warning(title) is warning


def test_the_first_running_etcd_pod_is_chosen_and_none_is_explained() -> None:
    pods = [pod("etcd-a", "Pending"), pod("etcd-b", "Running"), pod("etcd-c", "Running")]
    chosen = checks.select_etcd_pod(pods)
    assert chosen is not None
    assert chosen["metadata"]["name"] == "etcd-b"
    assert checks.select_etcd_pod(pods[:1]) is None
    assert checks.no_etcd_pod("ns", []) == (
        "no etcd pods found in namespace ns with labels k8s-app=etcd or app=etcd"
    )
    assert checks.no_etcd_pod("ns", pods[:1]) == "no running etcd pods found in namespace ns"


def test_a_classic_pod_gives_its_etcdctl_image_environment_and_host_paths() -> None:
    found = checks.etcd_pod(
        pod(
            "etcd-node-a",
            "Running",
            nodeName="node-a",
            containers=[
                {
                    "name": "etcdctl",
                    "image": "img",
                    "env": [
                        {"name": "ETCDCTL_CERT", "value": "/c/peer.crt"},
                        {"name": "FROM_FIELD", "valueFrom": {"fieldRef": {}}},
                    ],
                    "volumeMounts": [
                        {"name": "certs", "mountPath": "/c"},
                        {"name": "scratch", "mountPath": "/scratch"},
                    ],
                }
            ],
            volumes=[{"name": "certs", "hostPath": {"path": "/host/certs"}}, {"name": "scratch"}],
        ),
        hcp=False,
    )
    assert found == checks.EtcdPod(
        name="etcd-node-a",
        node="node-a",
        image="img",
        env={"ETCDCTL_CERT": "/c/peer.crt"},
        host_paths={"/c": "/host/certs"},
    )


def test_an_hcp_pod_gives_its_reset_member_image_and_a_missing_one_gives_none() -> None:
    init = [{"name": "reset-member", "image": "etcd-img"}]
    assert checks.etcd_pod(pod("etcd-0", "Running", initContainers=init), hcp=True).image == (
        "etcd-img"
    )
    assert checks.etcd_pod(pod("etcd-0", "Running"), hcp=True).image == ""


def scenario(name: str) -> Scenario:
    [found] = [s for s in load_library() if s.name == name]
    return found


def test_a_dry_run_writes_nothing_in_any_simulator(sandbox: Sandbox) -> None:
    result = run_scenario(scenario("etcd-dry-run"), sandbox)
    assert result.passed, result.failed_checks
    journals = [sandbox.ocm.writes, sandbox.pagerduty.writes, sandbox.backplane.writes]
    changes = [
        f"{r.method} {r.path}"
        for journal in journals
        for r in journal.records
        if "/backplane/remediation/" not in r.path
    ]
    assert changes == []
    assert sandbox.backplane.kube[CLUSTER_ID].writes == []


@pytest.mark.parametrize("name", ["etcd-redelivered", "etcd-log-read-fails-once"])
def test_a_redelivery_or_a_retry_runs_one_job_and_deletes_it(sandbox: Sandbox, name: str) -> None:
    result = run_scenario(scenario(name), sandbox)
    assert result.passed, result.failed_checks
    world = sandbox.backplane.kube[CLUSTER_ID]
    assert [(w["method"], w["kind"]) for w in world.writes] == [("POST", "Job"), ("DELETE", "Job")]
    assert world.remove_where("Pod", "openshift-etcd", "job-name") == 0
