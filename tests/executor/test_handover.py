"""Never leave an incident with nobody: a silence only after every earlier action of its run
succeeded (its note included); an escalation always reaches a human, also from the silent
policy, going back to the policy the incident had before CAD silenced it."""

from __future__ import annotations

from pathlib import Path

from cad.actions import escalate, limited_support, note, silence
from cad.errors import OutcomeUnknownError
from cad.executor import ExecutionContext, Executor, InMemoryLedger, Outcome, WriteClients
from cad.store import DurableLedger, Store, upgrade
from cad.testing import FakeOcm, FakePagerDuty, Journal, VirtualClock, transient

from .conftest import CLUSTER, INCIDENT, ContextFactory


def test_a_silence_never_follows_a_failed_note(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, ocm: FakeOcm
) -> None:
    # Given PagerDuty refuses every note with a 503
    pagerduty.fail("add_note", lambda: transient(503, "pagerduty"), times=10)
    # When an investigation puts the cluster in limited support, notes it and silences
    report = executor.execute(
        [limited_support("LS", "d"), note("Findings."), silence("handled")], context()
    )
    # Then the limited support stays, the note failed, the silence was replaced by an
    # escalation, and the incident sits on its own policy at the raised level
    assert report.outcomes() == [
        ("limited_support", Outcome.SUCCEEDED),
        ("pagerduty_note", Outcome.FAILED),
        ("silence_incident", Outcome.REPLACED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    assert "an earlier action failed: note 'Findings.'" in (report.records[2].reason or "")
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_policy_id == "PORIGINAL"
    assert incident.escalation_level == 2
    assert len(ocm.limited_support[CLUSTER.id]) == 1
    assert report.status == "failed"


def test_a_silence_never_follows_any_failed_pagerduty_action_before_it(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # Given the first of two notes fails for good (a permanent error)
    pagerduty.fail("add_note", transient(503, "pagerduty"), times=4)
    # When the batch would silence after both notes
    report = executor.execute([note("One."), note("Two."), silence("handled")], context())
    # Then the second note is still written, but the incident is escalated, not silenced
    assert [r.outcome for r in report.records] == [
        Outcome.FAILED,
        Outcome.SUCCEEDED,
        Outcome.REPLACED,
        Outcome.SUCCEEDED,
    ]
    assert pagerduty.incidents[INCIDENT.id].escalation_policy_id == "PORIGINAL"


def test_escalating_an_incident_this_process_silenced_moves_it_back_to_its_policy_first(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, journal: Journal
) -> None:
    # Given an incident on its team's policy (not the service's), silenced by CAD
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PTEAM"
    pagerduty.services["PSVC001"] = "PSERVICE"
    executor.execute([note("Handled."), silence("handled")], context())
    assert pagerduty.incidents[INCIDENT.id].escalation_policy_id == "PSILENT"
    # When a later run escalates it
    report = executor.execute([note("Back."), escalate("a human must look")], context())
    # Then it went back to the policy it had, then its level was raised
    assert report.outcomes() == [
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PTEAM", 2)
    writes = journal.names(writes_only=True)
    assert writes[-2:] == ["pagerduty.reassign", "pagerduty.escalate"]


def test_an_escalation_after_a_silence_in_the_same_batch_reaches_the_original_policy(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PTEAM"
    executor.execute([note("n"), silence("s"), escalate("e")], context())
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PTEAM", 2)


def test_the_policy_before_a_silence_survives_the_process_in_the_durable_ledger(
    tmp_path: Path, journal: Journal
) -> None:
    # Given a store on disk, and an incident on its team's policy
    url = f"sqlite:///{tmp_path / 'cad.db'}"
    upgrade(url)
    pagerduty = FakePagerDuty(journal)
    pagerduty.add_incident(INCIDENT.id, INCIDENT.title, escalation_policy_id="PTEAM")
    pagerduty.services["PSVC001"] = "PSERVICE"
    ctx = ExecutionContext(
        investigation="chgm",
        cluster=CLUSTER,
        incident=INCIDENT,
        clients=WriteClients(pagerduty=pagerduty),
    )
    clock = VirtualClock()
    # When one process silences the incident and exits
    first_store = Store(url)
    with Executor.standard(
        ledger=DurableLedger(first_store), clock=clock, sleep=clock.sleep
    ) as first:
        first.execute([note("Handled."), silence("handled")], ctx)
    first_store.close()
    # And another process escalates it later
    second_store = Store(url)
    with Executor.standard(
        ledger=DurableLedger(second_store), clock=clock, sleep=clock.sleep
    ) as second:
        report = second.execute([note("Worse."), escalate("it came back")], ctx)
    second_store.close()
    # Then the incident is back on the team's policy, at the raised level
    assert report.status == "succeeded"
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PTEAM", 2)


def test_without_a_record_an_escalation_from_the_silent_policy_goes_to_the_services_policy(
    context: ContextFactory, pagerduty: FakePagerDuty, clock: VirtualClock
) -> None:
    # Given an incident on the silent policy that no ledger knows about
    pagerduty.incidents[INCIDENT.id].escalation_policy_id = "PSILENT"
    pagerduty.services["PSVC001"] = "PSERVICE"
    # When a fresh executor escalates it
    with Executor.standard(ledger=InMemoryLedger(), clock=clock, sleep=clock.sleep) as fresh:
        report = fresh.execute([note("n"), escalate("e")], context())
    # Then it goes to the policy of the incident's service, then up a level
    assert report.status == "succeeded"
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PSERVICE", 2)


def test_escalating_an_incident_on_its_own_policy_only_raises_the_level(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, journal: Journal
) -> None:
    executor.execute([note("n"), escalate("e")], context())
    assert "pagerduty.reassign" not in journal.names()
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PORIGINAL", 2)


class SilencedThenTimedOut(FakePagerDuty):
    """PagerDuty applies the silence, then the answer is lost (once)."""

    lost = False

    def silence(self, incident_id: str) -> None:
        super().silence(incident_id)
        if not self.lost:
            self.lost = True
            raise OutcomeUnknownError("timed out", system="pagerduty", endpoint="PUT /incidents")


def test_a_silence_whose_answer_was_lost_still_records_the_policy_it_replaced(
    journal: Journal, clock: VirtualClock
) -> None:
    # Given the silence lands but its answer is lost, so the retry finds it already done
    pagerduty = SilencedThenTimedOut(journal)
    pagerduty.add_incident(INCIDENT.id, INCIDENT.title, escalation_policy_id="PTEAM")
    pagerduty.services["PSVC001"] = "PSERVICE"
    ctx = ExecutionContext(
        investigation="chgm", incident=INCIDENT, clients=WriteClients(pagerduty=pagerduty)
    )
    ledger = InMemoryLedger()
    with Executor.standard(ledger=ledger, clock=clock, sleep=clock.sleep) as executor:
        first = executor.execute([note("Handled."), silence("handled")], ctx)
        assert first.records[1].outcome is Outcome.SKIPPED
        # When a later run escalates it
        executor.execute([note("Worse."), escalate("it came back")], ctx)
    # Then it goes back to the team's policy, not the service's
    incident = pagerduty.incidents[INCIDENT.id]
    assert (incident.escalation_policy_id, incident.escalation_level) == ("PTEAM", 2)
