"""precheck, ccam and clustermonitoringerrorbudgetburn: every outcome, exact actions."""

from __future__ import annotations

from typing import Any

import pytest

from cad.actions import EscalateIncident, LimitedSupport, PagerDutyNote, ServiceLog, SilenceIncident
from cad.errors import ForbiddenError, NotFoundError, ServerError
from cad.investigations.ccam.checks import (
    CCAM_LS_DETAILS,
    CCAM_LS_SUMMARY,
    customer_removed_permissions,
)
from cad.investigations.ccam.investigation import Ccam
from cad.investigations.clustermonitoringerrorbudgetburn.investigation import (
    ClusterMonitoringErrorBudgetBurn,
)
from cad.investigations.framework.errors import (
    ClusterLookupError,
    FindingError,
    InfrastructureError,
)
from cad.investigations.precheck import checks as precheck_checks
from cad.investigations.precheck.investigation import Precheck
from cad.testing.readers import FakeWorld, cluster

from .helpers import ESCALATE_FLOW, note_text, of_type, types

# --- precheck ------------------------------------------------------------------------------


def handover_reason(result: Any) -> str:
    action = result.actions[-1]
    assert isinstance(action, SilenceIncident | EscalateIncident)
    return action.reason


@pytest.mark.parametrize(
    ("world", "handover", "message"),
    [
        (FakeWorld(cluster=None), "escalate_incident", precheck_checks.CLUSTER_NOT_FOUND),
        (
            FakeWorld(cluster=cluster(state="uninstalling")),
            "silence_incident",
            precheck_checks.UNINSTALLING,
        ),
        (
            FakeWorld(cluster=cluster(aws=False, cloud_provider="gcp")),
            "escalate_incident",
            precheck_checks.UNSUPPORTED_PROVIDER,
        ),
        (FakeWorld(access_protected=True), "escalate_incident", precheck_checks.ACCESS_PROTECTED),
    ],
    ids=["not-found", "uninstalling", "not-aws", "access-protected"],
)
def test_precheck_stops_the_chain_with_a_note_and_a_handover(
    world: FakeWorld, handover: str, message: str
) -> None:
    result = Precheck().run(world.resources("precheck"))
    assert types(result) == ["pagerduty_note", handover]
    note = result.actions[0]
    assert isinstance(note, PagerDutyNote)
    assert note.content == message
    assert handover_reason(result) == message
    assert result.stop


def test_precheck_escalates_when_access_protection_cannot_be_determined() -> None:
    world = FakeWorld()
    world.fail["is_access_protected"] = ServerError("down", system="ocm", endpoint="GET /x")
    result = Precheck().run(world.resources("precheck"))
    assert handover_reason(result) == precheck_checks.ACCESS_PROTECTION_UNKNOWN
    assert result.stop == "access protection status unknown"


def test_precheck_lets_a_healthy_cluster_through() -> None:
    result = Precheck().run(FakeWorld().resources("precheck"))
    assert result.actions == []
    assert result.stop is None


def test_precheck_does_not_mistake_a_failed_lookup_for_a_missing_cluster() -> None:
    world = FakeWorld()
    world.fail["find_cluster"] = ServerError("down", system="ocm", endpoint="GET /clusters")
    with pytest.raises(ClusterLookupError):
        Precheck().run(world.resources("precheck"))


# --- ccam ------------------------------------------------------------------------------------

DENIED = (
    "could not assume support role in customer's account: operation error STS: AssumeRole, "
    "https response error StatusCode: 403, AccessDenied: not authorized"
)


def ccam_world(state: str = "ready", error: Exception | None = None) -> FakeWorld:
    world = FakeWorld(cluster=cluster(state=state))
    world.fail["aws_client"] = error or ForbiddenError(
        DENIED, system="backplane", endpoint="GET /x", status=403
    )
    return world


@pytest.mark.parametrize(
    "text",
    [
        "Failed to find trusted relationship to support role 'RH-Technical-Support-Access'",
        "User: arn:aws:sts::1:assumed-role/RH-Managed-OpenShift-Installer/OCM is not authorized to perform: sts:AssumeRole on resource: arn",
        "Support role, used with cluster '2abcdefghijklmnopqrstuvwxyz01234', does not exist in the customer's AWS account",
        DENIED,
        "User: x is not authorized to perform: iam:GetRole on resource: role ManagedOpenShift-Support-Role because",
    ],
)
def test_the_five_customer_caused_patterns_are_recognised(text: str) -> None:
    assert customer_removed_permissions(text)


def test_other_credential_errors_are_not_customer_caused() -> None:
    assert not customer_removed_permissions("backplane: service unavailable")
    assert not customer_removed_permissions(
        "Support role, used with cluster 'SHORT', does not exist"
    )


def test_ccam_puts_a_ready_cluster_in_limited_support_with_a_note_and_silences() -> None:
    result = Ccam().run(ccam_world().resources("ccam"))
    assert types(result) == ["pagerduty_note", "limited_support", "silence_incident"]
    ls = of_type(result, "limited_support")
    assert isinstance(ls, LimitedSupport)
    assert (ls.summary, ls.details, ls.context) == (CCAM_LS_SUMMARY, CCAM_LS_DETAILS, "CCAM")
    assert handover_reason(result) == "Cluster credentials are missing - limited support added"
    assert DENIED in note_text(result)
    assert result.stop


def test_ccam_silences_an_uninstalling_cluster_without_limited_support() -> None:
    result = Ccam().run(ccam_world(state="uninstalling").resources("ccam"))
    assert types(result) == ["pagerduty_note", "silence_incident"]
    assert "cluster is already uninstalling" in handover_reason(result)


def test_ccam_escalates_a_cluster_in_another_state() -> None:
    result = Ccam().run(ccam_world(state="installing").resources("ccam"))
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert handover_reason(result) == (
        "Cluster has invalid cloud credentials (support role/policy is missing) and the cluster "
        "is in state 'installing'. Please investigate."
    )


def test_ccam_does_nothing_when_credentials_work() -> None:
    assert Ccam().run(FakeWorld().resources("ccam")).actions == []


def test_a_transient_credential_failure_is_an_infrastructure_error() -> None:
    world = ccam_world(
        error=ServerError("backplane 503", system="backplane", endpoint="GET /x", status=503)
    )
    with pytest.raises(InfrastructureError, match="AWS/Backplane infrastructure failure"):
        Ccam().run(world.resources("ccam"))


def test_a_permanent_unknown_credential_failure_is_a_finding() -> None:
    world = ccam_world(
        error=NotFoundError("no role sequence", system="backplane", endpoint="GET /x", status=404)
    )
    with pytest.raises(FindingError, match="no role sequence"):
        Ccam().run(world.resources("ccam"))


# --- clustermonitoringerrorbudgetburn ---------------------------------------------------------

SYMPTOMS = {
    "configmap": 'the User Workload Configuration from "config.yaml" key in the "openshift-user-workload-monitoring/user-workload-monitoring-config" ConfigMap could not be parsed: error',
    "alertmanager": "UpdatingUserWorkloadAlertmanager: waiting for Alertmanager User Workload object changes failed: waiting for Alertmanager openshift-user-workload-monitoring/user-workload: timeout",
    "prometheus": 'UpdatingUserWorkloadPrometheus: Prometheus "openshift-user-workload-monitoring/user-workload": NoPodReady',
}


def monitoring(message: str, name: str = "monitoring") -> dict[str, Any]:
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": {"name": name},
        "status": {
            "conditions": [
                {"type": "Degraded", "message": "x"},
                {"type": "Available", "status": "False", "message": message},
            ]
        },
    }


@pytest.mark.parametrize(
    ("symptom", "reason"),
    [
        ("configmap", "UWM configmap"),
        ("alertmanager", "UWM AlertManager"),
        ("prometheus", "UWM Prometheus"),
    ],
)
def test_cmbb_sends_a_service_log_and_silences_for_each_uwm_misconfiguration(
    symptom: str, reason: str
) -> None:
    world = FakeWorld(objects=[monitoring(SYMPTOMS[symptom])])
    result = ClusterMonitoringErrorBudgetBurn().run(
        world.resources("clustermonitoringerrorbudgetburn")
    )
    assert types(result) == [
        "backplane_report",
        "pagerduty_note",
        "service_log",
        "silence_incident",
    ]
    sl = of_type(result, "service_log")
    assert isinstance(sl, ServiceLog)
    assert (sl.severity, sl.summary) == (
        "Major",
        "Action required: review user-workload-monitoring configuration",
    )
    assert "opennshift" not in sl.description
    assert "red_hat_openshift_service_on_aws" in sl.description
    assert handover_reason(result) == f"Customer misconfigured {reason}"


def test_the_three_uwm_service_logs_are_distinct_effects() -> None:
    descriptions = set()
    for message in SYMPTOMS.values():
        result = ClusterMonitoringErrorBudgetBurn().run(
            FakeWorld(objects=[monitoring(message)]).resources("x")
        )
        descriptions.add(of_type(result, "service_log").dedupe_key())
    assert len(descriptions) == 3


def test_cmbb_escalates_when_uwm_is_not_the_cause() -> None:
    result = ClusterMonitoringErrorBudgetBurn().run(
        FakeWorld(objects=[monitoring("all good")]).resources("x")
    )
    assert types(result) == ESCALATE_FLOW
    assert "✅ Monitoring CO not degraded due to UWM misconfiguration" in note_text(result)


def test_cmbb_escalates_when_the_monitoring_operator_is_missing() -> None:
    result = ClusterMonitoringErrorBudgetBurn().run(FakeWorld(objects=[]).resources("x"))
    assert types(result) == ESCALATE_FLOW
    assert "Found 0 monitoring clusteroperators, expected 1" in note_text(result)


def test_cmbb_escalates_with_a_note_when_the_cluster_api_cannot_be_reached() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError(
        "no", system="backplane", endpoint="POST /x", status=403
    )
    result = ClusterMonitoringErrorBudgetBurn().run(world.resources("x"))
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert (
        handover_reason(result)
        == "CAD was unable to get credentials to the cluster. Please investigate manually."
    )
    assert "CAD was unable to get credentials to the cluster" in note_text(result)


def test_cmbb_list_failures_are_infrastructure_errors() -> None:
    world = FakeWorld()
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="LIST", status=503)
    with pytest.raises(InfrastructureError):
        ClusterMonitoringErrorBudgetBurn().run(world.resources("x"))
