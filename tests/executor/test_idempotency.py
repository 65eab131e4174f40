"""Each effect at most once: the ledger, probes against the target system, batch duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cad.actions import (
    escalate,
    limited_support,
    note,
    service_log,
    silence,
    title_prefix,
)
from cad.actions.pagerduty import note_marker
from cad.clients.writers import LimitedSupportReasonEntry, ServiceLogEntry
from cad.errors import NetworkError
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    InMemoryLedger,
    Outcome,
    WriteClients,
)
from cad.testing import FakeOcm, FakePagerDuty, Journal, without_marker

from .conftest import CLUSTER, INCIDENT, ContextFactory


def test_a_second_execution_for_the_same_incident_applies_nothing_again(
    executor: Executor, context: ContextFactory, journal: Journal, ledger: InMemoryLedger
) -> None:
    actions = [limited_support("LS", "d"), note("Findings."), silence("handled")]
    executor.execute(actions, context())
    writes_after_first = len(journal.writes())
    second = executor.execute(actions, context())
    assert len(journal.writes()) == writes_after_first
    assert {r.outcome for r in second.records} == {Outcome.SKIPPED}
    assert all("already applied in this incident" in (r.reason or "") for r in second.records)


def test_an_execution_that_repeats_effects_does_not_ask_the_ledger_but_still_probes(
    executor: Executor, context: ContextFactory, journal: Journal, ledger: InMemoryLedger
) -> None:
    # Given a note and a limited support applied for the incident
    actions = [limited_support("LS", "d"), note("Findings.")]
    executor.execute(actions, context())
    # When an operator's re-run repeats effects
    again = executor.execute(actions, context(), ExecutionOptions(repeat_effects=True))
    # Then the note is posted again; the limited support, still active, is skipped by its probe
    outcomes = {r.type: (r.outcome, r.reason or "") for r in again.records}
    assert outcomes["pagerduty_note"][0] is Outcome.SUCCEEDED
    assert outcomes["limited_support"][0] is Outcome.SKIPPED
    assert "already applied" not in outcomes["limited_support"][1]
    written = [w.name for w in journal.writes()]
    assert written.count("pagerduty.add_note") == 2, written


def test_the_ledger_scope_of_manual_runs_is_the_cluster_and_investigation(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    first = executor.execute([limited_support("LS", "d")], context(incident=None))
    assert first.scope == "manual:c1:chgm"
    ocm.limited_support.clear()  # someone removed it by hand; the ledger still remembers
    second = executor.execute([limited_support("LS", "d")], context(incident=None))
    assert second.records[0].outcome is Outcome.SKIPPED
    other = executor.execute(
        [limited_support("LS", "d")], context(incident=None, investigation="ccam")
    )
    assert other.records[0].outcome is Outcome.SUCCEEDED


def test_a_service_log_with_the_same_summary_and_description_within_the_window_is_skipped(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    ocm.service_logs["c1"].append(
        ServiceLogEntry(
            summary="S", description="D", timestamp=datetime.now(UTC) - timedelta(days=2)
        )
    )
    report = executor.execute([service_log("Major", "S", "D")], context())
    assert report.records[0].outcome is Outcome.SKIPPED
    assert "an identical service log was already sent" in (report.records[0].reason or "")
    assert len(ocm.service_logs["c1"]) == 1


def test_a_service_log_sharing_only_its_summary_is_still_sent(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    ocm.service_logs["c1"].append(
        ServiceLogEntry(summary="S", description="other variant", timestamp=datetime.now(UTC))
    )
    report = executor.execute([service_log("Major", "S", "D")], context())
    assert report.records[0].outcome is Outcome.SUCCEEDED
    assert len(ocm.service_logs["c1"]) == 2


def test_a_service_log_older_than_the_window_is_sent_again(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    ocm.service_logs["c1"].append(
        ServiceLogEntry(
            summary="S", description="D", timestamp=datetime.now(UTC) - timedelta(days=8)
        )
    )
    report = executor.execute([service_log("Major", "S", "D")], context())
    assert report.records[0].outcome is Outcome.SUCCEEDED


def test_an_identical_active_limited_support_reason_is_not_stacked(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    ocm.limited_support["c1"].append(
        LimitedSupportReasonEntry(id="lsr-9", summary="S", details="D")
    )
    same = executor.execute([limited_support("S", "D")], context())
    assert same.records[0].outcome is Outcome.SKIPPED
    assert "(lsr-9)" in (same.records[0].reason or "")
    different = executor.execute([limited_support("S", "other details")], context())
    assert different.records[0].outcome is Outcome.SUCCEEDED


def test_silence_is_a_no_op_on_the_silent_policy_or_a_resolved_incident(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PSILENT"
    report = executor.execute([note("n"), silence("s")], context())
    assert report.records[1].outcome is Outcome.SKIPPED
    assert report.records[1].reason == "the incident already sits on the silent policy"
    pagerduty.add_incident("Q2", "t", status="resolved")
    resolved = executor.execute(
        [note("n"), silence("s2")], context(incident=INCIDENT.model_copy(update={"id": "Q2"}))
    )
    # The state read before the first PagerDuty write finds it resolved (issue 21); the
    # silence's own probe covers an incident resolved after that read.
    assert resolved.records[1].reason == "the incident was resolved"
    assert pagerduty.incidents["Q2"].escalation_policy_id == "PORIGINAL"


def test_escalation_is_a_no_op_on_a_resolved_incident(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    pagerduty.incidents[INCIDENT.id].status = "resolved"
    report = executor.execute([note("n"), escalate("e")], context())
    assert report.records[1].outcome is Outcome.SKIPPED
    assert pagerduty.incidents[INCIDENT.id].escalation_level == 1


def test_the_title_prefix_is_applied_once(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, ledger: InMemoryLedger
) -> None:
    executor.execute([title_prefix()], context())
    assert pagerduty.incidents[INCIDENT.id].title == "[CAD Investigated] " + INCIDENT.title
    with Executor() as no_ledger:
        report = no_ledger.execute([title_prefix()], context())
    assert report.records[0].outcome is Outcome.SKIPPED
    assert pagerduty.incidents[INCIDENT.id].title == "[CAD Investigated] " + INCIDENT.title


def test_a_duplicate_inside_one_batch_is_skipped(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    report = executor.execute([limited_support("S", "D"), limited_support("S", "D")], context())
    assert [r.outcome for r in report.records[:2]] == [Outcome.SUCCEEDED, Outcome.SKIPPED]
    assert report.records[1].reason == "duplicate of action 0 in this batch"
    assert len(ocm.limited_support["c1"]) == 1


def test_every_skip_is_reported_with_its_reason_in_the_note(
    executor: Executor, context: ContextFactory, ocm: FakeOcm, pagerduty: FakePagerDuty
) -> None:
    ocm.limited_support["c1"].append(
        LimitedSupportReasonEntry(id="lsr-1", summary="S", details="D")
    )
    executor.execute([limited_support("S", "D"), note("Findings.")], context())
    [content] = pagerduty.incidents[INCIDENT.id].notes
    assert (
        "Skipped limited support 'S': an identical limited-support reason is already active"
        in content
    )


def test_when_reconciling_a_note_an_interrupted_attempt_already_posted_is_not_posted_again(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # Given the attempt that died posted the note, with other executor lines, and its marker
    marker = note_marker("incident:Q1/chgm", note("Findings.").dedupe_key())
    pagerduty.add_note(
        INCIDENT.id, f"Findings.\nExecutor lines of the attempt that died.\n{marker}"
    )
    again = executor.execute([note("Findings.")], context(), ExecutionOptions(reconcile=True))
    assert again.outcomes() == [("pagerduty_note", Outcome.SKIPPED)]
    assert "already on the incident" in (again.records[0].reason or "")
    assert len(pagerduty.incidents[INCIDENT.id].notes) == 1


def test_without_reconciling_notes_are_not_looked_for_before_they_are_posted(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, journal: Journal
) -> None:
    pagerduty.add_note(INCIDENT.id, "Findings.")
    executor.execute([note("Findings.")], context())
    assert len(pagerduty.incidents[INCIDENT.id].notes) == 2
    assert "pagerduty.list_notes" not in journal.names()


def test_when_reconciling_a_note_that_is_not_there_yet_is_posted(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    pagerduty.add_note(INCIDENT.id, "Another note.")
    done = executor.execute([note("Findings.")], context(), ExecutionOptions(reconcile=True))
    assert done.outcomes() == [("pagerduty_note", Outcome.SUCCEEDED)]
    assert [without_marker(n) for n in pagerduty.incidents[INCIDENT.id].notes] == [
        "Another note.",
        "Findings.",
    ]


class NoteStoredThenTimedOut(FakePagerDuty):
    """PagerDuty stores the note, then the answer is lost (once)."""

    lost = False

    def add_note(self, incident_id: str, content: str) -> None:
        super().add_note(incident_id, content)
        if not self.lost:
            self.lost = True
            raise NetworkError("read timed out", system="pagerduty", endpoint="POST /notes")


def test_a_note_pagerduty_stored_before_its_answer_was_lost_is_not_posted_again_on_retry(
    executor: Executor, journal: Journal, ocm: FakeOcm
) -> None:
    pagerduty = NoteStoredThenTimedOut(journal)
    pagerduty.add_incident(INCIDENT.id, INCIDENT.title)
    ctx = ExecutionContext(
        investigation="chgm",
        cluster=CLUSTER,
        incident=INCIDENT,
        clients=WriteClients(ocm=ocm, pagerduty=pagerduty),
    )
    report = executor.execute([note("Findings.")], ctx)
    assert report.outcomes() == [("pagerduty_note", Outcome.SKIPPED)]
    assert report.records[0].attempts == 2
    assert [without_marker(n) for n in pagerduty.incidents[INCIDENT.id].notes] == ["Findings."]
