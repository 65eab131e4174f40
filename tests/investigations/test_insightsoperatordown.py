"""insightsoperatordown: the original's table tests, then every outcome with exact actions."""

from __future__ import annotations

from typing import Any

import pytest

from cad.actions import BackplaneReport, EscalateIncident
from cad.clients.ocm.models import Account
from cad.config.investigation_config import load_default_config
from cad.egress import EgressResult
from cad.errors import ForbiddenError, NotFoundError, ServerError
from cad.investigations.framework.base import Result
from cad.investigations.framework.egress_notes import (
    EGRESS_SERVICE_LOG_TEMPLATE,
    prepared_egress_service_log,
)
from cad.investigations.framework.errors import ClusterDeploymentNotFoundError, InfrastructureError
from cad.investigations.insightsoperatordown import checks
from cad.investigations.insightsoperatordown.investigation import InsightsOperatorDown
from cad.investigations.registry import REGISTRY
from cad.testing.readers import FakeEgress, FakeWorld, cluster

from .helpers import ESCALATE_FLOW, note_text, of_type, types


def insights(*conditions: dict[str, Any], name: str = "insights") -> dict[str, Any]:
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": {"name": name},
        "status": {"conditions": list(conditions)},
    }


SCA_FAILED = {"type": "SCAAvailable", "status": "False", "message": "Failed to pull SCA certs"}
SCA_FINE = {"type": "SCAAvailable", "status": "True", "message": "All systems operational"}


def run(world: FakeWorld) -> Result:
    return InsightsOperatorDown().run(world.resources("insightsoperatordown"))


def reason(result: Result) -> str:
    action = result.actions[-1]
    assert isinstance(action, EscalateIncident)
    return action.reason


# --- the original's TestIsOCPBUG22226 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([SCA_FAILED], True),
        ([SCA_FINE], False),
        # ours: the symptom counts only on SCAAvailable, and within a longer message
        ([{"type": "Degraded", "message": "Failed to pull SCA certs"}], False),
        (
            [{"type": "SCAAvailable", "message": "Failed to pull SCA certs from https://x: 403"}],
            True,
        ),
        ([], False),
        ([{"type": "SCAAvailable", "message": None}], False),
    ],
    ids=[
        "SCA certs pull failure detected",
        "No SCA certs pull failure",
        "symptom on another condition",
        "symptom inside a longer message",
        "no conditions",
        "null message",
    ],
)
def test_ocpbugs_22226_is_recognised_on_the_sca_available_condition(
    conditions: list[dict[str, Any]], expected: bool
) -> None:
    operator = checks.ClusterOperator.from_object(insights(*conditions))
    assert checks.is_ocpbugs_22226(operator) is expected


def test_an_operator_without_status_has_no_symptom() -> None:
    operator = checks.ClusterOperator.from_object(
        {"metadata": {"name": "insights"}, "status": None}
    )
    assert not checks.is_ocpbugs_22226(operator)


# --- owner ---------------------------------------------------------------------------------


def test_a_banned_owner_is_noted_with_the_ban_and_escalated_for_a_proactive_case() -> None:
    world = FakeWorld(
        owner=Account(
            id="a1", banned=True, ban_code="export_control_compliance", ban_description="OFAC"
        ),
        objects=[insights(SCA_FAILED)],
    )
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == "User is banned - proactive case required"
    assert (
        "⚠️ User is banned: export_control_compliance\nBan description: OFAC\n"
        "Please open a proactive case, so that MCS can resolve the ban or organize a "
        "ownership transfer." in note_text(result)
    )
    assert "kube_list" not in world.calls  # the ban explains the outage: nothing else read


def test_an_owner_that_cannot_be_looked_up_is_noted_and_escalated() -> None:
    world = FakeWorld(subscription_status="Deprovisioned")
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == "Failed to check user ban status - manual investigation required"
    text = note_text(result)
    assert "encountered an issue when checking if the cluster owner is banned:" in text
    assert "expecting status 'Active' found 'Deprovisioned'" in text


def test_an_ocm_failure_reading_the_account_is_noted_and_escalated() -> None:
    world = FakeWorld()
    world.fail["get_account"] = NotFoundError("gone", system="ocm", endpoint="GET /accounts/a1")
    result = run(world)
    assert reason(result) == "Failed to check user ban status - manual investigation required"


# --- cluster API -------------------------------------------------------------------------------


def test_no_access_to_the_cluster_api_is_noted_with_its_cause_and_escalated() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError("denied", system="backplane", endpoint="POST /r")
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    message = "CAD was unable to get credentials to the cluster. Please investigate manually."
    assert reason(result) == message
    text = note_text(result)
    assert "✅ User is not banned." in text
    assert f"⚠️ {message} (backplane POST /r failed: denied)" in text


@pytest.mark.parametrize("objects", [[], [insights(SCA_FINE), insights(SCA_FINE)]], ids=["0", "2"])
def test_not_exactly_one_insights_operator_is_noted_and_escalated(
    objects: list[dict[str, Any]],
) -> None:
    result = run(FakeWorld(objects=objects))
    assert types(result) == ESCALATE_FLOW
    assert (
        reason(result)
        == "Unexpected insights clusteroperator count - manual investigation required"
    )
    assert f"Found {len(objects)} insights clusteroperators, expected 1" in note_text(result)


def test_a_failure_listing_cluster_operators_is_an_infrastructure_error() -> None:
    world = FakeWorld(objects=[insights(SCA_FINE)])
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="LIST", status=503)
    with pytest.raises(InfrastructureError, match="K8s API failure listing clusteroperators"):
        run(world)


def test_the_ocpbugs_22226_symptom_is_noted_with_its_remediation_and_escalated() -> None:
    world = FakeWorld(objects=[insights(SCA_FAILED)])
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == "OCPBUGS-22226 detected - manual remediation required"
    assert (
        "⚠️ Found symptom of OCPBUGS-22226. Try deleting the insights operator pod to "
        "remediate.\n$ oc -n openshift-insights delete pods -l app=insights-operator "
        "--wait=false" in note_text(result)
    )
    assert world.egress.calls == 0


# --- egress ------------------------------------------------------------------------------------

COMPLETED = "InsightsOperatorDown investigation completed - manual review required"


@pytest.mark.parametrize(
    ("verdict", "line"),
    [
        (EgressResult(outcome="success"), "✅ Network verifier passed"),
        (
            EgressResult(outcome="failure", unreachable=["quay.io:443", "api.openshift.com:443"]),
            "⚠️ NetworkVerifier found unreachable targets. \n \n Verify and send service log if "
            "necessary: \n osdctl servicelog post --cluster-id c1 -t https://raw."
            "githubusercontent.com/openshift/managed-notifications/master/osd/"
            'required_network_egresses_are_blocked.json -p URLS="quay.io:443,api.openshift.com:443"',
        ),
        (
            EgressResult(outcome="error", message="no subnet"),
            "⚠️ NetworkVerifier failed to run:\n\t no subnet",
        ),
        (
            EgressResult(outcome="unavailable", message="osd-network-verifier is not installed"),
            "⚠️ Egress was not verified: osd-network-verifier is not installed",
        ),
    ],
    ids=["passed", "blocked", "failed-to-run", "not-installed"],
)
def test_without_a_finding_the_egress_verdict_is_noted_and_the_alert_escalated(
    verdict: EgressResult, line: str
) -> None:
    world = FakeWorld(objects=[insights(SCA_FINE)], egress=FakeEgress(verdict))
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == COMPLETED
    text = note_text(result)
    assert "✅ User is not banned.\n✅ Ruled out OCPBUGS-22226\n" in text
    assert line in text
    assert [a for a in result.actions if a.action_type == "service_log"] == []


def test_a_blocked_egress_reaches_the_cluster_report_too() -> None:
    verdict = EgressResult(outcome="failure", unreachable=["quay.io:443"])
    world = FakeWorld(objects=[insights(SCA_FINE)], egress=FakeEgress(verdict))
    report = of_type(run(world), "backplane_report")
    assert isinstance(report, BackplaneReport)
    assert report.summary == "insightsoperatordown"
    assert report.created_at == world.now
    assert 'URLS="quay.io:443"' in report.data


def test_an_hcp_cluster_is_checked_without_the_network_verifier() -> None:
    world = FakeWorld(cluster=cluster(hcp=True), objects=[insights(SCA_FINE)])
    result = run(world)
    assert reason(result) == COMPLETED
    assert "Network verifier not run: the cluster is HCP" in note_text(result)
    assert world.egress.calls == 0
    assert "get_cluster_deployment" not in world.calls


def test_an_unreadable_cluster_deployment_is_noted_unless_retrying_may_help() -> None:
    world = FakeWorld(objects=[insights(SCA_FINE)])
    world.fail["get_cluster_deployment"] = NotFoundError("no cd", system="ocm", endpoint="GET")
    result = run(world)
    assert reason(result) == COMPLETED
    assert "NetworkVerifier failed to run:\n\t could not get the cluster deployment" in (
        note_text(result)
    )
    world.fail["get_cluster_deployment"] = ServerError("503", system="ocm", endpoint="GET")
    with pytest.raises(ClusterDeploymentNotFoundError, match="503"):
        run(world)


def test_the_shipped_config_routes_the_alert_after_precheck_and_ccam() -> None:
    config = load_default_config(known=REGISTRY.names())
    alert = config.match("InsightsOperatorDown CRITICAL (1)")
    assert alert is not None
    assert [e.name for e in alert.investigations] == ["precheck", "ccam", "insightsoperatordown"]


@pytest.mark.parametrize(
    ("unreachable", "param"),
    [
        (["quay.io:443"], 'URLS="quay.io:443"'),
        (["a.example:443", "b.example:80"], 'URLS="a.example:443,b.example:80"'),
        (['evil"$(rm -rf ~)`x`\\:443'], 'URLS="evil(rm -rf ~)x:443"'),
    ],
    ids=["one", "comma-joined", "shell-active-characters-dropped"],
)
def test_the_prepared_service_log_command_quotes_the_targets(
    unreachable: list[str], param: str
) -> None:
    command = prepared_egress_service_log("c1", unreachable)
    assert command.startswith(
        f"osdctl servicelog post --cluster-id c1 -t {EGRESS_SERVICE_LOG_TEMPLATE} "
    )
    assert command.endswith(f" -p {param}")
