"""machinehealthcheckunterminatedshortcircuitsre: whole runs against a fake cluster."""

from __future__ import annotations

from typing import Any

import pytest

from cad.actions import BackplaneReport, EscalateIncident
from cad.config.investigation_config import load_default_config
from cad.errors import ForbiddenError, ServerError
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.investigation import (
    MachineHealthCheckUnterminatedShortCircuitSre,
)
from cad.investigations.registry import REGISTRY
from cad.testing.readers import NOW, FakeWorld

from .helpers import ESCALATE_FLOW, note_text, types
from .mhc_objects import (
    machine_object,
    mhc_object,
    no_schedule,
    node_object,
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


def test_the_shipped_config_routes_the_alert_after_precheck_and_ccam() -> None:
    config = load_default_config(known=REGISTRY.names())
    alert = config.match("MachineHealthCheckUnterminatedShortCircuitSRE CRITICAL (1)")
    assert alert is not None
    assert [e.name for e in alert.investigations] == [
        "precheck",
        "ccam",
        "machinehealthcheckunterminatedshortcircuitsre",
    ]
    assert REGISTRY.resolve("machine-health-check") is MachineHealthCheckUnterminatedShortCircuitSre
