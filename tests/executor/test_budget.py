"""The fleet safety valve: past the hourly budget, customer-facing writes become informing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cad.actions import NoteWriter, limited_support, note_from, service_log, silence
from cad.executor import ExecutionOptions, Executor, Outcome
from cad.executor.budget import BudgetLimits, InMemoryBudget
from cad.testing import FakeOcm, FakePagerDuty, Journal

from .conftest import CLUSTER, INCIDENT, ContextFactory


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 29, 10, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def budgeted(clock: Clock) -> Iterator[Executor]:
    budget = InMemoryBudget(
        BudgetLimits(limited_support_per_hour=1, service_logs_per_hour=5), clock
    )
    with Executor(budget=budget) as instance:
        yield instance


def remediation(reason: str) -> list:  # type: ignore[type-arg]
    notes = NoteWriter("chgm")
    notes.warning("Customer stopped instances.")
    return [
        limited_support(reason, "restart instances", "StoppedInstances"),
        note_from(notes),
        silence("Customer stopped instances."),
    ]


def test_the_write_past_the_budget_is_noted_and_escalated_instead_of_applied(
    budgeted: Executor, context: ContextFactory, ocm: FakeOcm, pagerduty: FakePagerDuty
) -> None:
    first = budgeted.execute(remediation("First"), context())
    assert [o for _, o in first.outcomes()] == [Outcome.SUCCEEDED] * 3
    second = budgeted.execute(remediation("Second"), context())
    assert second.outcomes() == [
        ("limited_support", Outcome.REPLACED),
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("silence_incident", Outcome.REPLACED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    assert [r.summary for r in ocm.limited_support[CLUSTER.id]] == ["First"]
    note = pagerduty.incidents[INCIDENT.id].notes[-1]
    assert "fleet budget of 1 limited_support per hour reached" in note
    assert "would have done limited support 'Second'" in note
    assert pagerduty.incidents[INCIDENT.id].escalation_level == 2


def test_the_budget_is_refilled_on_the_next_clock_hour(
    budgeted: Executor, context: ContextFactory, ocm: FakeOcm, clock: Clock
) -> None:
    budgeted.execute(remediation("First"), context())
    clock.at += timedelta(hours=1)
    report = budgeted.execute(remediation("Next hour"), context())
    assert report.outcomes()[0] == ("limited_support", Outcome.SUCCEEDED)
    assert len(ocm.limited_support[CLUSTER.id]) == 2


def test_each_action_type_has_its_own_budget(
    budgeted: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    logs = [service_log("Info", f"Log {n}", "details") for n in range(6)]
    actions = [*logs, limited_support("Reason", "details")]
    report = budgeted.execute(actions, context(incident=None), ExecutionOptions(manual=True))
    outcomes = [o for t, o in report.outcomes() if t in ("service_log", "limited_support")]
    assert outcomes == [Outcome.SUCCEEDED] * 5 + [Outcome.REPLACED, Outcome.SUCCEEDED]
    assert len(ocm.service_logs[CLUSTER.id]) == 5
    assert len(ocm.limited_support[CLUSTER.id]) == 1
    assert "fleet budget of 5 service_log" in (report.records[5].reason or "")


def test_dry_runs_take_no_budget(
    budgeted: Executor, context: ContextFactory, journal: Journal
) -> None:
    for _ in range(3):
        budgeted.execute(remediation("Rehearsal"), context(), ExecutionOptions(dry_run=True))
    report = budgeted.execute(remediation("Real"), context())
    assert report.outcomes()[0] == ("limited_support", Outcome.SUCCEEDED)


def test_an_unavailable_budget_fails_closed(context: ContextFactory, ocm: FakeOcm) -> None:
    class Broken:
        limits = BudgetLimits()

        def take(self, action_type: str) -> bool:
            raise ConnectionError("store down")

    with Executor(budget=Broken()) as executor:
        report = executor.execute(remediation("Any"), context())
    assert report.outcomes()[0] == ("limited_support", Outcome.REPLACED)
    assert "fleet budget unavailable (ConnectionError), failing closed" in (
        report.records[0].reason or ""
    )
    assert ocm.limited_support[CLUSTER.id] == []


def test_negative_limits_are_refused_naming_the_budget() -> None:
    with pytest.raises(ValueError, match="the service_log budget must be 0 or more, got -1"):
        BudgetLimits(service_logs_per_hour=-1)
