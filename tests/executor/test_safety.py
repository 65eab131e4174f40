"""Never silence on a failed remediation; every reason reaches PagerDuty."""

from __future__ import annotations

from cad.actions import NoteWriter, escalate, limited_support, note, note_from, silence
from cad.executor import Executor, Outcome
from cad.testing import FakeOcm, FakePagerDuty, permanent, without_marker

from .conftest import INCIDENT, ContextFactory


def test_a_failed_limited_support_turns_the_silence_into_an_escalation(
    executor: Executor, context: ContextFactory, ocm: FakeOcm, pagerduty: FakePagerDuty
) -> None:
    ocm.fail("post_limited_support_reason", permanent(400, "ocm"))
    notes = NoteWriter("chgm")
    notes.warning("Customer stopped instances.")
    report = executor.execute(
        [limited_support("LS", "details"), note_from(notes), silence("Customer stopped")],
        context(),
    )
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_policy_id == "PORIGINAL"  # not silenced
    assert incident.escalation_level == 2  # escalated
    assert report.outcomes() == [
        ("limited_support", Outcome.FAILED),
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("silence_incident", Outcome.REPLACED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    assert report.status == "failed"
    [content] = incident.notes
    assert "Not silencing the incident because limited support 'LS' failed" in content
    assert "HTTP 400" in content


def test_silence_and_escalation_reasons_are_written_into_the_note(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    executor.execute([note("Findings."), escalate("Egress blocked, needs SRE")], context())
    [content] = pagerduty.incidents[INCIDENT.id].notes
    assert without_marker(content) == "Findings.\n🤖 Escalating to SRE: Egress blocked, needs SRE"


def test_a_reason_already_in_the_note_is_not_repeated(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    text = "CAD: Cluster is already uninstalling, silencing alert."
    executor.execute([note(text), silence(text)], context())
    assert [without_marker(n) for n in pagerduty.incidents[INCIDENT.id].notes] == [text]


def test_a_silence_without_a_note_gets_a_note_carrying_its_reason_first(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, journal: object
) -> None:
    report = executor.execute([silence("Cluster is uninstalling")], context())
    assert [without_marker(n) for n in pagerduty.incidents[INCIDENT.id].notes] == [
        "🤖 Silencing incident: Cluster is uninstalling"
    ]
    assert [(r.type, r.origin) for r in report.records] == [
        ("pagerduty_note", "executor"),
        ("silence_incident", "investigation"),
    ]


def test_an_escalation_without_a_note_gets_one_carrying_its_reason(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    executor.execute([escalate("CAD: Cluster not found.")], context())
    incident = pagerduty.incidents[INCIDENT.id]
    assert [without_marker(n) for n in incident.notes] == [
        "🤖 Escalating to SRE: CAD: Cluster not found."
    ]
    assert incident.escalation_level == 2
