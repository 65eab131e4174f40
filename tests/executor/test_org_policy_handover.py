"""Organization routing and the hand-over to a human: once CAD moved an incident to its
organization's policy, every later escalation from the silent policy goes back there."""

from __future__ import annotations

from cad.actions import MoveToOrgPolicy, escalate, note, silence
from cad.executor import Executor, Outcome
from cad.testing import FakePagerDuty, Journal

from .conftest import INCIDENT, ContextFactory

ALPHA = MoveToOrgPolicy(organization_id="org-alpha", organization="Alpha", policy="PALPHA")


def test_moving_to_the_organizations_policy_reassigns_the_incident(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    report = executor.execute([ALPHA], context())
    assert report.outcomes() == [("move_to_org_policy", Outcome.SUCCEEDED)]
    assert report.records[0].facts == {"org_policy": "PALPHA"}
    assert pagerduty.incidents[INCIDENT.id].escalation_policy_id == "PALPHA"


def test_an_escalation_from_the_silent_policy_goes_to_the_organizations_policy(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # Given CAD moved the incident to its organization's policy
    pagerduty.services["PSVC001"] = "PSERVICE"
    executor.execute([ALPHA], context())
    # And the incident later sits on the silent policy with no silence on record
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PSILENT"
    # When a run escalates it
    report = executor.execute([note("Worse."), escalate("a human must look")], context())
    # Then it goes to the organization's policy, not the service's, then up a level
    assert report.status == "succeeded"
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PALPHA", 2)


def test_a_silence_after_the_move_is_undone_to_the_organizations_policy(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    executor.execute([ALPHA], context())
    executor.execute([note("Handled."), silence("handled")], context())
    executor.execute([note("It came back."), escalate("again")], context())
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PALPHA", 2)


def test_an_incident_cad_silenced_is_not_moved_to_the_organizations_policy(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, journal: Journal
) -> None:
    # Given an incident CAD silenced
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PSILENT"
    # When organization routing runs
    report = executor.execute([ALPHA], context())
    # Then the incident stays silenced: moving it would page without a note
    assert report.outcomes() == [("move_to_org_policy", Outcome.SKIPPED)]
    assert report.records[0].reason == "CAD silenced the incident already"
    assert "pagerduty.reassign" not in journal.names()


def test_an_incident_already_on_the_organizations_policy_counts_as_moved(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, journal: Journal
) -> None:
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PALPHA"
    report = executor.execute([ALPHA], context())
    assert report.outcomes() == [("move_to_org_policy", Outcome.SKIPPED)]
    assert report.records[0].facts == {"org_policy": "PALPHA"}
    assert "pagerduty.reassign" not in journal.names()


def test_a_move_without_an_organization_or_a_policy_is_invalid() -> None:
    action = MoveToOrgPolicy(organization_id=" ", policy="")
    assert action.problems() == ["organization_id is empty", "policy is empty"]
