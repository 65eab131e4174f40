"""machinehealthcheckunterminatedshortcircuitsre's checks: the original's cases (investigation,
machine and node utilities) as tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

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
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.models import (
    LabelSelector,
    Machine,
    MachineHealthCheck,
    Node,
    SelectorError,
)
from cad.testing.readers import NOW

from .mhc_objects import (
    ROLE,
    WORKER_LABEL,
    machine,
    mhc_object,
    no_schedule,
    node,
)

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
