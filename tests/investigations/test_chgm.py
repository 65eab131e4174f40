"""chgm, outcome by outcome; the original's 28 cases reproduced with the same inputs."""

from __future__ import annotations

import pytest

from cad.actions import LimitedSupport, ServiceLog, SilenceIncident
from cad.clients.writers import ServiceLogEntry
from cad.egress import EgressResult
from cad.errors import ServerError
from cad.investigations.chgm.checks import EGRESS_LS_DETAILS, LS_SUMMARY, STOPPED_LS_DETAILS
from cad.investigations.chgm.investigation import Chgm
from cad.investigations.framework.errors import InfrastructureError
from cad.testing.readers import FakeEgress, FakeWorld, cluster

from .helpers import ESCALATE_FLOW, LS_FLOW, note_text, of_type, record, stopped_world, types


def run(world: FakeWorld):  # type: ignore[no-untyped-def]
    return Chgm().run(world.resources("chgm"))


# --- the original's suite, case by case ----------------------------------------------------


def test_case_01_an_instance_stopped_by_an_unknown_user_puts_the_cluster_in_limited_support() -> (
    None
):
    result = run(stopped_world(username="654321"))
    assert types(result) == LS_FLOW
    ls = of_type(result, "limited_support")
    assert isinstance(ls, LimitedSupport)
    assert (ls.summary, ls.details, ls.context) == (
        LS_SUMMARY,
        STOPPED_LS_DETAILS,
        "StoppedInstances",
    )
    silence = of_type(result, "silence_incident")
    assert isinstance(silence, SilenceIncident)
    assert silence.reason == "Customer stopped instances - cluster in limited support"
    text = note_text(result)
    assert "⚠️ Customer stopped instances." in text
    assert "by user '654321'" in text


def test_case_02_event_version_1_99_is_supported() -> None:
    assert types(run(stopped_world(raw=record(version="1.99")))) == LS_FLOW


def test_case_03_failing_to_list_non_running_instances_is_an_infrastructure_error() -> None:
    world = stopped_world()
    world.fail["list_non_running_instances"] = ServerError("boom", system="aws", endpoint="EC2")
    with pytest.raises(InfrastructureError, match="AWS API failure"):
        run(world)


def test_case_04_no_stopped_instances_escalates_and_says_why() -> None:
    world = stopped_world()
    world.non_running = []
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "✅ Customer did not stop nodes." in text
    assert "No non-running instances found; terminated instances may have already expired." in text


def test_case_05_failing_to_look_up_stop_events_is_an_infrastructure_error() -> None:
    world = stopped_world()
    world.fail["lookup_stop_events"] = ServerError("boom", system="aws", endpoint="CloudTrail")
    with pytest.raises(InfrastructureError, match="CloudTrail"):
        run(world)


def test_case_06_zero_stop_events_escalates_with_a_note_listing_the_instance() -> None:
    result = run(stopped_world(events=False))
    assert types(result) == ESCALATE_FLOW
    assert "no matching StopInstances or TerminateInstances event: i-1" in note_text(result)


def test_case_07_a_user_named_like_an_allowed_role_is_still_not_allowed() -> None:
    result = run(stopped_world(username="ManagedOpenShift-Installer-Role", issuer="654321"))
    assert types(result) == LS_FLOW


@pytest.mark.parametrize(
    ("case", "username", "issuer", "ccs"),
    [
        ("08", "someone", "openshift-machine-api-aws-cloud-credentials", False),
        ("09", "someone", "OrganizationAccountAccessRole", False),
        # The original's case 10 is titled "CCS cluster" but uses a non-CCS cluster.
        ("10", "someone", "OrganizationAccountAccessRole", False),
        ("11", "someone", "ManagedOpenShift-Installer-Role", False),
        ("12", "someone", "customprefix-Installer-Role", False),
        ("13", "someone", "ManagedOpenShift-Support-abcd", False),
        ("14", "someone", "abcd-Support-Role", False),
        ("15", "osdManagedAdmin-abcd", "", False),
        ("16", "osdCcsAdmin", "", False),
        ("17", "system-openshift-machine-api-aws-x", "", False),
    ],
)
def test_cases_08_to_17_sre_and_automation_users_and_roles_escalate(
    case: str, username: str, issuer: str, ccs: bool
) -> None:
    result = run(stopped_world(username=username, issuer=issuer, ccs=ccs))
    assert types(result) == ESCALATE_FLOW, case
    assert "✅ Customer did not stop nodes." in note_text(result)


def test_organization_account_access_role_is_the_customers_own_on_ccs_clusters() -> None:
    """Not in the original's suite: the CCS side of cases 09 and 10."""
    result = run(
        stopped_world(username="someone", issuer="OrganizationAccountAccessRole", ccs=True)
    )
    assert types(result) == LS_FLOW


@pytest.mark.parametrize(
    ("case", "raw"),
    [
        ("18", record(identity={})),
        ("19", record(issuer="testuser")),
        (
            "20",
            record(
                identity={
                    "type": "AssumedRole",
                    "sessionContext": {"sessionIssuer": {"type": "User"}},
                }
            ),
        ),
        ("21", '{"eventVersion": "1.08"}'),
        ("22", record(identity={})),
        ("23", record(identity={"type": "IAMUser", "userName": "jdoe"})),
    ],
)
def test_cases_18_to_23_customer_identities_put_the_cluster_in_limited_support(
    case: str, raw: str
) -> None:
    assert types(run(stopped_world(username="jdoe", raw=raw))) == LS_FLOW, case


@pytest.mark.parametrize(
    ("case", "raw", "fragment"),
    [
        ("24", "{}", "cannot read the CloudTrail event version"),
        ("26", "", "the CloudTrail event record is empty"),
        ("27", "{}", "cannot read the CloudTrail event version"),
        ("28", "{", "not JSON"),
    ],
)
def test_cases_24_26_27_28_unreadable_cloudtrail_records_escalate_with_a_note(
    case: str, raw: str, fragment: str
) -> None:
    result = run(stopped_world(raw=raw))
    assert types(result) == ESCALATE_FLOW, case
    text = note_text(result)
    assert "Could not complete instance investigation" in text
    assert fragment in text


def test_case_25_zero_events_for_a_stopped_instance_escalates_with_a_note() -> None:
    result = run(stopped_world(events=False))
    assert types(result) == ESCALATE_FLOW
    assert "i-1" in note_text(result)


def test_an_unsupported_event_version_escalates_with_a_note() -> None:
    result = run(stopped_world(raw=record(version="2.01")))
    assert types(result) == ESCALATE_FLOW
    assert "unexpected event version (got 2.01" in note_text(result)


# --- improvements on the original (they change the outcome: named as such) --------------


def test_improvement_an_instance_stopped_before_the_lookback_window_is_a_finding_not_a_failure() -> (
    None
):
    """The original failed with an infrastructure error after four attempts; we escalate with
    a note naming the instance."""
    result = run(stopped_world(stopped_minutes_ago=180, events=False))
    assert types(result) == ESCALATE_FLOW
    assert "stopped before the 2h CloudTrail lookback window: i-1" in note_text(result)


def test_improvement_the_note_compares_running_with_expected_nodes() -> None:
    text = note_text(run(stopped_world(username="osdCcsAdmin")))
    assert (
        "Running instances: 3 master, 0 infra, 0 worker (expected 3 master, 2 infra, 2-2 worker)."
        in text
    )


def test_missing_node_counts_in_ocm_are_an_infrastructure_error() -> None:
    world = stopped_world()
    world.cluster = cluster(nodes_infra=None)
    with pytest.raises(InfrastructureError, match="expected nodes"):
        run(world)


# --- hibernation and egress -------------------------------------------------------------


def authorized_world(egress: EgressResult | None = None, product: str = "rosa") -> FakeWorld:
    world = stopped_world(username="osdManagedAdmin")
    world.cluster = cluster(product=product)
    if egress is not None:
        world.egress = FakeEgress(egress)
    return world


def test_a_recent_resume_from_hibernation_is_noted() -> None:
    world = authorized_world()
    world.service_logs = [
        ServiceLogEntry(summary="cluster_state_hibernating", timestamp=world.ago(60 * 24 * 40)),
        ServiceLogEntry(summary="cluster_state_ready", timestamp=world.ago(30)),
    ]
    assert "Cluster has resumed from hibernation within the last 2 hours" in note_text(run(world))


def test_a_resume_long_ago_is_not_noted() -> None:
    world = authorized_world()
    world.service_logs = [
        ServiceLogEntry(summary="cluster_state_hibernating", timestamp=world.ago(60 * 24 * 40)),
        ServiceLogEntry(summary="cluster_state_ready", timestamp=world.ago(60 * 24)),
    ]
    assert "hibernation" not in note_text(run(world))


def test_blocked_deadmanssnitch_egress_puts_the_cluster_in_limited_support() -> None:
    result = run(authorized_world(EgressResult(outcome="failure", unreachable=["nosnch.in:443"])))
    assert types(result) == LS_FLOW
    ls = of_type(result, "limited_support")
    assert isinstance(ls, LimitedSupport)
    assert (ls.details, ls.context) == (EGRESS_LS_DETAILS, "EgressBlocked")
    assert "Egress `nosnch.in` blocked." in note_text(result)


@pytest.mark.parametrize(
    ("product", "doc"),
    [("rosa", "red_hat_openshift_service_on_aws"), ("osd", "openshift_dedicated")],
)
def test_other_blocked_egress_sends_a_service_log_with_the_products_documentation(
    product: str, doc: str
) -> None:
    verdict = EgressResult(outcome="failure", unreachable=["quay.io:443", "api.openshift.com:443"])
    result = run(authorized_world(verdict, product=product))
    assert types(result) == [
        "backplane_report",
        "pagerduty_note",
        "service_log",
        "escalate_incident",
    ]
    sl = of_type(result, "service_log")
    assert isinstance(sl, ServiceLog)
    assert (sl.severity, sl.summary) == ("Critical", "Action required: Network misconfiguration")
    assert "quay.io:443, api.openshift.com:443" in sl.description
    assert doc in sl.description
    assert "Unreachable: \nquay.io:443, api.openshift.com:443" in note_text(result)


@pytest.mark.parametrize(
    ("verdict", "line"),
    [
        (EgressResult(outcome="success"), "✅ Network verifier passed"),
        (
            EgressResult(outcome="error", message="timeout"),
            "NetworkVerifier failed to run:\n timeout",
        ),
        (
            EgressResult(outcome="unavailable", message="osd-network-verifier is not installed"),
            "Egress was not verified: osd-network-verifier is not installed",
        ),
    ],
)
def test_without_a_cause_found_chgm_escalates_with_the_egress_verdict_in_the_note(
    verdict: EgressResult, line: str
) -> None:
    result = run(authorized_world(verdict))
    assert types(result) == ESCALATE_FLOW
    assert line in note_text(result)
