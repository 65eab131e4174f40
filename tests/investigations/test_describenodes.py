"""describenodes: the original's cases (selection by name, selector and role, HCP, partial
failures, access errors) and the bounded note, as whole runs against a fake cluster."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cad.actions import PagerDutyNote
from cad.clients.kube import Kind
from cad.config.investigation_config import load_default_config
from cad.errors import ForbiddenError, ServerError
from cad.investigations.describenodes.checks import (
    NOTE_BUDGET,
)
from cad.investigations.describenodes.investigation import DescribeNodes
from cad.investigations.framework.errors import ClusterLookupError, InfrastructureError
from cad.investigations.registry import REGISTRY
from cad.testing.readers import FakeWorld, cluster

from .describenodes_objects import (
    STANDARD,
    WORKER,
    described,
    node_object,
    pod_object,
    report_of,
    run,
)
from .helpers import note_text, types

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


def test_describenodes_is_manual_only_no_shipped_alert_routes_it() -> None:
    config = load_default_config(known=REGISTRY.names())
    routed = {e.name for alert in config.alerts for e in alert.investigations}
    assert "describenodes" not in routed
    assert REGISTRY.resolve("describe-nodes") is DescribeNodes
