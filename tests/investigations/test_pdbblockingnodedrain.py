"""pdbblockingnodedrain: the original's test cases as tables over the pure checks, then every
outcome of the investigation against an in-memory cluster."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cad.actions import EscalateIncident
from cad.config.investigation_config import load_default_config
from cad.errors import ForbiddenError, NotFoundError, ServerError
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.pdbblockingnodedrain import checks
from cad.investigations.pdbblockingnodedrain.investigation import PdbBlockingNodeDrain
from cad.investigations.pdbblockingnodedrain.models import (
    BlockingPdb,
    Node,
    Pdb,
    Pod,
    ReplicaSet,
)
from cad.investigations.registry import REGISTRY
from cad.testing.readers import NOW, FakeWorld, cluster

from .helpers import ESCALATE_FLOW, note_text, types

# --- objects as the API returns them ------------------------------------------------------


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def taint(minutes_ago: float | None = None, effect: str = "NoSchedule") -> dict[str, Any]:
    found: dict[str, Any] = {"key": "node.kubernetes.io/unschedulable", "effect": effect}
    if minutes_ago is not None:
        found["timeAdded"] = stamp(minutes_ago)
    return found


def node(
    name: str,
    taints: list[dict[str, Any]] | None = None,
    conditions: dict[str, str] | None = None,
    created_minutes_ago: float | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if created_minutes_ago is not None:
        meta["creationTimestamp"] = stamp(created_minutes_ago)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta,
        "spec": {"taints": taints or []},
        "status": {"conditions": [{"type": t, "status": s} for t, s in (conditions or {}).items()]},
    }


def stalled_node(name: str = "stalled-node", **kwargs: Any) -> dict[str, Any]:
    return node(name, [taint(20)], **kwargs)


def pod(
    name: str,
    namespace: str = "default",
    node_name: str = "stalled-node",
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "apiVersion": "apps/v1"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"nodeName": node_name}}


def pdb(
    name: str,
    namespace: str = "default",
    selector: dict[str, Any] | None = None,
    *,
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    allowed: int = 0,
    healthy: int = 2,
    expected: int = 2,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"selector": selector if selector is not None else {}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
        "status": {
            "disruptionsAllowed": allowed,
            "currentHealthy": healthy,
            "expectedPods": expected,
        },
    }


def labels(**values: str) -> dict[str, Any]:
    return {"matchLabels": values}


def replica_set(name: str, deployment: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if deployment:
        meta["ownerReferences"] = [{"kind": "Deployment", "name": deployment}]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta}


def text(lines: list[checks.Line]) -> str:
    return "\n".join(t for _, t in lines)


# --- the unschedulable taint --------------------------------------------------------------


@pytest.mark.parametrize(
    ("taints", "found"),
    [
        ([{"key": "other-taint", "effect": "NoSchedule"}, taint()], True),
        ([{"key": "other-taint", "effect": "NoSchedule"}], False),
        ([taint(effect="NoExecute")], False),
        ([], False),
    ],
    ids=["present", "absent", "wrong-effect", "no-taints"],
)
def test_only_the_unschedulable_noschedule_taint_marks_a_draining_node(
    taints: list[dict[str, Any]], found: bool
) -> None:
    assert (checks.unschedulable_taint(Node.parse(node("n", taints))) is not None) is found


# --- draining nodes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "stalled", "expected"),
    [
        (
            [node("node-1"), node("node-2", [{"key": "other", "effect": "NoSchedule"}])],
            [],
            ["no nodes are currently draining"],
        ),
        ([node("node-1", [taint(5)])], [], ["none stalled", "all under 10m0s threshold"]),
        (
            [node("stalled-node", [taint(30)])],
            ["stalled-node"],
            ["stalled-node: draining for 30m0s"],
        ),
        (
            [node("stalled-node", [taint(20)]), node("recent-node", [taint(3)]), node("healthy")],
            ["stalled-node"],
            ["1/2 draining node(s) stalled (>10m0s)", "1 node(s) draining within threshold"],
        ),
        (
            [node("stalled-1", [taint(15)]), node("stalled-2", [taint(45)])],
            ["stalled-1", "stalled-2"],
            ["2/2 draining node(s) stalled"],
        ),
        ([node("edge", [taint(10)])], ["edge"], ["1/1 draining node(s) stalled"]),
    ],
    ids=["none-draining", "all-under-threshold", "stalled", "mixed", "multiple-stalled", "at-10m"],
)
def test_draining_nodes_are_stalled_after_ten_minutes_by_cads_clock(
    nodes: list[dict[str, Any]], stalled: list[str], expected: list[str]
) -> None:
    draining = checks.draining_nodes([Node.parse(n) for n in nodes], NOW)
    assert [n.name for n in draining if n.stalled] == stalled
    lines = text(checks.draining_node_lines(draining))
    for fragment in expected:
        assert fragment in lines


def test_a_taint_without_time_counts_from_the_nodes_creation_and_says_so() -> None:
    draining = checks.draining_nodes(
        [Node.parse(node("n", [taint()], created_minutes_ago=90))], NOW
    )
    assert draining[0].stalled
    assert draining[0].detail() == (
        "n: draining for 1h30m0s (the taint has no timeAdded: counted from the node's creation)"
    )


def test_a_taint_without_any_time_is_not_stalled() -> None:
    [draining] = checks.draining_nodes([Node.parse(node("n", [taint()]))], NOW)
    assert not draining.stalled
    assert draining.detail() == "n: draining for 0s"


@pytest.mark.parametrize(
    ("delta", "printed"),
    [
        (timedelta(minutes=30), "30m0s"),
        (timedelta(hours=1, minutes=5, seconds=3, milliseconds=900), "1h5m3s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=3), "72h0m0s"),
        (timedelta(0), "0s"),
    ],
)
def test_durations_print_as_go_prints_them(delta: timedelta, printed: str) -> None:
    assert checks.go_duration(delta) == printed


# --- node health --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "unhealthy", "expected"),
    [
        (
            [
                stalled_node(conditions={"Ready": "True"}),
                node("healthy", conditions={"Ready": "True"}),
            ],
            0,
            ["all non-draining nodes are Ready"],
        ),
        (
            [stalled_node(), node("bad-node", conditions={"Ready": "False"})],
            1,
            ["bad-node: NotReady", "evicted pods may fail to reschedule"],
        ),
        (
            [
                stalled_node(),
                node("pressure-node", conditions={"Ready": "True", "DiskPressure": "True"}),
            ],
            1,
            ["pressure-node: DiskPressure"],
        ),
        (
            [
                stalled_node(),
                node(
                    "bad-node",
                    conditions={"Ready": "False", "MemoryPressure": "True", "PIDPressure": "True"},
                ),
            ],
            1,
            ["bad-node: NotReady, MemoryPressure, PIDPressure"],
        ),
        ([stalled_node(conditions={"Ready": "False"})], 0, ["all non-draining nodes are Ready"]),
        (
            [node("recent-draining", [taint(2)], conditions={"Ready": "False"})],
            0,
            ["all non-draining nodes are Ready"],
        ),
    ],
    ids=[
        "all-healthy",
        "not-ready",
        "disk-pressure",
        "multiple-issues",
        "stalled-excluded",
        "recent-excluded",
    ],
)
def test_node_health_looks_only_at_nodes_not_draining(
    nodes: list[dict[str, Any]], unhealthy: int, expected: list[str]
) -> None:
    lines, count = checks.node_health([Node.parse(n) for n in nodes])
    assert count == unhealthy
    for fragment in expected:
        assert fragment in text(lines)


# --- blocking PDBs ------------------------------------------------------------------------

WEB = {"app": "web"}


def find_blocking(
    objects: list[dict[str, Any]], replica_sets: list[dict[str, Any]] | None = None
) -> tuple[list[BlockingPdb], str]:
    pdbs = [Pdb.parse(o) for o in objects if o["kind"] == "PodDisruptionBudget"]
    pods = [Pod.parse(o) for o in objects if o["kind"] == "Pod"]
    by_name = {rs["metadata"]["name"]: ReplicaSet.parse(rs) for rs in replica_sets or []}

    def owner_of(p: Pod) -> str:
        return checks.workload_owner(p, by_name.get(p.owners[0].name) if p.owners else None)

    blocking, problems = checks.blocking_pdbs(pdbs, pods, {"stalled-node"}, owner_of)
    return blocking, text([*problems, *checks.blocking_pdb_lines(blocking)])


@pytest.mark.parametrize(
    ("objects", "blocking", "expected"),
    [
        (
            [pod("web-abc-1", labels=WEB), pdb("web-pdb", selector=labels(**WEB), min_available=1, allowed=1)],
            [],
            ["no PDBs with disruptionsAllowed=0"],
        ),
        (
            [pod("web-abc-1", labels=WEB), pdb("web-pdb", selector=labels(**WEB), min_available=2)],
            ["default/web-pdb"],
            ["1 PDB(s) with disruptionsAllowed=0", "minAvailable: 2", "Pods on draining nodes: web-abc-1"],
        ),
        (
            [
                pod("db-0", "prod", labels={"app": "db"}),
                pdb("db-pdb", "prod", labels(app="db"), max_unavailable=0, healthy=3, expected=3),
            ],
            ["prod/db-pdb"],
            ["maxUnavailable: 0", "healthy: 3/3"],
        ),
        (
            [pod("web-abc-1", node_name="other-node", labels=WEB), pdb("web-pdb", selector=labels(**WEB), min_available=2)],
            [],
            [],
        ),
        (
            [pod("web-abc-1", labels={"app": "api"}), pdb("web-pdb", selector=labels(**WEB), min_available=2)],
            [],
            [],
        ),
        (
            [
                pod("web-1", labels=WEB),
                pod("db-0", labels={"app": "db"}),
                pdb("web-pdb", selector=labels(**WEB), min_available=2),
                pdb("db-pdb", selector=labels(app="db"), min_available=1, healthy=1, expected=1),
            ],
            ["default/web-pdb", "default/db-pdb"],
            ["2 PDB(s) with disruptionsAllowed=0"],
        ),
        (
            [pod("web-1", "my-app", labels=WEB), pdb("web-pdb", "my-app", labels(**WEB), min_available=2)],
            ["my-app/web-pdb"],
            ["[customer]", "1 customer-managed PDB(s)"],
        ),
        (
            [
                pod("router-1", "openshift-ingress", labels={"app": "router"}),
                pdb("router-pdb", "openshift-ingress", labels(app="router"), min_available=1, healthy=1, expected=1),
            ],
            ["openshift-ingress/router-pdb"],
            ["[platform]", "1 platform-managed PDB(s)"],
        ),
        (
            [
                pod("router-1", "openshift-ingress", labels={"app": "router"}),
                pod("web-1", "my-app", labels=WEB),
                pdb("router-pdb", "openshift-ingress", labels(app="router"), min_available=1),
                pdb("web-pdb", "my-app", labels(**WEB), min_available=2),
            ],
            ["openshift-ingress/router-pdb", "my-app/web-pdb"],
            ["customer-managed PDB(s)", "platform-managed PDB(s)"],
        ),
    ],
    ids=[
        "disruptions-allowed", "min-available", "max-unavailable", "pod-not-on-stalled-node",
        "label-mismatch", "multiple", "customer-managed", "platform-managed", "mixed",
    ],
)  # fmt: skip
def test_a_pdb_blocks_when_it_allows_no_disruption_and_selects_a_pod_on_a_stalled_node(
    objects: list[dict[str, Any]], blocking: list[str], expected: list[str]
) -> None:
    found, lines = find_blocking(objects)
    assert [f"{b.namespace}/{b.name}" for b in found] == blocking
    for fragment in expected:
        assert fragment in lines


def test_customer_pdbs_are_listed_before_platform_pdbs() -> None:
    _, lines = find_blocking(
        [
            pod("router-1", "openshift-ingress", labels={"app": "router"}),
            pod("web-1", "my-app", labels=WEB),
            pdb("router-pdb", "openshift-ingress", labels(app="router"), min_available=1),
            pdb("web-pdb", "my-app", labels(**WEB), min_available=2),
        ]
    )
    assert lines.index("my-app/web-pdb") < lines.index("openshift-ingress/router-pdb")


@pytest.mark.parametrize(
    ("owner", "replica_sets", "expected"),
    [
        (("ReplicaSet", "web-deploy-abc"), [replica_set("web-deploy-abc", "web-deploy")], "Deployment/web-deploy"),
        (("ReplicaSet", "standalone-rs"), [replica_set("standalone-rs")], "ReplicaSet/standalone-rs"),
        (("ReplicaSet", "gone-rs"), [], "ReplicaSet/gone-rs"),
        (("StatefulSet", "db-sts"), [], "StatefulSet/db-sts"),
        (None, [], "none"),
    ],
    ids=["deployment-via-replicaset", "standalone-replicaset", "unreadable-replicaset", "statefulset", "no-owner"],
)  # fmt: skip
def test_a_blocking_pdb_names_the_workload_owning_its_pods(
    owner: tuple[str, str] | None, replica_sets: list[dict[str, Any]], expected: str
) -> None:
    found, lines = find_blocking(
        [
            pod("p-1", labels=WEB, owner=owner),
            pdb("web-pdb", selector=labels(**WEB), min_available=2),
        ],
        replica_sets,
    )
    assert found[0].owners == (expected,)
    assert f"Owner: {expected}" in lines


def test_pods_of_one_workload_name_it_once_in_first_seen_order() -> None:
    found, _ = find_blocking(
        [
            pod("a-1", labels=WEB, owner=("StatefulSet", "b")),
            pod("a-2", labels=WEB, owner=("StatefulSet", "a")),
            pod("a-3", labels=WEB, owner=("StatefulSet", "b")),
            pdb("web-pdb", selector=labels(**WEB), min_available=3, healthy=3, expected=3),
        ]
    )
    assert found[0].owners == ("StatefulSet/b", "StatefulSet/a")
    assert found[0].matching_pods == ("a-1", "a-2", "a-3")


@pytest.mark.parametrize(
    ("selector", "pod_labels", "selected"),
    [
        (None, {"app": "web"}, False),
        ({}, {"app": "web"}, True),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}, {"app": "web"}, True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {"app": "web"}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"app": "web"}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"app": "web"}, True),
        ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}, {"app": "web", "tier": "x"}, True),
    ],
    ids=["no-selector", "empty-selector", "in", "notin", "exists", "does-not-exist", "labels-and-expressions"],
)  # fmt: skip
def test_pdb_selectors_follow_kubernetes_semantics(
    selector: dict[str, Any] | None, pod_labels: dict[str, str], selected: bool
) -> None:
    obj = pdb("p")
    obj["spec"]["selector"] = selector
    assert checks.selector_matches(Pdb.parse(obj).selector, pod_labels) is selected


def test_a_selector_with_an_unknown_operator_is_noted_and_skipped() -> None:
    found, lines = find_blocking(
        [
            pod("web-1", labels=WEB),
            pdb(
                "bad",
                selector={"matchExpressions": [{"key": "app", "operator": "Near"}]},
                min_available=1,
            ),
        ]
    )
    assert found == []
    assert (
        'failed to parse selector for default/bad: "Near" is not a valid label selector operator'
        in lines
    )


@pytest.mark.parametrize(
    ("namespace", "platform"),
    [
        ("openshift-monitoring", True), ("openshift-ingress", True), ("openshift", True),
        ("kube-system", True), ("kube-public", True), ("default", False), ("my-app", False),
        ("production", False), ("openshift-like-app", True), ("not-openshift", False),
    ],
)  # fmt: skip
def test_platform_namespaces_are_openshift_and_kube_ones(namespace: str, platform: bool) -> None:
    assert checks.is_platform_namespace(namespace) is platform


# --- scaling ------------------------------------------------------------------------------


def blocking(
    name: str = "web-pdb",
    namespace: str = "app-ns",
    *,
    min_available: str = "",
    max_unavailable: str = "",
    healthy: int = 3,
    expected: int = 3,
) -> BlockingPdb:
    return BlockingPdb(
        namespace=namespace,
        name=name,
        min_available=min_available,
        max_unavailable=max_unavailable,
        current_healthy=healthy,
        expected_pods=expected,
        matching_pods=("p",),
        owners=("none",),
        platform_managed=False,
    )


@pytest.mark.parametrize(
    ("pdb_", "can_scale", "fragment"),
    [
        (blocking(max_unavailable="0"), False, "maxUnavailable=0 forbids all disruptions"),
        (blocking(max_unavailable="0%"), False, "maxUnavailable=0 forbids all disruptions"),
        (blocking(max_unavailable="1", healthy=2), False, "1 pod(s) unhealthy beyond maxUnavailable threshold, unhealthy pods must recover"),
        (blocking(min_available="100%"), False, "minAvailable=100%"),
        (blocking(min_available="2", healthy=2, expected=2), True, "scaling up by 1 replica would unblock the drain (healthy: 2, minAvailable: 2)"),
        (blocking(min_available="3", healthy=3, expected=4), True, "1 of 4 pod(s) currently unhealthy (minAvailable: 3)"),
    ],
    ids=["max-unavailable-0", "max-unavailable-0-percent", "max-unavailable-unhealthy", "min-available-100-percent", "all-healthy", "some-unhealthy"],
)  # fmt: skip
def test_scaling_helps_only_when_the_pdb_leaves_room_for_one_more_healthy_pod(
    pdb_: BlockingPdb, can_scale: bool, fragment: str
) -> None:
    assessment, scalable = checks.assess_scaling(pdb_)
    assert scalable is can_scale
    assert fragment in assessment


def test_no_blocking_pdbs_means_no_scaling_assessment() -> None:
    assert checks.scaling_lines([], 0) == []


def test_scalable_and_unscalable_pdbs_are_assessed_separately() -> None:
    lines = text(
        checks.scaling_lines(
            [
                blocking("scalable-pdb", min_available="2", healthy=2, expected=2),
                blocking("stuck-pdb", "db-ns", max_unavailable="0"),
            ],
            0,
        )
    )
    assert "1 PDB(s) can be unblocked by scaling:\n  app-ns/scalable-pdb: scaling up" in lines
    assert "1 PDB(s) cannot be unblocked by scaling alone:\n  db-ns/stuck-pdb" in lines


def test_all_scalable_pdbs_give_no_unscalable_line() -> None:
    lines = text(checks.scaling_lines([blocking(min_available="3")], 0))
    assert "1 PDB(s) can be unblocked by scaling" in lines
    assert "cannot be unblocked" not in lines


def test_unhealthy_nodes_add_a_caveat_to_scaling() -> None:
    lines = text(checks.scaling_lines([blocking(min_available="2", healthy=2, expected=2)], 2))
    assert "NOTE: 2 non-draining node(s) are unhealthy: new replicas may not schedule" in lines


# --- the investigation --------------------------------------------------------------------


def run(world: FakeWorld) -> Any:
    return PdbBlockingNodeDrain().run(world.resources("pdbblockingnodedrain"))


def handover(result: Any) -> str:
    action = result.actions[-1]
    assert isinstance(action, EscalateIncident)
    return action.reason


def test_it_is_registered_under_the_originals_name_and_description() -> None:
    assert REGISTRY.resolve("pdbblockingnodedrain") is PdbBlockingNodeDrain
    assert PdbBlockingNodeDrain.description == (
        "Investigates PodDisruptionBudgets blocking node drain during cluster upgrades"
    )


def test_the_shipped_config_routes_hcp_nodepool_upgrade_delay_as_the_originals_e2e_config() -> None:
    config = load_default_config(known=REGISTRY.names())
    alert = config.match("HCPNodepoolUpgradeDelay CRITICAL (1)")
    assert alert is not None
    assert [e.name for e in alert.investigations] == ["precheck", "pdbblockingnodedrain"]
    assert config.shadowed() == []


def test_without_stalled_nodes_it_escalates_for_manual_review() -> None:
    result = run(FakeWorld(cluster=cluster(hcp=True), objects=[node("n", [taint(3)])]))
    assert types(result) == ESCALATE_FLOW
    note = note_text(result)
    assert "✅ Draining Nodes: 1 node(s) draining within threshold:\n  n: draining for 3m0s" in note
    assert "✅ No nodes are stalled in draining state" in note
    assert handover(result) == checks.NO_STALLED_NODES_REASON


def test_a_stalled_drain_held_by_a_customer_pdb_escalates_with_every_finding() -> None:
    world = FakeWorld(
        cluster=cluster(hcp=True),
        objects=[
            stalled_node("worker-1", conditions={"Ready": "True"}),
            node("worker-2", conditions={"Ready": "False"}),
            pod("web-7d9-1", "shop", "worker-1", WEB, ("ReplicaSet", "web-7d9")),
            {**replica_set("web-7d9", "web"), "metadata": {"name": "web-7d9", "namespace": "shop", "ownerReferences": [{"kind": "Deployment", "name": "web"}]}},
            pdb("web-pdb", "shop", labels(**WEB), min_available=2),
        ],
    )  # fmt: skip
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert handover(result) == checks.STALLED_REASON
    note = note_text(result)
    assert (
        "⚠️ Draining Nodes: 1/1 draining node(s) stalled (>10m0s):\n  worker-1: draining for 20m0s"
        in note
    )
    assert (
        "⚠️ Blocking PDBs: 1 PDB(s) with disruptionsAllowed=0 affecting pods on stalled nodes:\n"
        "  shop/web-pdb [customer] (minAvailable: 2, healthy: 2/2)\n    Owner: Deployment/web\n"
        "    Pods on draining nodes: web-7d9-1"
    ) in note
    assert "⚠️ Node Health: 1 non-draining node(s) unhealthy" in note
    assert "NOTE: 1 non-draining node(s) are unhealthy: new replicas may not schedule" in note


def test_a_stalled_drain_without_blocking_pdbs_still_escalates() -> None:
    result = run(FakeWorld(objects=[stalled_node()]))
    assert types(result) == ESCALATE_FLOW
    assert (
        "Blocking PDBs: no PDBs with disruptionsAllowed=0 have pods on stalled nodes"
        in note_text(result)
    )
    assert "Scaling Assessment" not in note_text(result)


def test_an_unreadable_replicaset_leaves_the_replicaset_as_owner() -> None:
    world = FakeWorld(
        objects=[
            stalled_node(),
            pod("p-1", labels=WEB, owner=("ReplicaSet", "rs-1")),
            pdb("web-pdb", selector=labels(**WEB), min_available=2),
        ]
    )
    assert "Owner: ReplicaSet/rs-1" in note_text(run(world))


def test_an_unreachable_cluster_api_is_noted_and_escalated() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError(
        "no", system="backplane", endpoint="POST /x", status=403
    )
    result = run(world)
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert (
        handover(result)
        == "CAD was unable to get credentials to the cluster. Please investigate manually."
    )


@pytest.mark.parametrize(
    "error",
    [
        ServerError("503", system="kubernetes", endpoint="LIST", status=503),
        NotFoundError("gone", system="kubernetes", endpoint="LIST", status=404),
    ],
)
def test_a_failed_list_is_an_infrastructure_error_not_a_clean_bill_of_health(
    error: Exception,
) -> None:
    world = FakeWorld(objects=[stalled_node()])
    world.fail["kube_list"] = error
    with pytest.raises(InfrastructureError):
        run(world)
