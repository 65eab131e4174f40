"""Every note CAD writes ends with a marker of its run and action: the same in every attempt
and every re-execution of a delivery, so a note that landed is recognised and never posted
again, also after a crash, whatever lines the executor added to it then."""

from __future__ import annotations

import pytest

from cad.actions import NoteWriter, escalate, limited_support, note, note_from, silence
from cad.actions.pagerduty import note_marker
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    InMemoryLedger,
    Outcome,
    WriteClients,
)
from cad.testing import FakeOcm, FakePagerDuty, Journal, VirtualClock, without_marker

from .conftest import CLUSTER, INCIDENT, ContextFactory


class ProcessDied(BaseException):
    """The worker process was killed: nothing after this point of the attempt ran."""


class DiesAfterStoringTheNote(FakePagerDuty):
    """PagerDuty stores the note; the process dies before it hears back (once)."""

    died = False

    def add_note(self, incident_id: str, content: str) -> None:
        super().add_note(incident_id, content)
        if not self.died:
            self.died = True
            raise ProcessDied


def findings() -> NoteWriter:
    notes = NoteWriter("chgm")
    notes.warning("Customer stopped instances.")
    return notes


def test_a_note_posted_by_an_attempt_that_crashed_is_not_posted_by_the_re_execution(
    journal: Journal, ocm: FakeOcm
) -> None:
    # Given an attempt that sent limited support, posted its note and died right after
    pagerduty = DiesAfterStoringTheNote(journal)
    pagerduty.add_incident(INCIDENT.id, INCIDENT.title)
    ctx = ExecutionContext(
        investigation="chgm",
        cluster=CLUSTER,
        incident=INCIDENT,
        clients=WriteClients(ocm=ocm, pagerduty=pagerduty),
    )
    clock = VirtualClock()
    actions = [limited_support("LS", "d"), note_from(findings()), silence("handled")]
    with (
        Executor.standard(ledger=InMemoryLedger(), clock=clock, sleep=clock.sleep) as first,
        pytest.raises(ProcessDied),
    ):
        first.execute(actions, ctx)
    [posted] = pagerduty.incidents[INCIDENT.id].notes
    assert "Sent LS: 'LS'" in posted
    # When the delivery is re-executed by another process (its ledger knows nothing), with
    # the investigation's same findings: this time the limited support is a skip, so the
    # executor's lines in the note differ
    again = [limited_support("LS", "d"), note_from(findings()), silence("handled")]
    with Executor.standard(ledger=InMemoryLedger(), clock=clock, sleep=clock.sleep) as second:
        report = second.execute(again, ctx, ExecutionOptions(reconcile=True))
    # Then the note is recognised by its marker and not posted again; the silence follows
    assert report.outcomes() == [
        ("limited_support", Outcome.SKIPPED),
        ("pagerduty_note", Outcome.SKIPPED),
        ("silence_incident", Outcome.SUCCEEDED),
    ]
    assert pagerduty.incidents[INCIDENT.id].notes == [posted]
    assert pagerduty.incidents[INCIDENT.id].escalation_policy_id == "PSILENT"


def test_the_marker_names_the_run_and_the_action_and_is_the_notes_last_line(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    executor.execute([note("Findings."), escalate("needs SRE")], context())
    [content] = pagerduty.incidents[INCIDENT.id].notes
    key = note("Findings.").dedupe_key()
    assert content.splitlines()[-1] == note_marker("incident:Q1/chgm", key)
    assert content.splitlines()[-1] == f"— CAD run incident:Q1/chgm · action {key}"


def test_when_reconciling_a_note_the_executor_adds_is_not_mistaken_for_someone_elses(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # Given an SRE already wrote a note on the incident
    pagerduty.add_note(INCIDENT.id, "Looking into it. -- jdoe")
    # When a re-execution escalates without a note of its own (the executor adds one)
    report = executor.execute(
        [escalate("CAD: Cluster not found.")], context(), ExecutionOptions(reconcile=True)
    )
    # Then the executor's note is posted: the SRE's note is not it
    assert report.outcomes()[0] == ("pagerduty_note", Outcome.SUCCEEDED)
    notes = pagerduty.incidents[INCIDENT.id].notes
    assert [without_marker(n) for n in notes] == [
        "Looking into it. -- jdoe",
        "🤖 Escalating to SRE: CAD: Cluster not found.",
    ]


def test_a_note_of_another_run_with_the_same_text_is_not_taken_for_this_runs(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # Given the same text on the incident, written by another investigation's run
    other = note_marker("incident:Q1/ccam", note("Findings.").dedupe_key())
    pagerduty.add_note(INCIDENT.id, f"Findings.\n{other}")
    # When this run posts it while reconciling
    report = executor.execute([note("Findings.")], context(), ExecutionOptions(reconcile=True))
    # Then it is this run's note that is posted
    assert report.outcomes() == [("pagerduty_note", Outcome.SUCCEEDED)]
    assert len(pagerduty.incidents[INCIDENT.id].notes) == 2
