"""Modes: live, dry-run, manual, informing, the infrastructure-cluster guard, and combinations."""

from __future__ import annotations

import pytest

from cad.actions import NoteWriter, escalate, limited_support, note_from, service_log, silence
from cad.domain import InfraStatus, Stage
from cad.executor import (
    INFRA_DETECTED_NOTE,
    INFRA_UNKNOWN_NOTE,
    ExecutionOptions,
    Executor,
    Outcome,
)
from cad.testing import FakePagerDuty, Journal

from .conftest import INCIDENT, ContextFactory


def remediation() -> list:  # type: ignore[type-arg]
    notes = NoteWriter("chgm")
    notes.warning("Customer stopped instances.")
    return [
        limited_support("Cluster is in Limited Support", "restart instances", "StoppedInstances"),
        service_log("Major", "Action required", "restart"),
        note_from(notes),
        silence("Customer stopped instances."),
    ]


def test_dry_run_writes_nothing_and_reports_full_content(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    report = executor.execute(remediation(), context(), ExecutionOptions(dry_run=True))
    assert journal.calls == []
    assert {r.outcome for r in report.records} == {Outcome.DRY_RUN}
    assert report.modes == ["dry_run"]
    note_record = report.records[2]
    assert "Customer stopped instances." in (note_record.preview or "")
    assert "restart instances" in (report.records[0].preview or "")


def test_manual_runs_drop_pagerduty_actions_and_execute_the_rest(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    report = executor.execute(remediation(), context(incident=None), ExecutionOptions(manual=True))
    assert report.outcomes() == [
        ("limited_support", Outcome.SUCCEEDED),
        ("service_log", Outcome.SUCCEEDED),
        ("pagerduty_note", Outcome.DROPPED),
        ("silence_incident", Outcome.DROPPED),
    ]
    assert not any(c.system == "pagerduty" for c in journal.calls)


def test_informing_stage_withholds_remediation_notes_it_and_escalates(
    executor: Executor, context: ContextFactory, journal: Journal, pagerduty: FakePagerDuty
) -> None:
    report = executor.execute(remediation(), context(), ExecutionOptions(stage=Stage.INFORMING))
    assert report.outcomes() == [
        ("limited_support", Outcome.REPLACED),
        ("service_log", Outcome.REPLACED),
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("silence_incident", Outcome.REPLACED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    assert not any(c.system == "ocm" and c.is_write for c in journal.calls)
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_level == 2
    assert incident.escalation_policy_id == "PORIGINAL"
    [content] = incident.notes
    assert "would have done limited support 'Cluster is in Limited Support'" in content
    assert "would have done service log [Major] 'Action required'" in content
    assert "would have done silence incident" in content


@pytest.mark.parametrize(
    ("infra", "text"),
    [(InfraStatus.YES, INFRA_DETECTED_NOTE), (InfraStatus.UNKNOWN, INFRA_UNKNOWN_NOTE)],
)
def test_infrastructure_clusters_get_a_note_and_an_escalation_instead_of_remediation(
    executor: Executor,
    context: ContextFactory,
    journal: Journal,
    pagerduty: FakePagerDuty,
    infra: InfraStatus,
    text: str,
) -> None:
    report = executor.execute(remediation(), context(infra=infra))
    replaced = [r.type for r in report.records if r.outcome is Outcome.REPLACED]
    assert replaced == ["limited_support", "service_log", "silence_incident"]
    assert not any(c.system == "ocm" and c.is_write for c in journal.calls)
    [content] = pagerduty.incidents[INCIDENT.id].notes
    expected = text.format(kinds="Limited Support, ServiceLog and Silence")
    assert "⚠️ " + expected in content
    assert pagerduty.incidents[INCIDENT.id].escalation_level == 2


def test_the_infrastructure_guard_keeps_an_existing_escalation_instead_of_adding_one(
    executor: Executor, context: ContextFactory
) -> None:
    report = executor.execute(
        [service_log("Major", "S"), escalate("why")], context(infra=InfraStatus.YES)
    )
    assert [r.type for r in report.records].count("escalate_incident") == 1


def test_dry_run_with_the_infrastructure_guard_shows_the_replacements_and_writes_nothing(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    report = executor.execute(
        remediation(), context(infra=InfraStatus.UNKNOWN), ExecutionOptions(dry_run=True)
    )
    assert journal.calls == []
    assert [r.outcome for r in report.records] == [
        Outcome.REPLACED,
        Outcome.REPLACED,
        Outcome.DRY_RUN,
        Outcome.REPLACED,
        Outcome.DRY_RUN,
    ]
    assert "Erring on the side of caution" in (report.records[2].preview or "")


def test_manual_informing_runs_write_nothing_at_all(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    report = executor.execute(
        remediation(),
        context(incident=None),
        ExecutionOptions(manual=True, stage=Stage.INFORMING),
    )
    assert journal.writes() == []
    assert {r.outcome for r in report.records} == {Outcome.REPLACED, Outcome.DROPPED}
    assert report.modes == ["live", "manual", "informing"]


def test_a_dry_run_manual_run_reports_dropped_and_dry_run_outcomes(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    report = executor.execute(
        remediation(), context(incident=None), ExecutionOptions(manual=True, dry_run=True)
    )
    assert journal.calls == []
    assert report.outcomes()[:2] == [
        ("limited_support", Outcome.DRY_RUN),
        ("service_log", Outcome.DRY_RUN),
    ]
    assert {o for _, o in report.outcomes()[2:]} == {Outcome.DROPPED}
