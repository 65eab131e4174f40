"""describenodes: the original's cases (selection by name, selector and role, HCP, partial
failures, access errors) against a fake cluster, the selector grammar and the description as
tables, and the bounded note."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from cad.actions import BackplaneReport, PagerDutyNote
from cad.clients.kube import Kind
from cad.errors import ForbiddenError, ServerError
from cad.investigations.describenodes.checks import (
    NOTE_BUDGET,
    InvalidSelectorError,
    Selection,
    bounded,
    parse_selector,
    selection_from_params,
)
from cad.investigations.describenodes.describe import (
    describe_node,
    human_duration,
    rfc1123,
    summary_line,
)
from cad.investigations.describenodes.investigation import DescribeNodes
from cad.investigations.describenodes.models import Event, Lease, Node, Pod
from cad.investigations.framework.errors import ClusterLookupError, InfrastructureError
from cad.testing.readers import NOW, FakeWorld, cluster

from .helpers import note_text, types

WORKER = {"node-role.kubernetes.io/worker": ""}
MASTER = {"node-role.kubernetes.io/master": ""}
INFRA = {
    "node-role.kubernetes.io/infra": "",
    "node-role.kubernetes.io": "infra",
    "node-role.kubernetes.io/worker": "",
}


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_object(name: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "creationTimestamp": iso(600)},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": iso(1),
                    "lastTransitionTime": iso(500),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            ],
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "250"},
            "allocatable": {"cpu": "3500m", "memory": "15Gi", "pods": "250"},
        },
    }
    obj.update(extra)
    return obj


def pod_object(name: str, node: str, phase: str = "Running", ns: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": iso(30)},
        "spec": {"nodeName": node},
        "status": {"phase": phase},
    }


def event_object(node: str, reason: str, kind: str = "Warning", count: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{node}.{reason}", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": node},
        "type": kind,
        "reason": reason,
        "message": f"{reason} happened",
        "count": count,
        "source": {"component": "kubelet"},
        "firstTimestamp": iso(20),
        "lastTimestamp": iso(3),
    }


def lease_object(node: str) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": node, "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": node, "renewTime": "2026-11-29T09:59:50.000000Z"},
    }


STANDARD = [
    node_object("worker-1", WORKER),
    node_object("worker-2", WORKER),
    node_object("master-1", MASTER),
    node_object("infra-1", INFRA),
]


def run(world: FakeWorld, **params: str):  # type: ignore[no-untyped-def]
    return DescribeNodes().run(world.resources("describenodes", params=params))


def report_of(result: Any) -> BackplaneReport:
    report = result.actions[0]
    assert isinstance(report, BackplaneReport)
    return report


def described(result: Any) -> list[str]:
    return re.findall(r"^Name:\s+(\S+)$", report_of(result).data, flags=re.MULTILINE)


# --- the original's Run tests -----------------------------------------------------------------


def test_the_investigation_is_named_describenodes_with_the_original_alias() -> None:
    assert DescribeNodes.name == "describenodes"
    assert DescribeNodes.aliases == ("describe-nodes",)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["worker-1", "worker-2", "master-1", "infra-1"]),
        ({"NODES": "worker-1"}, ["worker-1"]),
        ({"NODES": "worker-1,master-1"}, ["worker-1", "master-1"]),
        ({"NODES": " worker-1 , ,worker-1"}, ["worker-1"]),
        ({"SELECTOR": "node-role.kubernetes.io/worker"}, ["worker-1", "worker-2", "infra-1"]),
        ({"MASTER": "true"}, ["master-1"]),
        ({"INFRA": "true"}, ["infra-1"]),
        ({"WORKER": "true"}, ["worker-1", "worker-2"]),
        ({"MASTER": "true", "WORKER": "true"}, ["master-1", "worker-1", "worker-2"]),
        ({"MASTER": "false", "WORKER": "yes"}, ["worker-1", "worker-2", "master-1", "infra-1"]),
        ({"NODES": "worker-1", "SELECTOR": "node-role.kubernetes.io/worker"}, ["worker-1"]),
        ({"SELECTOR": "node-role.kubernetes.io/worker", "MASTER": "true"},
         ["worker-1", "worker-2", "infra-1"]),
    ],
    ids=[
        "default describes all nodes",
        "select by node name",
        "select by multiple node names",
        "blank and repeated names are ignored",
        "select by selector",
        "select master nodes",
        "select infra nodes",
        "select worker nodes (not infra)",
        "select combined roles",
        "role flags other than true are ignored",
        "NODES has priority over SELECTOR",
        "SELECTOR has priority over role flags",
    ],
)  # fmt: skip
def test_the_parameters_select_the_nodes_described(
    params: dict[str, str], expected: list[str]
) -> None:
    result = run(FakeWorld(objects=list(STANDARD)), **params)
    assert types(result) == ["backplane_report", "pagerduty_note"]
    assert described(result) == expected
    assert f"✅ Described {len(expected)}/{len(expected)} nodes" in note_text(result)


def test_a_named_node_that_does_not_exist_is_skipped_with_a_warning() -> None:
    result = run(FakeWorld(objects=list(STANDARD)), NODES="nonexistent,worker-2")
    assert described(result) == ["worker-2"]
    assert "⚠️ Node 'nonexistent' not found" in note_text(result)


@pytest.mark.parametrize(
    ("objects", "params"),
    [([], {}), (list(STANDARD), {"NODES": "nonexistent"}), (list(STANDARD), {"SELECTOR": "x=y"})],
    ids=["no nodes", "select by node name not found", "selector matches nothing"],
)
def test_an_empty_selection_is_reported_with_a_warning(
    objects: list[dict[str, Any]], params: dict[str, str]
) -> None:
    result = run(FakeWorld(objects=objects), **params)
    assert types(result) == ["backplane_report", "pagerduty_note"]
    assert "⚠️ No nodes found matching the selection criteria" in note_text(result)


def test_an_hcp_cluster_is_noted_and_master_selection_skipped() -> None:
    world = FakeWorld(cluster=cluster(hcp=True), objects=[node_object("worker-1", WORKER)])
    result = run(world, MASTER="true")
    note = note_text(result)
    assert (
        "This is an HCP cluster - control plane nodes are not present on the service cluster"
        in note
    )
    assert "Skipping master node selection - control plane nodes are not present on HCP" in note
    assert "No nodes found matching the selection criteria" in note


def test_an_hcp_cluster_still_describes_its_workers_when_master_is_also_asked() -> None:
    world = FakeWorld(cluster=cluster(hcp=True), objects=[node_object("worker-1", WORKER)])
    result = run(world, MASTER="true", WORKER="true")
    assert described(result) == ["worker-1"]
    assert "Skipping master node selection" in note_text(result)


class PodsFailFor(FakeWorld):
    """A cluster whose API fails listing the pods of one node."""

    broken: str = ""

    def list(self, kind: Kind, **kwargs: Any) -> list[dict[str, Any]]:
        if kind.kind == "Pod" and (kwargs.get("fields") or {}).get("spec.nodeName") == self.broken:
            raise ServerError("timeout", system="kubernetes", endpoint="LIST pods", status=504)
        return super().list(kind, **kwargs)


def test_a_node_that_cannot_be_described_is_a_warning_and_the_others_are_described() -> None:
    world = PodsFailFor(objects=[node_object("worker-1", WORKER), node_object("worker-2", WORKER)])
    world.broken = "worker-2"
    result = run(world)
    assert described(result) == ["worker-1"]
    note = note_text(result)
    assert "✅ Described 1/2 nodes" in note
    assert "⚠️ failed to describe node worker-2: kubernetes LIST pods failed" in note


def test_no_access_to_the_cluster_api_is_a_note_only() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError("no", system="backplane", endpoint="POST", status=403)
    result = run(world)
    assert types(result) == ["pagerduty_note"]
    note = result.actions[0]
    assert isinstance(note, PagerDutyNote)
    assert note.content == (
        "CAD was unable to get credentials to the cluster. Please investigate manually."
    )


def test_other_resource_failures_are_errors() -> None:
    with pytest.raises(ClusterLookupError):
        run(FakeWorld(cluster=None))


def test_listing_nodes_failing_is_an_infrastructure_error() -> None:
    world = FakeWorld(objects=list(STANDARD))
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="LIST", status=503)
    with pytest.raises(InfrastructureError, match="failed to list nodes"):
        run(world)


def test_an_invalid_selector_is_reported_without_reading_the_cluster() -> None:
    world = FakeWorld(objects=list(STANDARD))
    result = run(world, SELECTOR="a in (b")
    assert "kube_list" not in world.calls
    assert "⚠️ Invalid SELECTOR 'a in (b': unbalanced parentheses" in note_text(result)
    assert "No node was described" in note_text(result)


# --- what a description holds -----------------------------------------------------------------


def test_a_description_shows_conditions_taints_resources_pods_events_and_the_lease() -> None:
    taint = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    objects = [
        node_object("worker-1", WORKER, spec={"taints": [taint], "unschedulable": True}),
        pod_object("app-1", "worker-1", ns="shop"),
        pod_object("done-1", "worker-1", phase="Succeeded"),
        pod_object("elsewhere", "worker-2"),
        event_object("worker-1", "NodeNotSchedulable", kind="Normal", count=3),
        event_object("worker-2", "OtherNode"),
        lease_object("worker-1"),
    ]
    data = report_of(run(FakeWorld(objects=objects))).data
    for expected in (
        "Name:               worker-1",
        "Roles:              worker",
        "Taints:             node.kubernetes.io/unschedulable:NoSchedule",
        "Unschedulable:      true",
        "RenewTime:       Sun, 29 Nov 2026 09:59:50 +0000",
        "  Ready  True    Sun, 29 Nov 2026 09:59:00 +0000",
        "KubeletReady  kubelet is posting ready status",
        "Allocatable:\n  cpu:    3500m",
        "Non-terminated Pods:          (1 in total)",
        "shop       app-1  Running  30m",
        "Normal  NodeNotSchedulable  3m (x3 over 20m)  kubelet  NodeNotSchedulable happened",
    ):
        assert expected in data, expected
    for absent in ("done-1", "elsewhere", "OtherNode"):
        assert absent not in data


def test_a_node_without_pods_events_or_lease_says_so() -> None:
    node = Node.model_validate(node_object("n", {}))
    text = describe_node(node, [], [], None, NOW)
    assert "Roles:              <none>" in text
    assert "Lease:              <none> (no lease in kube-node-lease)" in text
    assert "Non-terminated Pods:          (0 in total)" in text
    assert "Events:             <none>" in text


def test_many_nodes_are_described_with_three_listings_not_three_per_node() -> None:
    objects = [node_object(f"worker-{n}", WORKER) for n in range(8)]
    objects += [pod_object(f"p-{n}", f"worker-{n}") for n in range(8)]
    objects += [lease_object(f"worker-{n}") for n in range(8)]
    world = FakeWorld(objects=objects)
    result = run(world)
    assert len(described(result)) == 8
    assert world.calls.count("kube_list") == 4  # nodes, pods, events, leases
    assert report_of(result).data.count("Non-terminated Pods:          (1 in total)") == 8


def test_the_summary_line_counts_what_matters() -> None:
    node = Node.model_validate(node_object("n", WORKER))
    pods = [
        Pod.model_validate(pod_object("a", "n")),
        Pod.model_validate(pod_object("b", "n", "Failed")),
    ]
    events = [
        Event.model_validate(event_object("n", "X")),
        Event.model_validate(event_object("n", "Y", "Normal")),
    ]
    assert summary_line(node, pods, events) == (
        "n: Ready=True, roles=worker, unschedulable=false, taints=0, pods=1, warning events=1"
    )


def test_a_lease_without_renewal_prints_unset() -> None:
    lease = Lease.model_validate({"metadata": {"name": "n"}, "spec": {}})
    text = describe_node(Node.model_validate(node_object("n", WORKER)), [], [], lease, NOW)
    assert "RenewTime:       <unset>" in text
    assert rfc1123(None) == "<unset>"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"), (-1, "0s"), (90, "90s"), (125, "2m5s"), (540, "9m"), (3000, "50m"),
        (4 * 3600 + 300, "4h5m"), (20 * 3600, "20h"), (3 * 86400 + 3600, "3d1h"),
        (30 * 86400, "30d"), (3 * 365 * 86400 + 86400, "3y1d"), (10 * 365 * 86400, "10y"),
    ],
)  # fmt: skip
def test_ages_print_as_kubectl_prints_them(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


# --- the bounded note (the original's [WEAK] point) --------------------------------------------


def big_cluster(nodes: int) -> list[dict[str, Any]]:
    labels = {**WORKER, **{f"example.com/label-{i}": "x" * 40 for i in range(20)}}
    objects = [node_object(f"worker-{n:03d}", labels) for n in range(nodes)]
    objects += [
        pod_object(f"pod-{n}-{p}", f"worker-{n:03d}") for n in range(nodes) for p in range(5)
    ]
    return objects


def test_a_description_too_big_for_a_note_goes_whole_to_the_report_and_the_note_summarizes() -> (
    None
):
    result = run(FakeWorld(objects=big_cluster(40)))
    report, note = report_of(result).data, note_text(result)
    assert len(described(result)) == 40
    assert len(report) > NOTE_BUDGET
    assert len(note) <= NOTE_BUDGET
    assert "Node descriptions truncated" in note
    assert "The full descriptions are in the backplane report." in note
    assert "worker-039: Ready=True, roles=worker" in note
    assert "Full node descriptions below" not in note


def test_a_summary_too_long_for_the_note_ends_with_how_many_nodes_it_left_out() -> None:
    result = run(FakeWorld(objects=big_cluster(400)))
    note = note_text(result)
    assert len(note) <= NOTE_BUDGET
    assert re.search(r"\.\.\. and \d+ more nodes", note)


def test_a_small_description_is_in_the_note_as_the_original_has_it() -> None:
    result = run(FakeWorld(objects=list(STANDARD)), NODES="worker-1")
    assert "🤖 Full node descriptions below:" in note_text(result)
    assert "Name:               worker-1" in note_text(result)
    assert "truncated" not in note_text(result)


# --- checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "selection"),
    [
        ({}, Selection()),
        ({"NODES": "a,b"}, Selection(names=("a", "b"))),
        ({"NODES": "", "SELECTOR": "x"}, Selection(selector="x")),
        ({"INFRA": "true", "MASTER": "true"}, Selection(roles=("MASTER", "INFRA"))),
        ({"WORKER": "True"}, Selection()),
    ],
)
def test_parameters_become_a_selection_by_the_original_priority(
    params: dict[str, str], selection: Selection
) -> None:
    assert selection_from_params(params) == selection


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("a=b", {"a": "b"}, True),
        ("a==b", {"a": "c"}, False),
        ("a!=b", {}, True),
        ("a", {"a": ""}, True),
        ("!a", {"a": ""}, False),
        ("a in (b, c)", {"a": "c"}, True),
        ("a notin (b,c)", {}, True),
        ("a,b=1", {"a": "", "b": "1"}, True),
        ("node-role.kubernetes.io!=infra,node-role.kubernetes.io/worker", INFRA, False),
        ("node-role.kubernetes.io!=infra,node-role.kubernetes.io/worker", WORKER, True),
        ("node-role.kubernetes.io=infra", INFRA, True),
    ],
)
def test_label_selectors_match_as_kubernetes_does(
    selector: str, labels: dict[str, str], expected: bool
) -> None:
    assert parse_selector(selector).matches(labels) is expected


@pytest.mark.parametrize(
    "selector", ["", "a in (b", "a=b=c", "-bad", "a=" + "x" * 64, "a b", "a in b"]
)
def test_invalid_selectors_are_refused(selector: str) -> None:
    with pytest.raises(InvalidSelectorError):
        parse_selector(selector)


def test_bounded_keeps_what_fits_and_counts_the_rest() -> None:
    assert bounded(["aaaa", "bbbb", "cccc"], 10, "nodes") == [
        "aaaa",
        "bbbb",
        "... and 1 more nodes",
    ]
    assert bounded(["a", "b"], 100) == ["a", "b"]
