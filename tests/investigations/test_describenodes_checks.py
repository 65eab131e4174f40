"""describenodes' checks and description: the selector grammar, the parameters' priority, the
kubectl-like text and its ages, as tables."""

from __future__ import annotations

import pytest

from cad.investigations.describenodes.checks import (
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
from cad.investigations.describenodes.models import Event, Lease, Node, Pod
from cad.testing.readers import NOW, FakeWorld

from .describenodes_objects import (
    INFRA,
    WORKER,
    described,
    event_object,
    lease_object,
    node_object,
    pod_object,
    report_of,
    run,
)

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
