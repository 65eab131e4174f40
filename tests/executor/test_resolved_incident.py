"""An incident resolved while CAD worked on it (issue 21): its PagerDuty writes are skipped,
saying why; nothing else is, and a state CAD could not read is no reason to skip."""

from __future__ import annotations

from cad.actions import escalate, limited_support, note, silence
from cad.executor import ExecutionOptions, Executor, Outcome
from cad.executor.guards import RESOLVED
from cad.testing import FakeOcm, FakePagerDuty, transient

from .conftest import CLUSTER, INCIDENT, ContextFactory


def test_on_a_resolved_incident_every_pagerduty_write_is_skipped_and_the_rest_is_done(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, ocm: FakeOcm
) -> None:
    # Given the incident was resolved by a responder
    pagerduty.incidents[INCIDENT.id].status = "resolved"
    # When CAD executes a limited support, a note and a silence
    report = executor.execute(
        [limited_support("LS", "d"), note("Findings."), silence("handled")], context()
    )
    # Then the limited support is posted, and PagerDuty is left alone, saying why
    assert report.outcomes() == [
        ("limited_support", Outcome.SUCCEEDED),
        ("pagerduty_note", Outcome.SKIPPED),
        ("silence_incident", Outcome.SKIPPED),
    ]
    assert [r.reason for r in report.records[1:]] == [RESOLVED, RESOLVED]
    assert report.status == "succeeded"
    assert len(ocm.limited_support[CLUSTER.id]) == 1
    assert pagerduty.incidents[INCIDENT.id].notes == []
    # And the state was read once, before the first PagerDuty write
    assert [n for n in pagerduty.journal.names() if n.startswith("pagerduty")] == [
        "pagerduty.get_incident"
    ]


def test_an_open_incident_gets_its_writes_as_usual(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    report = executor.execute([note("Findings."), escalate("needs a human")], context())
    assert {r.outcome for r in report.records} == {Outcome.SUCCEEDED}
    assert pagerduty.incidents[INCIDENT.id].escalation_level == 2


def test_when_the_state_cannot_be_read_the_writes_go_ahead_and_say_so(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # Given PagerDuty fails the state check once
    pagerduty.fail("get_incident", transient(503, "pagerduty"))
    # When CAD notes and escalates
    report = executor.execute([note("Findings."), escalate("needs a human")], context())
    # Then both happen (never an unresolved incident with nobody), each record says the
    # check failed, and so does the note
    assert {r.outcome for r in report.records} == {Outcome.SUCCEEDED}
    assert all(
        "could not check whether the incident was resolved" in (r.reason or "")
        for r in report.records
    )
    assert pagerduty.incidents[INCIDENT.id].escalation_level == 2
    [posted] = pagerduty.incidents[INCIDENT.id].notes
    assert "could not check whether the incident was resolved" in posted


def test_a_dry_run_does_not_read_the_state(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    pagerduty.incidents[INCIDENT.id].status = "resolved"
    report = executor.execute([note("Findings.")], context(), ExecutionOptions(dry_run=True))
    assert report.outcomes() == [("pagerduty_note", Outcome.DRY_RUN)]
    assert pagerduty.journal.names() == []
