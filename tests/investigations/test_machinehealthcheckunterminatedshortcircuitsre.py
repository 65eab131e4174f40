"""machinehealthcheckunterminatedshortcircuitsre: the original's cases (investigation, machine
and node utilities) as tables over the checks, then whole runs against a fake cluster."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cad.actions import BackplaneReport, EscalateIncident
from cad.errors import ForbiddenError, ServerError
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.checks import (
    Action,
    Recommendation,
    Recommendations,
    deleting_machine_recommendation,
    failing_machine_recommendation,
    go_duration,
    machine_role,
    node_recommendation,
    node_roles,
    remediation_allowed,
    stuck_drain,
)
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.investigation import (
    MachineHealthCheckUnterminatedShortCircuitSre,
)
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.models import (
    LabelSelector,
    Machine,
    MachineHealthCheck,
    Node,
    SelectorError,
)
from cad.testing.readers import NOW, FakeWorld

from .helpers import ESCALATE_FLOW, note_text, types

NS = "openshift-machine-api"
ROLE = "machine.openshift.io/cluster-api-machine-role"
WORKER_LABEL = "node-role.kubernetes.io/worker"


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def mhc_object(name: str = "test-mhc", *, allowed: str | None = "False") -> dict[str, Any]:
    conditions = [] if allowed is None else [{"type": "RemediationAllowed", "status": allowed}]
    return {
        "apiVersion": "machine.openshift.io/v1beta1",
        "kind": "MachineHealthCheck",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"selector": {"matchLabels": {"mhc-name": name}}},
        "status": {"conditions": conditions},
    }


def machine_object(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    reason: str | None = None,
    message: str | None = None,
    phase: str | None = None,
    node: str | None = None,
    deleting: bool = False,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": NS,
        "labels": {"mhc-name": "test-mhc", ROLE: "worker"} if labels is None else labels,
    }
    if deleting:
        metadata["deletionTimestamp"] = iso(30)
    status: dict[str, Any] = {}
    if phase:
        status["phase"] = phase
    if reason:
        status["errorReason"] = reason
    if message:
        status["errorMessage"] = message
    if node:
        status["nodeRef"] = {"kind": "Node", "name": node}
    return {
        "apiVersion": "machine.openshift.io/v1beta1",
        "kind": "Machine",
        "metadata": metadata,
        "status": status,
    }


def node_object(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    ready: str | None = "True",
    heartbeat_minutes_ago: float | None = 1,
    taints: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    conditions = []
    if ready is not None:
        condition: dict[str, Any] = {"type": "Ready", "status": ready}
        if heartbeat_minutes_ago is not None:
            condition["lastHeartbeatTime"] = iso(heartbeat_minutes_ago)
        conditions.append(condition)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {WORKER_LABEL: ""} if labels is None else labels},
        "spec": {"taints": taints or []},
        "status": {"conditions": conditions},
    }


def machine(name: str = "m", **kwargs: Any) -> Machine:
    return Machine.model_validate(machine_object(name, **kwargs))


def node(name: str = "n", **kwargs: Any) -> Node:
    return Node.model_validate(node_object(name, **kwargs))


def no_schedule(minutes_ago: float | None) -> dict[str, Any]:
    taint: dict[str, Any] = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    if minutes_ago is not None:
        taint["timeAdded"] = iso(minutes_ago)
    return taint


# --- utils/machine: HealthcheckRemediationAllowed, GetRole, selectors ------------------------


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [("False", False), (None, False), ("True", True)],
    ids=["failing condition present", "no condition present", "working condition present"],
)
def test_a_check_allows_remediation_only_when_it_says_so(
    allowed: str | None, expected: bool
) -> None:
    check = MachineHealthCheck.model_validate(mhc_object(allowed=allowed))
    assert remediation_allowed(check) is expected


def test_a_machine_role_is_its_cluster_api_role_label_and_absent_without_it() -> None:
    assert machine_role(machine(labels={ROLE: "infra"})) == "infra"
    assert machine_role(machine(labels={})) is None


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {"a": "1"}, True),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
        ({}, {"anything": "x"}, True),
    ],
)
def test_a_label_selector_matches_as_kubernetes_does(
    selector: dict[str, Any], labels: dict[str, str], expected: bool
) -> None:
    assert LabelSelector.model_validate(selector).matches(labels) is expected


def test_an_invalid_selector_operator_is_an_error() -> None:
    selector = LabelSelector.model_validate(
        {"matchExpressions": [{"key": "a", "operator": "Near", "values": []}]}
    )
    with pytest.raises(SelectorError, match="not a valid label selector operator"):
        selector.matches({})


# --- investigateFailingMachine -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "action", "notes", "error"),
    [
        (machine("role-less", labels={}), Action.INVESTIGATE_MACHINE,
         "unable to determine machine role", True),
        (machine("infra", labels={ROLE: "infra"}), Action.INVESTIGATE_MACHINE,
         "Red Hat-owned machine in terminal error state", False),
        (machine("bad-ip", reason="InvalidIPAddress"), Action.DELETE_MACHINE,
         "invalid IP address", False),
        (machine("create-failed", reason="CreateError"), Action.DELETE_MACHINE,
         "machine failed to create", False),
        (machine("invalid-config", reason="InvalidConfiguration"), Action.INVESTIGATE_MACHINE,
         "machine configuration is invalid", False),
        (machine("delete-failed", reason="DeleteError"), Action.INVESTIGATE_MACHINE,
         "the machine's node could not be gracefully terminated", False),
        (machine("insufficient-resources", reason="InsufficientResources"),
         Action.QUOTA_SERVICE_LOG, "a servicelog should be sent", False),
        (machine("no-status", phase="Failed"), Action.INVESTIGATE_MACHINE,
         "no .Status.ErrorReason found for machine", False),
    ],
    ids=[
        "investigate when no role",
        "investigate when infra failing",
        "delete when invalid IP",
        "delete when create failed",
        "investigate when invalid configuration",
        "investigate when delete failed",
        "servicelog when insufficient resources",
        "investigate when missing .Status.ErrorReason",
    ],
)  # fmt: skip
def test_a_failed_machine_gets_one_recommendation_by_role_and_error_reason(
    target: Machine, action: Action, notes: str, error: bool
) -> None:
    rec, problem = failing_machine_recommendation(target)
    assert rec.action is action
    assert rec.object == target.name
    assert notes in rec.notes
    assert (problem is not None) is error


def test_a_failed_machine_recommendation_quotes_the_error_message_as_the_original() -> None:
    rec, _ = failing_machine_recommendation(
        machine("bad-ip", reason="InvalidIPAddress", message='ip "10.0.0.1" taken')
    )
    assert rec.notes == (
        'invalid IP address: "ip \\"10.0.0.1\\" taken". Deleting machine may allow the cloud '
        "provider to assign a valid IP address"
    )


# --- investigateDeletingMachine ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "its_node", "action", "obj", "notes", "error"),
    [
        (machine("no-noderef", deleting=True), None, Action.INVESTIGATE_MACHINE, "no-noderef",
         "machine stuck deleting with no node", False),
        (machine("lonely", deleting=True, node="missing"), None, Action.INVESTIGATE_MACHINE,
         "lonely", "machine's node could not be determined", True),
        (machine("stuck-deleting", deleting=True, node="stuck-deleting"), node("stuck-deleting"),
         Action.INVESTIGATE_MACHINE, "stuck-deleting",
         "unable to determine why machine is stuck deleting", False),
        (machine("draining", deleting=True, node="n1"), node("n1", taints=[no_schedule(60)]),
         Action.INVESTIGATE_NODE, "n1", 'node "n1" found to be stuck draining for 1h0m0s', False),
    ],
    ids=[
        "investigate when no .Status.NodeRef",
        "investigate when no node for machine",
        "investigate when machine deletion reason unknown",
        "investigate the node when it is stuck draining",
    ],
)  # fmt: skip
def test_a_deleting_machine_gets_one_recommendation(
    target: Machine, its_node: Node | None, action: Action, obj: str, notes: str, error: bool
) -> None:
    rec, problem = deleting_machine_recommendation(target, its_node, NOW)
    assert (rec.action, rec.object) == (action, obj)
    assert notes in rec.notes
    assert (problem is not None) is error


# --- checkForStuckDrain, FindNoScheduleTaints ------------------------------------------------


@pytest.mark.parametrize(
    ("taints", "stuck"),
    [
        ([], False),
        ([{"effect": "NoExecute"}, {"effect": "PreferNoSchedule"}], False),
        ([no_schedule(0)], False),
        ([no_schedule(60)], True),
        ([no_schedule(None)], False),
        ([no_schedule(None), no_schedule(11)], True),
    ],
    ids=[
        "not stuck when no taints",
        "not stuck when no NoSchedule taint",
        "not stuck when short-lived NoSchedule taint",
        "stuck when long-lived NoSchedule taint",
        "handles missing TimeAdded field (SREP-1975)",
        "a later NoSchedule taint with a time counts",
    ],
)
def test_a_node_is_stuck_draining_when_a_no_schedule_taint_is_older_than_ten_minutes(
    taints: list[dict[str, Any]], stuck: bool
) -> None:
    draining = stuck_drain(node(taints=taints), NOW)
    assert (draining is not None) is stuck


# --- InvestigateNode, GetRole, FindReadyCondition ----------------------------------------------


@pytest.mark.parametrize(
    ("target", "notes"),
    [
        (node("labelless", labels={}), 'no role label containing "node-role.kubernetes.io"'),
        (node("infra", labels={"node-role.kubernetes.io/infra": ""}), "non-worker node affected"),
        (
            node("infra-worker", labels={WORKER_LABEL: "", "node-role.kubernetes.io/infra": ""}),
            "non-worker node affected",
        ),
        (node("unReady", ready=None), "found no 'Ready' .Status.Condition"),
        (node("notReady", ready="False", heartbeat_minutes_ago=90), "NotReady state for 1h30m0s"),
        (node("unknown", ready="Unknown", heartbeat_minutes_ago=5), "Unknown state for 5m0s"),
        (
            node("silent", ready="False", heartbeat_minutes_ago=None),
            "NotReady state for an unknown",
        ),
    ],
    ids=[
        "investigate when no role label",
        "investigate when bad role label",
        "investigate when any role label is not worker",
        "investigate when no Ready condition",
        "investigate when not Ready",
        "investigate when Ready is Unknown",
        "not Ready without a heartbeat",
    ],
)
def test_a_node_that_is_not_a_ready_worker_is_to_be_investigated(target: Node, notes: str) -> None:
    rec = node_recommendation(target, NOW)
    assert rec is not None
    assert (rec.action, rec.object) == (Action.INVESTIGATE_NODE, target.name)
    assert notes in rec.notes


def test_a_ready_worker_node_needs_nothing() -> None:
    assert node_recommendation(node("fine"), NOW) is None


def test_node_roles_are_the_role_labels_sorted() -> None:
    labels = {"b": "", "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": ""}
    assert node_roles(node(labels=labels)) == [
        "node-role.kubernetes.io/infra",
        "node-role.kubernetes.io/worker",
    ]
    assert node_roles(node(labels={"b": ""})) == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45.9, "45s"), (600, "10m0s"), (3723, "1h2m3s"), (90000, "25h0m0s")],
)
def test_durations_print_as_go_prints_them(seconds: float, text: str) -> None:
    assert go_duration(timedelta(seconds=seconds)) == text


# --- summarize -------------------------------------------------------------------------------


def test_the_summary_lists_groups_in_a_fixed_order_whatever_order_they_were_found_in() -> None:
    found = [
        Recommendation(Action.INVESTIGATE_NODE, "n1", "non-worker node affected"),
        Recommendation(Action.DELETE_MACHINE, "m1", "invalid IP address"),
        Recommendation(Action.QUOTA_SERVICE_LOG, "m3", "quota"),
        Recommendation(Action.DELETE_MACHINE, "m2", "machine failed to create"),
        Recommendation(Action.INVESTIGATE_MACHINE, "m4", "no node"),
    ]
    summaries = set()
    for order in (found, list(reversed(found))):
        recs = Recommendations()
        for rec in sorted(order, key=lambda r: r.object):
            recs.add(rec)
        summaries.add(recs.summarize())
    assert len(summaries) == 1
    assert summaries.pop() == (
        "delete the following machines:\n"
        '- "m1": invalid IP address\n'
        '- "m2": machine failed to create\n'
        "to delete these machines, run:\n"
        "\n"
        "oc delete machine -n openshift-machine-api m1 m2\n"
        "\n"
        "investigate the following machines:\n"
        '- "m4": no node\n'
        "\n"
        "send a service log regarding quota issues for the following machines:\n"
        '- "m3": quota\n'
        "\n"
        "investigate the following nodes:\n"
        '- "n1": non-worker node affected'
    )


# --- whole runs --------------------------------------------------------------------------------


def run(world: FakeWorld):  # type: ignore[no-untyped-def]
    name = "machinehealthcheckunterminatedshortcircuitsre"
    return MachineHealthCheckUnterminatedShortCircuitSre().run(world.resources(name))


def escalation_reason(result: Any) -> str:
    action = result.actions[-1]
    assert isinstance(action, EscalateIncident)
    return action.reason


@pytest.mark.parametrize(
    ("objects", "named"),
    [
        ([mhc_object(), machine_object("mhc-owned-1", reason="CreateError")], ["mhc-owned-1"]),
        (
            [
                mhc_object(),
                machine_object("mhc-owned-1", reason="CreateError"),
                machine_object("mhc-owned-2", reason="CreateError"),
                machine_object("irrelevant", labels={}, reason="CreateError"),
            ],
            ["mhc-owned-1", "mhc-owned-2"],
        ),
    ],
    ids=["one valid machine", "two valid machines"],
)
def test_the_machines_of_a_short_circuited_check_are_the_targets(
    objects: list[dict[str, Any]], named: list[str]
) -> None:
    result = run(FakeWorld(objects=objects))
    assert types(result) == ESCALATE_FLOW
    assert f"oc delete machine -n openshift-machine-api {' '.join(named)}" in note_text(result)
    assert "irrelevant" not in note_text(result)
    assert escalation_reason(result) == "MachineHealthCheck investigation complete"


@pytest.mark.parametrize(
    "objects",
    [
        [mhc_object()],
        [mhc_object(allowed="True"), machine_object("m1", reason="CreateError")],
        [],
    ],
    ids=["no valid machines", "the check still remediates", "no checks at all"],
)
def test_no_target_machines_is_noted_and_escalated(objects: list[dict[str, Any]]) -> None:
    result = run(FakeWorld(objects=objects))
    assert types(result) == ESCALATE_FLOW
    assert "⚠️ no machines found for short-circuited machinehealthcheck objects" in note_text(result)
    assert escalation_reason(result) == "No machines found for short-circuited MHC objects"


def test_every_kind_of_problem_gets_its_group_and_nodes_of_investigated_machines_are_skipped() -> (
    None
):
    objects = [
        mhc_object(),
        machine_object("bad-ip", reason="InvalidIPAddress", node="n-bad-ip"),
        machine_object("quota", reason="InsufficientResources"),
        machine_object("draining", deleting=True, node="n-draining"),
        machine_object("running", node="n-notready"),
        machine_object("healthy", node="n-ready"),
        node_object("n-bad-ip", ready="False"),
        node_object("n-draining", taints=[no_schedule(45)]),
        node_object("n-notready", ready="False", heartbeat_minutes_ago=20),
        node_object("n-ready"),
    ]
    result = run(FakeWorld(objects=objects))
    note = note_text(result)
    assert '- "bad-ip": invalid IP address: "". Deleting machine' in note
    assert "oc delete machine -n openshift-machine-api bad-ip\n" in note
    assert '- "quota": a servicelog should be sent' in note
    assert '- "n-draining": node "n-draining" found to be stuck draining for 45m0s' in note
    assert '- "n-notready": node has been in NotReady state for 20m0s' in note
    assert "n-bad-ip" not in note
    assert "n-ready" not in note
    assert note.index("delete the following") < note.index("send a service log")
    assert note.index("send a service log") < note.index("investigate the following nodes")


def test_healthy_targets_are_reported_as_needing_nothing() -> None:
    objects = [mhc_object(), machine_object("m1", node="n1"), node_object("n1")]
    result = run(FakeWorld(objects=objects))
    note = note_text(result)
    assert "✅ no deleting or Failed machines found" in note
    assert "✅ no recommended actions to take against cluster" in note
    assert types(result) == ESCALATE_FLOW


def test_errors_while_investigating_machines_are_noted_beside_the_recommendations() -> None:
    objects = [
        mhc_object(),
        machine_object("lonely", deleting=True, node="missing"),
        machine_object("role-less", labels={"mhc-name": "test-mhc"}, phase="Failed"),
    ]
    note = note_text(run(FakeWorld(objects=objects)))
    assert (
        "failed to investigate machines: failed to investigate deleting machine: failed to "
        'retrieve node for machine "lonely": nodes "missing" not found'
    ) in note
    assert 'failed to determine role for machine "role-less"' in note
    assert '- "lonely": machine\'s node could not be determined' in note


def test_an_invalid_check_selector_is_noted_and_the_other_checks_still_count() -> None:
    broken = mhc_object("broken")
    broken["spec"]["selector"] = {"matchExpressions": [{"key": "a", "operator": "Near"}]}
    objects = [broken, mhc_object(), machine_object("m1", reason="CreateError")]
    note = note_text(run(FakeWorld(objects=objects)))
    assert 'failed to retrieve machines from machinehealthcheck "broken"' in note
    assert "oc delete machine -n openshift-machine-api m1" in note


def test_the_report_carries_the_note_and_the_run_clock() -> None:
    result = run(FakeWorld(objects=[mhc_object(), machine_object("m1", reason="CreateError")]))
    report = result.actions[0]
    assert isinstance(report, BackplaneReport)
    assert report.created_at == NOW
    assert "oc delete machine" in report.data


def test_each_run_starts_with_no_recommendations_of_an_earlier_run() -> None:
    investigation = MachineHealthCheckUnterminatedShortCircuitSre()
    first = FakeWorld(objects=[mhc_object(), machine_object("m1", reason="CreateError")])
    investigation.run(first.resources("x"))
    second = investigation.run(
        FakeWorld(objects=[mhc_object(), machine_object("m2", reason="CreateError")]).resources("x")
    )
    assert '"m1"' not in note_text(second)


def test_no_access_to_the_cluster_api_is_noted_and_escalated() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError("no", system="backplane", endpoint="POST", status=403)
    result = run(world)
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert escalation_reason(result) == (
        "CAD was unable to get credentials to the cluster. Please investigate manually."
    )


def test_api_failures_while_listing_are_infrastructure_errors() -> None:
    world = FakeWorld(objects=[mhc_object()])
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="LIST", status=503)
    with pytest.raises(InfrastructureError, match="MachineHealthChecks"):
        run(world)
