"""The controller in PagerDuty mode, end to end against the sandbox (real clients)."""

from __future__ import annotations

import base64
import json

import pytest

from cad.controller.outcome import ExitCode, RunOutcome
from cad.executor import Outcome
from cad.simulators.sandbox import Sandbox
from cad.testing import without_marker
from tests.worlds import STOPPED_BY_CUSTOMER

from .conftest import CLUSTER_ID, BuildController, incident, seed

STOPPED = {"aws": STOPPED_BY_CUSTOMER}


def ran(outcome: RunOutcome) -> list[str]:
    """The chain's investigations that ran: the CHGM chains sample mustgather for one
    incident in ten (filtered out otherwise)."""
    return [s.investigation for s in outcome.chain if s.outcome != "filtered"]


def writes(sandbox: Sandbox) -> int:
    return sum(sandbox.writes().values())


def test_a_handled_alert_runs_its_chain_acts_and_prefixes_the_title(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert outcome.exit_code == ExitCode.OK
    assert ran(outcome) == ["precheck", "ccam", "chgm"]
    assert outcome.alert == "ClusterHasGoneMissing"
    sim = sandbox.pagerduty.incident("Q1")
    assert sim.escalation_policy_id == "PSILENT"
    assert sim.title == "[CAD Investigated] ClusterHasGoneMissing CRITICAL (1)"
    assert len(sim.notes) == 1
    assert "Customer stopped instances." in sim.notes[0]["content"]
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER_ID)) == 1


def test_the_investigations_of_one_chain_share_one_customer_aws_session(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    sandbox.faults("aws").add(path="/AssumeRoleWithWebIdentity")  # no effect: counts calls
    counted = sandbox.faults("aws").hits
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert ran(outcome) == ["precheck", "ccam", "chgm"]
    assert sandbox.faults("aws").hits - counted == 1  # ccam built it, chgm reused it
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER_ID)) == 1


def test_the_title_prefix_is_applied_once_across_runs(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    built = controller_for()
    built.controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    built.controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert sandbox.pagerduty.incident("Q1").title.count("[CAD Investigated]") == 1


@pytest.mark.parametrize("form", ["raw", "base64", "event_orchestration"])
def test_both_payload_formats_raw_or_base64_reach_the_same_chain(
    sandbox: Sandbox, controller_for: BuildController, form: str
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    fmt = "event_orchestration" if form == "event_orchestration" else "webhook_v3"
    text = json.dumps(sandbox.pagerduty.webhook_payload("Q1", payload_format=fmt))
    payload = base64.b64encode(text.encode()).decode() if form == "base64" else text
    outcome = controller_for().controller.investigate(payload)
    assert ran(outcome) == ["precheck", "ccam", "chgm"]
    assert outcome.incident is not None
    assert outcome.incident["title"] == "ClusterHasGoneMissing CRITICAL (1)"


def test_an_unhandled_alert_is_noted_and_escalated(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    incident(sandbox, title="SomethingNobodyAutomated CRITICAL")
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert (outcome.status, outcome.exit_code) == ("unhandled", ExitCode.OK)
    sim = sandbox.pagerduty.incident("Q1")
    assert [without_marker(n["content"]) for n in sim.notes] == [
        "🤖 No automation implemented for this alert; escalated to SRE. 🤖"
    ]
    assert sim.escalation_level == 2


def test_a_chain_entry_filtered_out_is_skipped_and_reported(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, hcp=True)
    incident(sandbox)
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    steps = {s.investigation: s.outcome for s in outcome.chain}
    # (mustgather, sampled for one CHGM incident in ten, is filtered out for this one)
    assert steps == {"precheck": "ran", "ccam": "ran", "chgm": "filtered", "mustgather": "filtered"}
    (chgm,) = [s for s in outcome.chain if s.investigation == "chgm"]
    assert "HCP='true' not in ['false']" in chgm.reason


def test_an_alert_filtered_out_by_its_when_clause_is_noted_and_escalated(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    config = """
alerts:
  - alert_title: ClusterHasGoneMissing
    when: {field: ClusterName, operator: notmatches, values: ["^my-"]}
    investigations: [precheck]
"""
    seed(sandbox)
    incident(sandbox)
    outcome = controller_for(config=config).controller.investigate(
        sandbox.pagerduty.webhook_payload("Q1")
    )
    assert outcome.status == "filtered"
    sim = sandbox.pagerduty.incident("Q1")
    assert "filters this alert out" in sim.notes[0]["content"]
    assert sim.escalation_level == 2


def test_costly_filter_fields_are_looked_up_only_when_used(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    config = """
alerts:
  - alert_title: ClusterHasGoneMissing
    when: {field: OwnerEmail, operator: in, values: ["owner@example.com"]}
    investigations: [precheck]
"""
    seed(sandbox)
    incident(sandbox)
    sandbox.inject("ocm", method="GET", path="/api/accounts_mgmt/v1/accounts/*", status=500)
    outcome = controller_for(config=config).controller.investigate(
        sandbox.pagerduty.webhook_payload("Q1")
    )
    assert outcome.exit_code == ExitCode.FAILED
    assert "could not evaluate the filter" in outcome.errors[0]
    assert "🚨 CAD investigation failed" in sandbox.pagerduty.incident("Q1").notes[0]["content"]
    sandbox.faults("ocm").clear()
    sandbox.pagerduty.reset()
    incident(sandbox)
    default = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert default.exit_code == ExitCode.OK  # no filter reads the owner: no lookup, no failure


def test_precheck_stops_the_chain_for_an_uninstalling_cluster(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, state="uninstalling")
    incident(sandbox)
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert [(s.investigation, s.outcome) for s in outcome.chain] == [("precheck", "stopped")]
    assert sandbox.pagerduty.incident("Q1").escalation_policy_id == "PSILENT"


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        ([{"summary": "no id here"}], "could not find a cluster id in the incident's alerts"),
        ([{"cluster_id": "does-not-exist"}], "CAD: Cluster not found"),
    ],
    ids=["no-cluster-id", "unknown-cluster"],
)
def test_early_failures_are_noted_escalated_and_fail_the_run(
    sandbox: Sandbox, controller_for: BuildController, alerts: list[dict[str, str]], message: str
) -> None:
    seed(sandbox)
    incident(sandbox, alerts=alerts)
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert outcome.exit_code == ExitCode.FAILED
    sim = sandbox.pagerduty.incident("Q1")
    assert message in sim.notes[0]["content"]
    assert sim.escalation_level == 2


def test_an_investigation_that_keeps_failing_is_escalated_with_a_note(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    sandbox.inject("ocm", method="GET", path="*/machine_pools", status=503)
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert outcome.exit_code == ExitCode.FAILED
    chgm = outcome.chain[-1]
    assert (chgm.investigation, chgm.outcome, chgm.attempts) == ("chgm", "failed", 2)
    content = sandbox.pagerduty.incident("Q1").notes[-1]["content"]
    assert "🚨 CAD investigation failed" in content
    assert "investigation chgm failed" in content
    assert sandbox.pagerduty.incident("Q1").escalation_level == 2


def test_a_run_allowed_to_defer_leaves_a_transient_failure_to_a_later_attempt_untold(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    sandbox.inject("ocm", method="GET", path="*/machine_pools", status=503)
    outcome = controller_for().controller.investigate(
        sandbox.pagerduty.webhook_payload("Q1"), defer_transient=True
    )
    assert (outcome.status, outcome.deferred) == ("failed", True)
    assert "investigation chgm failed" in outcome.errors[0]
    assert sandbox.pagerduty.incident("Q1").notes == []
    assert sandbox.pagerduty.incident("Q1").escalation_level == 1


def test_a_run_allowed_to_defer_still_escalates_a_failure_that_is_not_transient(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    incident(sandbox, alerts=[{"cluster_id": "does-not-exist"}])
    outcome = controller_for().controller.investigate(
        sandbox.pagerduty.webhook_payload("Q1"), defer_transient=True
    )
    assert (outcome.status, outcome.deferred) == ("failed", False)
    assert "CAD: Cluster not found" in sandbox.pagerduty.incident("Q1").notes[0]["content"]


def test_a_failed_write_fails_the_run_and_never_silences(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    sandbox.inject("ocm", method="POST", path="*/limited_support_reasons", status=400)
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    assert outcome.exit_code == ExitCode.FAILED
    sim = sandbox.pagerduty.incident("Q1")
    assert sim.escalation_policy_id == "PORIGINAL"
    assert sim.escalation_level == 2
    assert any(
        a.type == "limited_support" and a.outcome is Outcome.FAILED for a in outcome.all_actions()
    )


def test_a_dry_run_writes_nothing_anywhere(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    incident(sandbox)
    outcome = controller_for(dry_run=True).controller.investigate(
        sandbox.pagerduty.webhook_payload("Q1"), dry_run=True
    )
    assert outcome.exit_code == ExitCode.OK
    assert writes(sandbox) == 0
    assert sandbox.pagerduty.incident("Q1").title == "ClusterHasGoneMissing CRITICAL (1)"
    dry = [a for a in outcome.all_actions() if a.outcome is Outcome.DRY_RUN]
    assert {a.type for a in dry} == {
        "backplane_report",
        "pagerduty_note",
        "limited_support",
        "silence_incident",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"event": {"data": {}}}', "lacks event.event_type"),
        ("", "empty"),
    ],
)
def test_malformed_payloads_are_invalid_input_and_touch_nothing(
    sandbox: Sandbox, controller_for: BuildController, payload: str, message: str
) -> None:
    outcome = controller_for().controller.investigate(payload)
    assert (outcome.status, outcome.exit_code) == ("invalid", ExitCode.INVALID_INPUT)
    assert message in outcome.errors[0]
    assert writes(sandbox) == 0
